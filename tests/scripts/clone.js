// structuredClone, from the HTML Standard's list of serialisable types.
const roundTrip = (v) => structuredClone(v);

test('primitives', () => {
  for (const v of [undefined, null, true, false, 0, 1.5, NaN, Infinity, -Infinity, 'text', '', '\ud800', 10n, -(2n ** 70n)]) {
    assert(Object.is(roundTrip(v), v), `primitive ${String(v)}`);
  }
  assert(Object.is(roundTrip(-0), -0), '-0 keeps its sign');
});

test('primitive wrappers, Date, RegExp', () => {
  const b = roundTrip(Object(false));
  assert(b instanceof Boolean && b.valueOf() === false);
  const n = roundTrip(Object(-0));
  assert(n instanceof Number && Object.is(n.valueOf(), -0));
  const s = roundTrip(Object('str'));
  assert(s instanceof String && s.valueOf() === 'str');
  const big = roundTrip(Object(5n));
  assertEq(typeof big, 'object');
  assertEq(big.valueOf(), 5n);
  const d = new Date(Date.UTC(2020, 1, 29));
  const dc = roundTrip(d);
  assert(dc instanceof Date && dc !== d && dc.getTime() === d.getTime());
  assert(Number.isNaN(roundTrip(new Date(NaN)).getTime()));
  const r = /a(b)c/gimsuy;
  r.lastIndex = 3;
  const rc = roundTrip(r);
  assert(rc instanceof RegExp && rc !== r);
  assertEq([rc.source, rc.flags, rc.lastIndex], ['a(b)c', r.flags, 0]);
});

test('ArrayBuffer, views, sharing', () => {
  const buf = new ArrayBuffer(16);
  const u8 = new Uint8Array(buf, 4, 8);
  u8.set([1, 2, 3]);
  const f64 = new Float64Array(buf, 8, 1);
  const dv = new DataView(buf, 2, 4);
  const c = roundTrip({ buf, u8, f64, dv });
  assert(c.u8.buffer === c.buf && c.f64.buffer === c.buf && c.dv.buffer === c.buf, 'one buffer stays shared');
  assert(c.buf !== buf);
  assertEq([c.u8.byteOffset, c.u8.length, c.f64.byteOffset, c.dv.byteOffset, c.dv.byteLength], [4, 8, 8, 2, 4]);
  assertEq([...c.u8.subarray(0, 3)], [1, 2, 3]);
  for (const Ctor of [Int8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array, BigInt64Array, BigUint64Array]) {
    const v = new Ctor(3);
    const cv = roundTrip(v);
    assert(cv instanceof Ctor && cv.length === 3, Ctor.name);
  }
  const resizable = new ArrayBuffer(4, { maxByteLength: 64 });
  const rc = roundTrip(resizable);
  assert(rc.resizable && rc.maxByteLength === 64 && rc.byteLength === 4, 'resizable buffers stay resizable');
});

test('Map, Set, Array with holes and extra properties, objects', () => {
  const key = { k: 1 };
  const m = roundTrip(new Map([[key, 'v'], ['s', key]]));
  const [[k2, v2], [s2, k3]] = [...m];
  assert(k2 === k3 && v2 === 'v' && s2 === 's', 'identity inside a Map');
  const set = roundTrip(new Set([1, 'a', key]));
  assertEq(set.size, 3);
  const arr = [1, , 3];
  arr.extra = 'x';
  const ac = roundTrip(arr);
  assert(Array.isArray(ac) && ac.length === 3 && !(1 in ac) && ac[2] === 3 && ac.extra === 'x');
  const sparse = [];
  sparse[1000] = 1;
  assertEq(roundTrip(sparse).length, 1001);
  const o = roundTrip({ a: 1, nested: { b: [2] }, [Symbol('skipped')]: 1 });
  assertEq(o, { a: 1, nested: { b: [2] } });
  assertEq(Object.getOwnPropertySymbols(o).length, 0);
  const hidden = Object.defineProperty({ shown: 1 }, 'hidden', { value: 2, enumerable: false });
  assertEq(Object.keys(roundTrip(hidden)), ['shown']);
});

