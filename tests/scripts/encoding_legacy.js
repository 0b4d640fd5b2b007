// TextDecoder's encodings beyond UTF-8, per the Encoding Standard: every
// label, every single-byte encoding, the CJK ones, x-user-defined and
// replacement; fatal mode and streaming. Expected values are data (made by
// Node 20's TextDecoder, i.e. ICU, or written from the standard's index
// tables where Node lacks an encoding or differs from the standard), never
// computed here.
// Every label of the Encoding Standard maps to its encoding's name: made by
// Node 20 (ICU) for the labels it knows; iso-8859-16 and x-user-defined
// (which Node lacks) from the standard's table.
const LABELS = { "big5": [ "big5", "big5-hkscs", "cn-big5", "csbig5", "x-x-big5" ], "euc-jp": [ "cseucpkdfmtjapanese", "euc-jp", "x-euc-jp" ], "euc-kr": [ "cseuckr", "csksc56011987", "euc-kr", "iso-ir-149", "korean", "ks_c_5601-1987", "ks_c_5601-1989", "ksc5601", "ksc_5601", "windows-949" ], "gb18030": [ "gb18030" ], "gbk": [ "chinese", "csgb2312", "csiso58gb231280", "gb2312", "gb_2312", "gb_2312-80", "gbk", "iso-ir-58", "x-gbk" ], "ibm866": [ "866", "cp866", "csibm866", "ibm866" ], "iso-2022-jp": [ "csiso2022jp", "iso-2022-jp" ], "iso-8859-10": [ "csisolatin6", "iso-8859-10", "iso-ir-157", "iso8859-10", "iso885910", "l6", "latin6" ], "iso-8859-13": [ "iso-8859-13", "iso8859-13", "iso885913" ], "iso-8859-14": [ "iso-8859-14", "iso8859-14", "iso885914" ], "iso-8859-15": [ "csisolatin9", "iso-8859-15", "iso8859-15", "iso885915", "iso_8859-15", "l9" ], "iso-8859-16": [ "iso-8859-16" ], "iso-8859-2": [ "csisolatin2", "iso-8859-2", "iso-ir-101", "iso8859-2", "iso88592", "iso_8859-2", "iso_8859-2:1987", "l2", "latin2" ], "iso-8859-3": [ "csisolatin3", "iso-8859-3", "iso-ir-109", "iso8859-3", "iso88593", "iso_8859-3", "iso_8859-3:1988", "l3", "latin3" ], "iso-8859-4": [ "csisolatin4", "iso-8859-4", "iso-ir-110", "iso8859-4", "iso88594", "iso_8859-4", "iso_8859-4:1988", "l4", "latin4" ], "iso-8859-5": [ "csisolatincyrillic", "cyrillic", "iso-8859-5", "iso-ir-144", "iso8859-5", "iso88595", "iso_8859-5", "iso_8859-5:1988" ], "iso-8859-6": [ "arabic", "asmo-708", "csiso88596e", "csiso88596i", "csisolatinarabic", "ecma-114", "iso-8859-6", "iso-8859-6-e", "iso-8859-6-i", "iso-ir-127", "iso8859-6", "iso88596", "iso_8859-6", "iso_8859-6:1987" ], "iso-8859-7": [ "csisolatingreek", "ecma-118", "elot_928", "greek", "greek8", "iso-8859-7", "iso-ir-126", "iso8859-7", "iso88597", "iso_8859-7", "iso_8859-7:1987", "sun_eu_greek" ], "iso-8859-8": [ "csiso88598e", "csisolatinhebrew", "hebrew", "iso-8859-8", "iso-8859-8-e", "iso-ir-138", "iso8859-8", "iso88598", "iso_8859-8", "iso_8859-8:1988", "visual" ], "iso-8859-8-i": [ "csiso88598i", "iso-8859-8-i", "logical" ], "koi8-r": [ "cskoi8r", "koi", "koi8", "koi8-r", "koi8_r" ], "koi8-u": [ "koi8-ru", "koi8-u" ], "macintosh": [ "csmacintosh", "mac", "macintosh", "x-mac-roman" ], "shift_jis": [ "csshiftjis", "ms932", "ms_kanji", "shift-jis", "shift_jis", "sjis", "windows-31j", "x-sjis" ], "utf-16be": [ "unicodefffe", "utf-16be" ], "utf-16le": [ "csunicode", "iso-10646-ucs-2", "ucs-2", "unicode", "unicodefeff", "utf-16", "utf-16le" ], "utf-8": [ "unicode-1-1-utf-8", "unicode11utf8", "unicode20utf8", "utf-8", "utf8", "x-unicode20utf8" ], "windows-1250": [ "cp1250", "windows-1250", "x-cp1250" ], "windows-1251": [ "cp1251", "windows-1251", "x-cp1251" ], "windows-1252": [ "ansi_x3.4-1968", "ascii", "cp1252", "cp819", "csisolatin1", "ibm819", "iso-8859-1", "iso-ir-100", "iso8859-1", "iso88591", "iso_8859-1", "iso_8859-1:1987", "l1", "latin1", "us-ascii", "windows-1252", "x-cp1252" ], "windows-1253": [ "cp1253", "windows-1253", "x-cp1253" ], "windows-1254": [ "cp1254", "csisolatin5", "iso-8859-9", "iso-ir-148", "iso8859-9", "iso88599", "iso_8859-9", "iso_8859-9:1989", "l5", "latin5", "windows-1254", "x-cp1254" ], "windows-1255": [ "cp1255", "windows-1255", "x-cp1255" ], "windows-1256": [ "cp1256", "windows-1256", "x-cp1256" ], "windows-1257": [ "cp1257", "windows-1257", "x-cp1257" ], "windows-1258": [ "cp1258", "windows-1258", "x-cp1258" ], "windows-874": [ "dos-874", "iso-8859-11", "iso8859-11", "iso885911", "tis-620", "windows-874" ], "x-mac-cyrillic": [ "x-mac-cyrillic", "x-mac-ukrainian" ], "x-user-defined": [ "x-user-defined" ] };
// The replacement encoding's labels: TextDecoder refuses them (RangeError).
const REPLACEMENT_LABELS = ['csiso2022kr', 'hz-gb-2312', 'iso-2022-cn', 'iso-2022-cn-ext', 'iso-2022-kr', 'replacement'];

