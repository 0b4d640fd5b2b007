// TextEncoder / TextDecoder, per the Encoding Standard.
test('TextEncoder', () => {
  const e = new TextEncoder();
  assertEq(e.encoding, 'utf-8');
  assertEq([...e.encode('aé€😀')], [0x61, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80]);
  assertEq([...e.encode('\ud800')], [0xef, 0xbf, 0xbd], 'lone surrogate becomes U+FFFD');
  assertEq(e.encode().length, 0);
  const dest = new Uint8Array(5);
  assertEq(e.encodeInto('a€😀', dest), { read: 2, written: 4 });
  assertEq([...dest], [0x61, 0xe2, 0x82, 0xac, 0]);
  assertEq(e.encodeInto('😀', new Uint8Array(3)), { read: 0, written: 0 });
});

test('TextDecoder basics, labels, BOM', () => {
  const d = new TextDecoder();
  assertEq(d.encoding, 'utf-8');
  assertEq(d.decode(new Uint8Array([0x68, 0xc3, 0xa9])), 'hé');
  assertEq(d.decode(new Uint8Array([0xef, 0xbb, 0xbf, 0x41])), 'A', 'BOM stripped');
  assertEq(new TextDecoder('utf-8', { ignoreBOM: true }).decode(new Uint8Array([0xef, 0xbb, 0xbf, 0x41])), '\ufeffA');
  assertEq(new TextDecoder(' UTF8 ').encoding, 'utf-8');
  assertEq(new TextDecoder('unicode-1-1-utf-8').encoding, 'utf-8');
  assertThrows(() => new TextDecoder('klingon'), 'RangeError');
  assertEq(d.decode(), '');
  assertEq(d.decode(new Uint8Array([0x61, 0x62]).buffer), 'ab');
  assertEq(d.decode(new DataView(new Uint8Array([0x61, 0x62, 0x63]).buffer, 1, 1)), 'b');
  assertThrows(() => d.decode('string'), 'TypeError');
});

test('replacement and fatal mode', () => {
  const d = new TextDecoder();
  assertEq(d.decode(new Uint8Array([0x61, 0xff, 0x62])), 'a\ufffdb');
  assertEq(d.decode(new Uint8Array([0xf0, 0x9f, 0x98])), '\ufffd', 'truncated sequence is one U+FFFD');
  assertEq(d.decode(new Uint8Array([0xed, 0xa0, 0x80])), '\ufffd\ufffd\ufffd', 'encoded surrogate');
  assertEq(d.decode(new Uint8Array([0xc0, 0x80])), '\ufffd\ufffd', 'overlong');
  const fatal = new TextDecoder('utf-8', { fatal: true });
  assert(fatal.fatal);
  assertThrows(() => fatal.decode(new Uint8Array([0xff])), 'TypeError');
  assertEq(fatal.decode(new Uint8Array([0xe2, 0x82, 0xac])), '€');
});

test('streaming decode joins split sequences', () => {
  const d = new TextDecoder();
  const bytes = new TextEncoder().encode('a€😀b');
  let out = '';
  for (const b of bytes) out += d.decode(new Uint8Array([b]), { stream: true });
  out += d.decode();
  assertEq(out, 'a€😀b');
  // An incomplete sequence at the end of the stream is replaced.
  assertEq(d.decode(new Uint8Array([0xe2, 0x82]), { stream: true }), '');
  assertEq(d.decode(), '\ufffd');
  // BOM only at the start of a stream.
  const b = new TextDecoder();
  assertEq(b.decode(new Uint8Array([0xef, 0xbb]), { stream: true }), '');
  assertEq(b.decode(new Uint8Array([0xbf, 0x41, 0xef, 0xbb, 0xbf]), { stream: true }), 'A\ufeff');
  assertEq(b.decode(), '');
  const fatal = new TextDecoder('utf-8', { fatal: true });
  assertEq(fatal.decode(new Uint8Array([0xf0, 0x9f]), { stream: true }), '');
  assertThrows(() => fatal.decode(), 'TypeError');
});