test('getters run once, class instances become plain objects', () => {
  let calls = 0;
  const withGetter = { get g() { calls++; return 'got'; } };
  const c = roundTrip(withGetter);
  assertEq(calls, 1);
  assertEq(Object.getOwnPropertyDescriptor(c, 'g').value, 'got', 'a data property in the clone');
  class Point { constructor() { this.x = 1; } method() {} }
  const p = roundTrip(new Point());
  assertEq(Object.getPrototypeOf(p), Object.prototype);
  assertEq(p.x, 1);
});

test('cycles and shared references', () => {
  const a = { name: 'a' };
  const b = { a, list: [a] };
  a.b = b;
  a.self = a;
  const c = roundTrip(a);
  assert(c.self === c && c.b.a === c && c.b.list[0] === c, 'identity preserved');
  const arr = [];
  arr.push(arr);
  const ca = roundTrip(arr);
  assert(ca[0] === ca);
});

test('errors keep name, message, stack and cause', () => {
  for (const Ctor of [Error, EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError]) {
    const e = new Ctor('msg', { cause: { why: 1 } });
    const c = roundTrip(e);
    assert(c instanceof Ctor && c.name === Ctor.name, Ctor.name);
    assertEq(c.message, 'msg');
    assertEq(c.cause, { why: 1 });
    assertEq(c.stack, e.stack);
  }
  class MyError extends Error { constructor() { super('mine'); this.name = 'MyError'; } }
  const mine = roundTrip(new MyError());
  assertEq(mine.name, 'Error', 'unknown names become Error');
  assertEq(mine.message, 'mine');
  assert(!('cause' in roundTrip(new Error('no cause'))));
  const d = roundTrip(new DOMException('gone', 'NotFoundError'));
  assert(d instanceof DOMException && d.name === 'NotFoundError' && d.message === 'gone' && d.code === 8);
});

test('what cannot be cloned throws DataCloneError naming the type', () => {
  const cases = [
    [function named() {}, 'function named'],
    [() => {}, 'function'],
    [Symbol('sym'), 'Symbol(sym)'],
    [new WeakMap(), 'WeakMap'],
    [new WeakSet(), 'WeakSet'],
    [Promise.resolve(), 'Promise'],
    [new Headers(), 'Headers'],
    [new Response(''), 'Response'],
    [new URL('https://a.b/'), 'URL'],
    [new AbortController().signal, 'AbortSignal'],
    [{ nested: { fn() {} } }, 'function'],
    [(function* () {})(), 'Object'],
  ];
  for (const [value, mention] of cases) {
    const err = assertThrows(() => structuredClone(value), 'DataCloneError', mention);
    assert(err instanceof DOMException && err.code === 25);
    assert(err.message.includes(mention.split(' ')[0]) || err.message.includes('could not be cloned'), `${mention}: ${err.message}`);
  }
  assertThrows(() => structuredClone(), 'TypeError');
});

test('transfer detaches the source', () => {
  const buf = new Uint8Array([1, 2, 3]).buffer;
  const view = new Uint8Array(buf);
  const c = structuredClone({ view }, { transfer: [buf] });
  assert(buf.detached && buf.byteLength === 0, 'source detached');
  assertEq([...c.view], [1, 2, 3]);
  assertThrows(() => structuredClone(buf, { transfer: [buf] }), 'DataCloneError', 'already detached');
  const twice = new ArrayBuffer(1);
  assertThrows(() => structuredClone(twice, { transfer: [twice, twice] }), 'DataCloneError', 'listed twice');
  assert(!twice.detached, 'a failed clone detaches nothing');
  assertThrows(() => structuredClone(1, { transfer: [{}] }), 'DataCloneError', 'not transferable');
  const kept = new ArrayBuffer(2);
  assertThrows(() => structuredClone({ kept, f() {} }, { transfer: [kept] }), 'DataCloneError');
  assert(!kept.detached, 'nothing is detached when serialisation fails');
});