// Bytes 0x80..0xFF of each single-byte encoding, as Node 20 decodes them,
// except where ICU differs from the standard's index tables, which win:
// koi8-u 0xAE/0xBE are U+045E/U+040E (ICU: box drawing), windows-874
// 0xDB-0xDE and 0xFC-0xFF and windows-1253 0xAA are unmapped (U+FFFD; ICU
// maps them), windows-1255 0xCA is U+05BA (ICU: unmapped). windows-1252,
// iso-8859-16 and x-user-defined are below, from the index.
const SINGLE_BYTE_HIGH = {
 "ibm866": "АБВГДЕЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯабвгдежзийклмноп░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀рстуфхцчшщъыьэюяЁёЄєЇїЎў°∙·√№¤■ ",
 "iso-8859-2": " Ą˘Ł¤ĽŚ§¨ŠŞŤŹ­ŽŻ°ą˛ł´ľśˇ¸šşťź˝žżŔÁÂĂÄĹĆÇČÉĘËĚÍÎĎĐŃŇÓÔŐÖ×ŘŮÚŰÜÝŢßŕáâăäĺćçčéęëěíîďđńňóôőö÷řůúűüýţ˙",
 "iso-8859-3": " Ħ˘£¤�Ĥ§¨İŞĞĴ­�Ż°ħ²³´µĥ·¸ışğĵ½�żÀÁÂ�ÄĊĈÇÈÉÊËÌÍÎÏ�ÑÒÓÔĠÖ×ĜÙÚÛÜŬŜßàáâ�äċĉçèéêëìíîï�ñòóôġö÷ĝùúûüŭŝ˙",
 "iso-8859-4": " ĄĸŖ¤ĨĻ§¨ŠĒĢŦ­Ž¯°ą˛ŗ´ĩļˇ¸šēģŧŊžŋĀÁÂÃÄÅÆĮČÉĘËĖÍÎĪĐŅŌĶÔÕÖ×ØŲÚÛÜŨŪßāáâãäåæįčéęëėíîīđņōķôõö÷øųúûüũū˙",
 "iso-8859-5": " ЁЂЃЄЅІЇЈЉЊЋЌ­ЎЏАБВГДЕЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯабвгдежзийклмнопрстуфхцчшщъыьэюя№ёђѓєѕіїјљњћќ§ўџ",
 "iso-8859-6": " ���¤�������،­�������������؛���؟�ءآأؤإئابةتثجحخدذرزسشصضطظعغ�����ـفقكلمنهوىيًٌٍَُِّْ�������������",
 "iso-8859-7": " ‘’£€₯¦§¨©ͺ«¬­�―°±²³΄΅Ά·ΈΉΊ»Ό½ΎΏΐΑΒΓΔΕΖΗΘΙΚΛΜΝΞΟΠΡ�ΣΤΥΦΧΨΩΪΫάέήίΰαβγδεζηθικλμνξοπρςστυφχψωϊϋόύώ�",
 "iso-8859-8": " �¢£¤¥¦§¨©×«¬­®¯°±²³´µ¶·¸¹÷»¼½¾��������������������������������‗אבגדהוזחטיךכלםמןנסעףפץצקרשת��‎‏�",
 "iso-8859-8-i": " �¢£¤¥¦§¨©×«¬­®¯°±²³´µ¶·¸¹÷»¼½¾��������������������������������‗אבגדהוזחטיךכלםמןנסעףפץצקרשת��‎‏�",
 "iso-8859-10": " ĄĒĢĪĨĶ§ĻĐŠŦŽ­ŪŊ°ąēģīĩķ·ļđšŧž―ūŋĀÁÂÃÄÅÆĮČÉĘËĖÍÎÏÐŅŌÓÔÕÖŨØŲÚÛÜÝÞßāáâãäåæįčéęëėíîïðņōóôõöũøųúûüýþĸ",
 "iso-8859-13": " ”¢£¤„¦§Ø©Ŗ«¬­®Æ°±²³“µ¶·ø¹ŗ»¼½¾æĄĮĀĆÄÅĘĒČÉŹĖĢĶĪĻŠŃŅÓŌÕÖ×ŲŁŚŪÜŻŽßąįāćäåęēčéźėģķīļšńņóōõö÷ųłśūüżž’",
 "iso-8859-14": " Ḃḃ£ĊċḊ§Ẁ©ẂḋỲ­®ŸḞḟĠġṀṁ¶ṖẁṗẃṠỳẄẅṡÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏŴÑÒÓÔÕÖṪØÙÚÛÜÝŶßàáâãäåæçèéêëìíîïŵñòóôõöṫøùúûüýŷÿ",
 "iso-8859-15": " ¡¢£€¥Š§š©ª«¬­®¯°±²³Žµ¶·ž¹º»ŒœŸ¿ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖ×ØÙÚÛÜÝÞßàáâãäåæçèéêëìíîïðñòóôõö÷øùúûüýþÿ",
 "koi8-r": "─│┌┐└┘├┤┬┴┼▀▄█▌▐░▒▓⌠■∙√≈≤≥ ⌡°²·÷═║╒ё╓╔╕╖╗╘╙╚╛╜╝╞╟╠╡Ё╢╣╤╥╦╧╨╩╪╫╬©юабцдефгхийклмнопярстужвьызшэщчъЮАБЦДЕФГХИЙКЛМНОПЯРСТУЖВЬЫЗШЭЩЧЪ",
 "koi8-u": "─│┌┐└┘├┤┬┴┼▀▄█▌▐░▒▓⌠■∙√≈≤≥ ⌡°²·÷═║╒ёє╔ії╗╘╙╚╛ґў╞╟╠╡ЁЄ╣ІЇ╦╧╨╩╪ҐЎ©юабцдефгхийклмнопярстужвьызшэщчъЮАБЦДЕФГХИЙКЛМНОПЯРСТУЖВЬЫЗШЭЩЧЪ",
 "macintosh": "ÄÅÇÉÑÖÜáàâäãåçéèêëíìîïñóòôöõúùûü†°¢£§•¶ß®©™´¨≠ÆØ∞±≤≥¥µ∂∑∏π∫ªºΩæø¿¡¬√ƒ≈∆«»… ÀÃÕŒœ–—“”‘’÷◊ÿŸ⁄€‹›ﬁﬂ‡·‚„‰ÂÊÁËÈÍÎÏÌÓÔÒÚÛÙıˆ˜¯˘˙˚¸˝˛ˇ",
 "windows-874": "€…‘’“”•–— กขฃคฅฆงจฉชซฌญฎฏฐฑฒณดตถทธนบปผฝพฟภมยรฤลฦวศษสหฬอฮฯะัาำิีึืฺุู����฿เแโใไๅๆ็่้๊๋์ํ๎๏๐๑๒๓๔๕๖๗๘๙๚๛����",
 "windows-1250": "€‚„…†‡‰Š‹ŚŤŽŹ‘’“”•–—™š›śťžź ˇ˘Ł¤Ą¦§¨©Ş«¬­®Ż°±˛ł´µ¶·¸ąş»Ľ˝ľżŔÁÂĂÄĹĆÇČÉĘËĚÍÎĎĐŃŇÓÔŐÖ×ŘŮÚŰÜÝŢßŕáâăäĺćçčéęëěíîďđńňóôőö÷řůúűüýţ˙",
 "windows-1251": "ЂЃ‚ѓ„…†‡€‰Љ‹ЊЌЋЏђ‘’“”•–—™љ›њќћџ ЎўЈ¤Ґ¦§Ё©Є«¬­®Ї°±Ііґµ¶·ё№є»јЅѕїАБВГДЕЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯабвгдежзийклмнопрстуфхцчшщъыьэюя",
 "windows-1253": "€‚ƒ„…†‡‰‹‘’“”•–—™› ΅Ά£¤¥¦§¨©�«¬­®―°±²³΄µ¶·ΈΉΊ»Ό½ΎΏΐΑΒΓΔΕΖΗΘΙΚΛΜΝΞΟΠΡ�ΣΤΥΦΧΨΩΪΫάέήίΰαβγδεζηθικλμνξοπρςστυφχψωϊϋόύώ�",
 "windows-1254": "€‚ƒ„…†‡ˆ‰Š‹Œ‘’“”•–—˜™š›œŸ ¡¢£¤¥¦§¨©ª«¬­®¯°±²³´µ¶·¸¹º»¼½¾¿ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏĞÑÒÓÔÕÖ×ØÙÚÛÜİŞßàáâãäåæçèéêëìíîïğñòóôõö÷øùúûüışÿ",
 "windows-1255": "€‚ƒ„…†‡ˆ‰‹‘’“”•–—˜™› ¡¢£₪¥¦§¨©×«¬­®¯°±²³´µ¶·¸¹÷»¼½¾¿ְֱֲֳִֵֶַָֹֺֻּֽ־ֿ׀ׁׂ׃װױײ׳״�������אבגדהוזחטיךכלםמןנסעףפץצקרשת��‎‏�",
 "windows-1256": "€پ‚ƒ„…†‡ˆ‰ٹ‹Œچژڈگ‘’“”•–—ک™ڑ›œ‌‍ں ،¢£¤¥¦§¨©ھ«¬­®¯°±²³´µ¶·¸¹؛»¼½¾؟ہءآأؤإئابةتثجحخدذرزسشصض×طظعغـفقكàلâمنهوçèéêëىيîïًٌٍَôُِ÷ّùْûü‎‏ے",
 "windows-1257": "€‚„…†‡‰‹¨ˇ¸‘’“”•–—™›¯˛ �¢£¤�¦§Ø©Ŗ«¬­®Æ°±²³´µ¶·ø¹ŗ»¼½¾æĄĮĀĆÄÅĘĒČÉŹĖĢĶĪĻŠŃŅÓŌÕÖ×ŲŁŚŪÜŻŽßąįāćäåęēčéźėģķīļšńņóōõö÷ųłśūüżž˙",
 "windows-1258": "€‚ƒ„…†‡ˆ‰‹Œ‘’“”•–—˜™›œŸ ¡¢£¤¥¦§¨©ª«¬­®¯°±²³´µ¶·¸¹º»¼½¾¿ÀÁÂĂÄÅÆÇÈÉÊË̀ÍÎÏĐÑ̉ÓÔƠÖ×ØÙÚÛÜỮßàáâăäåæçèéêë́íîïđṇ̃óôơö÷øùúûüư₫ÿ",
 "x-mac-cyrillic": "АБВГДЕЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ†°Ґ£§•¶І®©™Ђђ≠Ѓѓ∞±≤≥іµґЈЄєЇїЉљЊњјЅ¬√ƒ≈∆«»… ЋћЌќѕ–—“”‘’÷„ЎўЏџ№Ёёяабвгдежзийклмнопрстуфхцчшщъыьэю€"
};

