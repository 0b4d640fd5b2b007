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

test('TextDecoder: UTF-16LE and UTF-16BE', () => {
  // "hé😀" is 68 00 e9 00 3d d8 00 de in UTF-16LE.
  const le = new Uint8Array([0x68, 0x00, 0xe9, 0x00, 0x3d, 0xd8, 0x00, 0xde]);
  const be = new Uint8Array([0x00, 0x68, 0x00, 0xe9, 0xd8, 0x3d, 0xde, 0x00]);
  assertEq(new TextDecoder('utf-16le').decode(le), 'hé😀');
  assertEq(new TextDecoder('utf-16be').decode(be), 'hé😀');
  assertEq(new TextDecoder('unicode').encoding, 'utf-16le', 'labels map to their encoding');
  assertEq(new TextDecoder('UTF-16').encoding, 'utf-16le');
  assertEq(new TextDecoder('unicodefffe').encoding, 'utf-16be');
  assertEq(new TextDecoder('utf-16le').decode(new Uint8Array([0xff, 0xfe, 0x41, 0x00])), 'A', 'the BOM is dropped');
  assertEq(new TextDecoder('utf-16le', { ignoreBOM: true }).decode(new Uint8Array([0xff, 0xfe, 0x41, 0x00])), '\ufeffA');
  // Streaming: split inside a code unit and inside a surrogate pair.
  const d = new TextDecoder('utf-16le');
  let out = '';
  for (const cut of [[0, 1], [1, 5], [5, 7], [7, 8]]) out += d.decode(le.subarray(cut[0], cut[1]), { stream: true });
  out += d.decode();
  assertEq(out, 'hé😀');
  // Errors: a lone trail surrogate, a lead without its trail, an odd byte.
  assertEq(new TextDecoder('utf-16le').decode(new Uint8Array([0x00, 0xdc, 0x41, 0x00])), '\ufffdA');
  assertEq(new TextDecoder('utf-16le').decode(new Uint8Array([0x3d, 0xd8, 0x41, 0x00])), '\ufffdA');
  assertEq(new TextDecoder('utf-16le').decode(new Uint8Array([0x41, 0x00, 0x42])), 'A\ufffd');
  assertEq(new TextDecoder('utf-16le').decode(new Uint8Array([0x3d, 0xd8, 0x00])), '\ufffd', 'one error at the end');
  assertThrows(() => new TextDecoder('utf-16le', { fatal: true }).decode(new Uint8Array([0x00, 0xdc])), 'TypeError');
  // A detached buffer holds no bytes.
  const buffer = new Uint8Array([0x41]).buffer;
  buffer.transfer();
  assertEq(new TextDecoder().decode(buffer), '');
});

test('views on a SharedArrayBuffer', () => {
  const shared = new SharedArrayBuffer(16);
  const view = new Uint8Array(shared);
  const { read, written } = new TextEncoder().encodeInto('hé😀', view);
  assertEq([read, written], [4, 7]);
  assertEq(new TextDecoder().decode(view.subarray(0, written)), 'hé😀');
  assertEq(new TextDecoder().decode(new DataView(shared, 0, 1)), 'h');
  // Streaming, and an encoding the host decodes.
  const d = new TextDecoder();
  assertEq(d.decode(view.subarray(0, 2), { stream: true }) + d.decode(view.subarray(2, 7)), 'hé😀');
  view.set([0xe9], 8);
  assertEq(new TextDecoder('windows-1252').decode(view.subarray(8, 9)), 'é');
});

test('TextEncoder takes a USVString', () => {
  assertThrows(() => new TextEncoder().encode(Symbol('a')), 'TypeError');
  assertThrows(() => new TextEncoder().encodeInto(Symbol('a'), new Uint8Array(4)), 'TypeError');
  assertEq([...new TextEncoder().encode('a\ud800')].join(), [0x61, 0xef, 0xbf, 0xbd].join());
  assertEq([...new TextEncoder().encode(12)].join(), [0x31, 0x32].join());
});