test('limits: deep graphs are a DataCloneError, not a crash', () => {
  let deep = {};
  let cur = deep;
  for (let i = 0; i < 50000; i++) { cur.next = {}; cur = cur.next; }
  const err = assertThrows(() => structuredClone(deep), 'DataCloneError');
  assert(err.message.includes('deeply'), err.message);
  const wide = Array.from({ length: 20000 }, (_, i) => ({ i }));
  assertEq(structuredClone(wide)[19999].i, 19999, 'wide graphs are fine');
});

test('equal primitives may share a node, values stay exact', () => {
  const c = roundTrip({ a: -0, b: 0, c: NaN, d: 'same', e: 'same', f: '\udc00', g: '\udc00', ['__proto__']: 1 });
  assert(Object.is(c.a, -0) && Object.is(c.b, 0) && Number.isNaN(c.c));
  assertEq([c.d, c.e, c.f.charCodeAt(0), c.g.length], ['same', 'same', 0xdc00, 1]);
  assertEq(Object.getPrototypeOf(c), Object.prototype);
});

test('Blob and File', async () => {
  const blob = new Blob(['héllo'], { type: 'Text/Plain' });
  const c = roundTrip({ blob, again: blob });
  assert(c.blob instanceof Blob && c.blob !== blob && c.again === c.blob);
  assertEq([c.blob.type, c.blob.size, await c.blob.text()], ['text/plain', 6, 'héllo']);
  const file = new File([new Uint8Array([1, 2, 3])], 'a.bin', { type: 'application/x-test', lastModified: 1234 });
  const f = roundTrip(file);
  assert(f instanceof File);
  assertEq([f.name, f.type, f.lastModified, f.size], ['a.bin', 'application/x-test', 1234, 3]);
  assertEq([...await f.bytes()], [1, 2, 3]);
  assertThrows(() => structuredClone(new FormData()), 'DataCloneError');
});

test('-0 and lone surrogates nested in arrays, objects and String objects', () => {
  const a = roundTrip([0, -0, '\ud800', '\udc00', '\udbff\udffd']);
  assert(Object.is(a[0], 0) && Object.is(a[1], -0), '-0 after 0 in an array keeps its sign');
  assertEq([a[2], a[3], a[4]], ['\ud800', '\udc00', '\udbff\udffd']);
  const o = roundTrip({ zero: 0, negative: -0 });
  assert(Object.is(o.negative, -0), '-0 after 0 in an object keeps its sign');
  for (const s of ['', '\ud800', '\udc00', '\u0000', '\udbff\udffd']) {
    const c = roundTrip(new String(s));
    assert(c instanceof String && c.valueOf() === s, `String object ${JSON.stringify(s)}`);
  }
  const nested = roundTrip([new String('\ud800'), { s: new String('\udc00') }]);
  assertEq([nested[0].valueOf(), nested[1].s.valueOf()], ['\ud800', '\udc00']);
});

test('views out of the bounds of a shrunk resizable ArrayBuffer are not serialisable', () => {
  const ab = new ArrayBuffer(16, { maxByteLength: 1024 });
  const ta = new Uint8Array(ab, 8);
  const dv = new DataView(ab, 8);
  const tracking = new Uint8Array(ab);
  ab.resize(0);
  assertThrows(() => structuredClone(ta), 'DataCloneError', 'typed array');
  assertThrows(() => structuredClone(dv), 'DataCloneError', 'DataView');
  assertEq(structuredClone(tracking).length, 0, 'a length-tracking view at length 0 is in bounds');
});