// [encoding, bytes (hex), text]: from Node 20's TextDecoder.
const DECODES = [ [ "iso-8859-2", "41 a1 b1 e8 f9", "AĄąčů" ], [ "koi8-r", "f0 d2 c9 d7 c5 d4", "Привет" ], [ "shift_jis", "82 a0 88 9f 83 41 b1 5c 7e 81 60", "あ亜アｱ\\~～" ], [ "euc-kr", "b0 a1 c7 d1 b1 db 41", "가한글A" ], [ "gb18030", "c4 e3 ba c3 81 30 81 30 95 32 82 36 80", "你好𠀀€" ], [ "gbk", "c4 e3 ba c3 41", "你好A" ], [ "big5", "a4 40 a4 a4 a1 40 41", "一中　A" ], [ "euc-jp", "a4 a2 b0 a1 8e b1 41", "あ亜ｱA" ], [ "iso-2022-jp", "41 1b 24 42 30 21 24 22 1b 28 42 42 1b 28 4a 5c", "A亜あB¥" ], [ "utf-16be", "00 41 d8 3d de 00", "A😀" ], [ "utf-16le", "41 00 3d d8 00 de", "A😀" ] ];

// [encoding, bytes (hex)] that fatal mode refuses.
const FATAL = [["shift_jis","82"],["euc-kr","b0 20"],["gb18030","81 30 81"],["big5","a4 20"],["euc-jp","a4"],["iso-2022-jp","1b 24 42 30"],["utf-16le","00 dc"],["iso-8859-8","a1"]];

const bytesOf = (hex) => Uint8Array.from(hex.split(' '), (b) => parseInt(b, 16));
const high = Uint8Array.from({ length: 128 }, (_, i) => 0x80 + i);

test('every label maps to its encoding name', () => {
  let count = 0;
  for (const [name, labels] of Object.entries(LABELS)) {
    for (const label of labels) {
      assertEq(new TextDecoder(label).encoding, name, label);
      count++;
    }
  }
  // Whitespace around a label and ASCII case do not matter.
  assertEq(new TextDecoder(' \tShift_JIS\n').encoding, 'shift_jis');
  assertEq(new TextDecoder('LATIN1').encoding, 'windows-1252');
  assertEq(new TextDecoderStream('euc-kr').encoding, 'euc-kr');
  for (const label of REPLACEMENT_LABELS) assertThrows(() => new TextDecoder(label), 'RangeError', label);
  assertThrows(() => new TextDecoder('klingon'), 'RangeError');
  assertThrows(() => new TextDecoder('utf-7'), 'RangeError');
  assertThrows(() => new TextDecoder('latin1\u00a0'), 'RangeError', 'only ASCII whitespace is trimmed');
  assertEq(count + REPLACEMENT_LABELS.length, 228, 'all the labels of the standard');
});

test('single-byte encodings', () => {
  for (const [name, text] of Object.entries(SINGLE_BYTE_HIGH)) {
    assertEq(new TextDecoder(name).decode(high), text, name);
    assertEq(new TextDecoder(name).decode(new Uint8Array([0x41, 0x7f])), 'A\x7f', `${name} ASCII`);
  }
  // windows-1252 (index-windows-1252: 0x80-0x9F differ from ISO-8859-1;
  // Node 20 decodes it as ISO-8859-1).
  const w1252 = new TextDecoder('windows-1252');
  assertEq(w1252.decode(new Uint8Array([0x80, 0x81, 0x8a, 0x9f, 0xa0, 0xe9, 0xff])), '\u20ac\x81\u0160\u0178\xa0\xe9\xff');
  assertEq(new TextDecoder('ascii').decode(new Uint8Array([0x93, 0x94])), '\u201c\u201d');
  // iso-8859-16 (index-iso-8859-16).
  assertEq(new TextDecoder('iso-8859-16').decode(new Uint8Array([0xa1, 0xa2, 0xa4, 0xaa, 0xfe])), '\u0104\u0105\u20ac\u0218\u021b');
  // x-user-defined: 0x80 + n is U+F780 + n.
  assertEq(new TextDecoder('x-user-defined').decode(new Uint8Array([0x41, 0x80, 0xff])), 'A\uf780\uf7ff');
  // A U+FEFF is only removed for UTF-8 and UTF-16.
  assertEq(new TextDecoder('gb18030').decode(new Uint8Array([0x84, 0x31, 0x95, 0x33, 0x41])), '\ufeffA');
});