test('lone surrogates in property keys and in error messages and stacks', () => {
  const o = roundTrip({ '\ud800': 1, 'a\udc00b': 2, plain: 3 });
  assertEq(Object.keys(o).map((k) => [...k].map((c) => c.charCodeAt(0))), [[0xd800], [0x61, 0xdc00, 0x62], [...'plain'].map((c) => c.charCodeAt(0))]);
  assertEq([o['\ud800'], o['a\udc00b'], o.plain], [1, 2, 3]);
  const arr = [1];
  arr['\udbff'] = 'extra';
  const a = roundTrip(arr);
  assertEq([a.length, a[0], a['\udbff']], [1, 1, 'extra']);
  const e = new RangeError('bad \ud800 input');
  e.stack = 'at \udfff';
  const c = roundTrip(e);
  assert(c instanceof RangeError);
  assertEq([c.message, c.stack], ['bad \ud800 input', 'at \udfff']);
  const named = new Error('m');
  named.name = 'Type\ud800Error';
  assertEq(roundTrip(named).name, 'Error', 'a name outside the list becomes Error');
});

test('an error message is serialised only from an own data property', () => {
  const e = new TypeError();
  let reads = 0;
  Object.defineProperty(e, 'message', { get() { reads++; return 'from a getter'; }, configurable: true });
  const c = roundTrip(e);
  assertEq([reads, c.hasOwnProperty('message'), c.message], [0, false, '']);
  assert(!roundTrip(new Error()).hasOwnProperty('message'), 'no message, none on the clone');
});

test('views that track the length of a resizable ArrayBuffer still track it in the clone', () => {
  const rab = new ArrayBuffer(8, { maxByteLength: 16 });
  new Uint8Array(rab).set([1, 2, 3, 4, 5, 6, 7, 8]);
  const views = { u8: new Uint8Array(rab), u32: new Uint32Array(rab, 4), dv: new DataView(rab, 2), fixed: new Uint8Array(rab, 0, 4) };
  const c = roundTrip(views);
  // The source is left as it was.
  assertEq([rab.byteLength, [...new Uint8Array(rab)]], [8, [1, 2, 3, 4, 5, 6, 7, 8]]);
  assertEq([views.u8.length, views.u32.length, views.dv.byteLength, views.fixed.length], [8, 1, 6, 4]);
  const buffer = c.u8.buffer;
  assert(c.u32.buffer === buffer && c.dv.buffer === buffer && c.fixed.buffer === buffer, 'one buffer shared');
  assertEq([buffer.resizable, buffer.maxByteLength, [...c.u8]], [true, 16, [1, 2, 3, 4, 5, 6, 7, 8]]);
  buffer.resize(16);
  assertEq([c.u8.length, c.u32.length, c.dv.byteLength, c.fixed.length], [16, 3, 14, 4], 'grown');
  buffer.resize(3);
  assertEq([c.u8.length, c.dv.byteLength, c.fixed.length], [3, 1, 0], 'shrunk: the fixed view is out of bounds');
  // A view that is empty now but tracks: it grows with its buffer.
  const empty = new ArrayBuffer(4, { maxByteLength: 8 });
  const tail = roundTrip(new Uint16Array(empty, 4));
  assertEq(tail.length, 0);
  tail.buffer.resize(8);
  assertEq(tail.length, 2, 'an empty tracking view grows');
  // A fixed-length view ending where its buffer ends stays fixed.
  const full = new ArrayBuffer(4, { maxByteLength: 4 });
  const fixedToEnd = roundTrip(new Uint8Array(full, 0, 4));
  fixedToEnd.buffer.resize(2);
  assertEq(fixedToEnd.length, 0, 'a fixed-length view does not track');
  const trackingFull = roundTrip(new Uint8Array(full));
  trackingFull.buffer.resize(2);
  assertEq(trackingFull.length, 2, 'a tracking view at its maximum still tracks');
});