test('multibyte encodings', () => {
  for (const [name, hex, text] of DECODES) assertEq(new TextDecoder(name).decode(bytesOf(hex)), text, name);
  // Malformed input is U+FFFD (the standard's decoders; ASCII bytes after
  // a bad lead are kept).
  assertEq(new TextDecoder('shift_jis').decode(new Uint8Array([0x82, 0x41, 0x82])), '\ufffdA\ufffd');
  assertEq(new TextDecoder('utf-16le').decode(new Uint8Array([0x00, 0xdc, 0x41, 0x00, 0x42])), '\ufffdA\ufffd');
  assertEq(new TextDecoder('utf-16be').decode(new Uint8Array([0xfe, 0xff, 0x00, 0x41])), 'A', 'BOM removed');
  assertEq(new TextDecoder('utf-16le', { ignoreBOM: true }).decode(new Uint8Array([0xff, 0xfe, 0x41, 0x00])), '\ufeffA');
  assertEq(new TextDecoder('utf-16le').decode(new Uint8Array([0xfe, 0xff, 0x41, 0x00])), '\ufffeA', 'the other BOM is a character');
  assertEq(new TextDecoder('big5').decode(new DataView(bytesOf('41 a4 40 42').buffer, 1, 2)), '一');
});

test('fatal mode throws a TypeError', () => {
  for (const [name, hex] of FATAL) {
    const d = new TextDecoder(name, { fatal: true });
    assert(d.fatal);
    assertThrows(() => d.decode(bytesOf(hex)), 'TypeError', name);
    assertThrows(() => d.decode(bytesOf(hex), { stream: true }) + d.decode(), 'TypeError', `${name} streamed`);
    // A new stream after the error.
    assertEq(d.decode(new Uint8Array(name.startsWith('utf-16') ? [0x41, 0] : [0x41])), 'A', name);
  }
  assertEq(new TextDecoder('shift_jis', { fatal: true }).decode(new Uint8Array([0x82, 0xa0])), 'あ');
});

test('streaming across chunk boundaries', () => {
  for (const [name, hex, text] of DECODES) {
    const bytes = bytesOf(hex);
    for (const size of [1, 2, 3]) {
      const d = new TextDecoder(name);
      let out = '';
      for (let i = 0; i < bytes.length; i += size) out += d.decode(bytes.subarray(i, i + size), { stream: true });
      out += d.decode();
      assertEq(out, text, `${name} in pieces of ${size}`);
    }
  }
  const gb = new TextDecoder('gb18030');
  assertEq(gb.decode(new Uint8Array([0x95, 0x32]), { stream: true }), '');
  assertEq(gb.decode(new Uint8Array([0x82]), { stream: true }), '');
  assertEq(gb.decode(new Uint8Array([0x36, 0xc4]), { stream: true }), '\u{20000}');
  assertEq(gb.decode(), '\ufffd', 'a truncated sequence at the end');
  assertEq(gb.decode(new Uint8Array([0xe3])), '\ufffd', 'a new stream after the end');
  const sjis = new TextDecoder('shift_jis', { fatal: true });
  assertEq(sjis.decode(new Uint8Array([0x82]), { stream: true }), '');
  assertThrows(() => sjis.decode(), 'TypeError', 'truncated at the end in fatal mode');
  // Input larger than one host call (1 MiB) goes in pieces.
  const big = new Uint8Array((1 << 20) + 3).fill(0x41);
  big.set([0x82, 0xa0], 1 << 20);
  const decoded = new TextDecoder('shift_jis').decode(big);
  assertEq(decoded.length, (1 << 20) + 2);
  assertEq(decoded.slice(-3), 'AあA');
});

test('streaming UTF-8 ends a truncated sequence with U+FFFD', () => {
  const d = new TextDecoder();
  assertEq(d.decode(new Uint8Array([0xf0, 0x9f]), { stream: true }), '');
  assertEq(d.decode(new Uint8Array([0x92]), { stream: true }), '');
  assertEq(d.decode(), '\ufffd');
  assertEq(d.decode(new Uint8Array([0xe2]), { stream: true }), '');
  assertEq(d.decode(new Uint8Array([])), '\ufffd');
  // A byte that can start no sequence (0xC0, 0xC1, 0xF5-0xFF) is an error
  // at once, not held for the next chunk.
  for (const b of [0xc0, 0xc1, 0xf5, 0xf8, 0xff]) {
    assertEq(d.decode(new Uint8Array([b]), { stream: true }), '\ufffd', b.toString(16));
    assertEq(d.decode(), '');
  }
  // A second byte out of the first's range ends the sequence at once.
  assertEq(d.decode(new Uint8Array([0xf4, 0x90]), { stream: true }), '\ufffd\ufffd');
  assertEq(d.decode(new Uint8Array([0xe0, 0x9f]), { stream: true }), '\ufffd\ufffd');
  assertEq(d.decode(new Uint8Array([0xf0, 0x9f, 0x98]), { stream: true }), '');
  assertEq(d.decode(new Uint8Array([0x80])), '\u{1f600}');
});

test('many TextDecoders left in the middle of a stream', () => {
  const kept = [];
  for (let i = 0; i < 1100; i++) {
    const d = new TextDecoder('euc-kr');
    d.decode(new Uint8Array([0xb0]), { stream: true });
    if (i % 2) kept.push(d);
  }
  assertEq(kept.at(-1).decode(new Uint8Array([0xa1])), '가');
});
