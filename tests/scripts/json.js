// JSON.stringify as ECMA-262 (SerializeJSONProperty, SerializeJSONObject,
// QuoteJSONString) has it: the expected strings are what V8 and
// SpiderMonkey print (this file also runs unchanged under Node, with
// harness.js before it). nano's engine walks plain objects from their
// shape and writes strings and numbers straight into the output
// (patches/README.md, json-stringify); these cases pin every place where
// that could differ from the general walk.

// Primitives and their wrappers.
assertEq(JSON.stringify(1), '1');
assertEq(JSON.stringify(-0), '0');
assertEq(JSON.stringify([0.1 + 0.2, 1e21, 1.5e-7, -2147483648, 2147483648, 5e-324]),
  '[0.30000000000000004,1e+21,1.5e-7,-2147483648,2147483648,5e-324]');
assertEq(JSON.stringify([NaN, Infinity, -Infinity]), '[null,null,null]');
assertEq(JSON.stringify([3 * 1.5 * 2, -0.0 * 5, 2 ** 31 - 1 + 0.5 - 0.5, 2 ** 31 + 0.5 - 0.5, -(2 ** 31) * 1.0, -(2 ** 31) - 1.5 + 0.5, 1e21 - 1e21 + 4.0, 0.5 + 0.5]),
  '[9,0,2147483647,2147483648,-2147483648,-2147483649,4,1]', 'integral doubles');
assertEq(JSON.stringify([true, false, null]), '[true,false,null]');
// Number::toString, radix 10 (String, templates and JSON.stringify share
// it; patches/README.md, number-to-string): the shortest digits that
// round-trip, exponent form from 1e21 and below 1e-6.
assertEq([1e20, 1e21, 123456789012345680000, 1e-6, 1e-7, 1.5e-7, 0.000001234, 5e-324, -2.2250738585072014e-308, Number.MAX_VALUE,
  Number.MIN_VALUE, Number.EPSILON, 2 ** 53 + 2, 0.1, 1 / 3, -1.5, 4.35, 100].map(String).join(),
  '100000000000000000000,1e+21,123456789012345680000,0.000001,1e-7,1.5e-7,0.000001234,5e-324,-2.2250738585072014e-308,1.7976931348623157e+308,' +
  '5e-324,2.220446049250313e-16,9007199254740994,0.1,0.3333333333333333,-1.5,4.35,100');
assertEq(`${-0} ${0.5} ${NaN} ${-Infinity}`, '0 0.5 NaN -Infinity');
assertEq((25.5).toString(10) + (255).toString(16) + (0.5).toString(2), '25.5ff0.1');
{
  // 176,000 doubles: random bit patterns (every exponent), short decimals,
  // integers and halves near 2^53, and m × 10^e parsed from text. The
  // hash and length are what Node.js prints for the same loop.
  let seed = 0x9e3779b9;
  const next = () => { seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5; return seed >>> 0; };
  const view = new DataView(new ArrayBuffer(8));
  let h = 0, total = 0;
  const add = (x) => {
    const s = String(x);
    total += s.length;
    for (let j = 0; j < s.length; j++) h = (h * 31 + s.charCodeAt(j)) | 0;
  };
  for (let i = 0; i < 100000; i++) { view.setUint32(0, next()); view.setUint32(4, next()); add(view.getFloat64(0)); }
  for (let i = 0; i < 50000; i++) add((next() % 1000000) / 10 ** (next() % 12));
  for (let i = 0; i < 20000; i++) add(2 ** 53 - 10000 + i + (i % 7) / 8);
  for (let e = -330; e <= 310; e++) for (const m of [1, 1.5, 9.999999999999999, 4.35, 0.1]) { add(Number(`${m}e${e}`)); add(-Number(`${m}e${e}`)); }
  assertEq(`${h} ${total}`, '1447631341 3052578', 'String of 176,000 doubles as Node.js');
}
assertEq(JSON.stringify([undefined, () => 1, Symbol('s')]), '[null,null,null]');
assertEq(JSON.stringify({ u: undefined, f() {}, s: Symbol('s'), n: null }), '{"n":null}');
assertEq(JSON.stringify(undefined), undefined);
assertEq(JSON.stringify([new String('s'), new Number(3), new Boolean(false), Object(1n) instanceof BigInt]),
  '["s",3,false,true]');
assertThrows(() => JSON.stringify({ big: 1n }), 'TypeError', 'BigInt');
BigInt.prototype.toJSON = function (key) { return `${this}n@${key}`; };
assertEq(JSON.stringify({ big: 1n, list: [2n] }), '{"big":"1n@big","list":["2n@0"]}');
delete BigInt.prototype.toJSON;

// Strings: the escapes, lone surrogates, Latin-1 and wide text, long runs.
assertEq(JSON.stringify('"\\\b\f\n\r\t/'), '"\\"\\\\\\b\\f\\n\\r\\t/"');
assertEq(JSON.stringify('\u0000\u0001\u001f\u007f\u0080'), '"\\u0000\\u0001\\u001f\u007f\u0080"');
assertEq(JSON.stringify('é ü ÿ'), '"é ü ÿ"');
assertEq(JSON.stringify('€ \ud83d\ude00 \ud800 a\udc00b \udbff'), '"€ \ud83d\ude00 \\ud800 a\\udc00b \\udbff"');
assertEq(JSON.stringify(['€', 'é"\n']), '["€","é\\"\\n"]', 'Latin-1 after wide text');
const long = `${'a'.repeat(300)}"${'b'.repeat(300)}\n`;
assertEq(JSON.stringify(long), `"${'a'.repeat(300)}\\"${'b'.repeat(300)}\\n"`);
assertEq(JSON.parse(JSON.stringify(long)), long);
assertEq(JSON.stringify({ 'a"b': 1, 'ü': 2, '\n': 3, '€': 4, '': 5 }), '{"a\\"b":1,"ü":2,"\\n":3,"€":4,"":5}');

// Key order: array indices ascending first, then strings in creation order.
assertEq(JSON.stringify({ b: 1, 2: 2, a: 3, 1: 4, '01': 5, 4294967295: 6, 4294967294: 7, '-1': 8 }),
  '{"1":4,"2":2,"4294967294":7,"b":1,"a":3,"01":5,"4294967295":6,"-1":8}');
const reordered = { a: 1, b: 2, c: 3 };
delete reordered.a;
reordered.a = 4;
assertEq(JSON.stringify(reordered), '{"b":2,"c":3,"a":4}', 'a deleted and added again goes last');

// Only enumerable own string keys.
const hidden = Object.defineProperty({ shown: 1 }, 'hidden', { value: 2, enumerable: false });
hidden[Symbol('s')] = 3;
assertEq(JSON.stringify(hidden), '{"shown":1}');
assertEq(JSON.stringify(Object.create({ inherited: 1 }, { own: { value: 2, enumerable: true } })), '{"own":2}');
class Point {
  #secret = 1;
  constructor() { this.x = 1; this.y = 2; }
  get sum() { return this.x + this.y; }
}
assertEq(JSON.stringify(new Point()), '{"x":1,"y":2}', 'private fields and prototype getters');
assertEq(JSON.stringify(Object.assign(Object.create(null), { a: 1 })), '{"a":1}');
assertEq(JSON.stringify(Math), '{}');
assertEq(JSON.stringify(Object.assign(new Error('m'), { code: 7 })), '{"code":7}');
const many = {};
for (let i = 0; i < 40; i++) many[`k${i}`] = i;
assertEq(JSON.stringify(many), `{${Array.from({ length: 40 }, (_, i) => `"k${i}":${i}`).join(',')}}`);

// Values are read when their turn comes, from the keys taken before.
const order = [];
const live = {
  get a() { order.push('a'); delete this.b; this.added = 1; Object.defineProperty(this, 'c', { value: 'c2', enumerable: false }); return 'a'; },
  b: 'b',
  c: 'c',
  get d() { order.push('d'); return undefined; },
  e: 'e',
};
assertEq(JSON.stringify(live), '{"a":"a","c":"c2","e":"e"}', 'a deleted key is skipped, a hidden one still read, an added one not');
assertEq(order.join(), 'a,d');
const shadowed = Object.create({ b: 'from the prototype' });
Object.defineProperty(shadowed, 'a', { enumerable: true, get() { delete this.b; return 1; } });
shadowed.b = 'own';
assertEq(JSON.stringify(shadowed), '{"a":1,"b":"from the prototype"}', 'Get after a delete finds the prototype');
// An earlier value's toJSON changing a later data property: the walk
// reads values from the object's slots while its layout is the one the
// keys came from, and with Get once it is not (json-stringify).
for (const dictionary of [false, true]) {
  const make = (b) => {
    const o = Object.create({ b: 'from the prototype' });
    if (dictionary) {
      for (let i = 0; i < 40; i++) o[`x${i}`] = i;
      for (let i = 0; i < 40; i++) delete o[`x${i}`];
    }
    o.a = null;
    o.b = b;
    o.c = 'c';
    return o;
  };
  const cases = [
    [(o) => { o.b = 'changed'; }, '{"a":1,"b":"changed","c":"c"}'],
    [(o) => { Object.defineProperty(o, 'b', { get: () => 'getter', enumerable: true }); }, '{"a":1,"b":"getter","c":"c"}'],
    [(o) => { delete o.b; }, '{"a":1,"b":"from the prototype","c":"c"}'],
    [(o) => { delete o.b; o.b = 're-added'; }, '{"a":1,"b":"re-added","c":"c"}'],
    [(o) => { Object.defineProperty(o, 'c', { enumerable: false }); o.d = 'd'; }, '{"a":1,"b":"b","c":"c"}'],
    [(o) => { Object.freeze(o); }, '{"a":1,"b":"b","c":"c"}'],
  ];
  for (const [change, expected] of cases) {
    const o = make('b');
    o.a = { toJSON() { change(o); return 1; } };
    assertEq(JSON.stringify(o), expected, `${dictionary ? 'dictionary' : 'plain'} object: ${change}`);
  }
}
// Records of one layout share the keys read from it, until one changes.
const rows = [{ a: 1, b: 2 }, { a: 3, b: 4 }, { a: 5, b: 6 }, { a: 7, b: 8 }];
rows[0].a = { toJSON() { delete rows[1].a; rows[2].c = 'added'; Object.defineProperty(rows[3], 'b', { enumerable: false }); return 'x'; } };
assertEq(JSON.stringify(rows), '[{"a":"x","b":2},{"b":4},{"a":5,"b":6,"c":"added"},{"a":7}]', 'records changed by an earlier toJSON');
assertEq(JSON.stringify([{ a: 1 }, Object.assign(Object.create(null), { a: 2 }), Object.assign(new Error('e'), { a: 3 }), { a: 4 }]),
  '[{"a":1},{"a":2},{"a":3},{"a":4}]');
const shrinking = [{ toJSON() { shrinking.length = 1; return 'first'; } }, 'second', 'third'];
assertEq(JSON.stringify(shrinking), '["first",null,null]');
const holes = [1, , 3];
holes.extra = 'ignored';
assertEq(JSON.stringify(holes), '[1,null,3]');
assertEq(JSON.stringify({ length: 1, 0: 'x' }), '{"0":"x","length":1}');

// toJSON: its key is always a string, its this the value.
const keys = [];
const spy = { toJSON(key) { keys.push(typeof key, key); return this === spy ? 'spy' : 'wrong this'; } };
assertEq(JSON.stringify({ one: spy, list: [spy, spy] }), '{"one":"spy","list":["spy","spy"]}');
assertEq(keys.join(), 'string,one,string,0,string,1');
assertEq(JSON.stringify(spy), '"spy"');
assertEq(keys.slice(-2).join(), 'string,');
assertEq(JSON.stringify({ when: new Date(0) }), '{"when":"1970-01-01T00:00:00.000Z"}');
Object.prototype.toJSON = function () { return 'everywhere'; };
try {
  assertEq(JSON.stringify({ a: { b: 1 } }), '"everywhere"', 'toJSON on Object.prototype');
  assertEq(JSON.stringify(Object.assign(Object.create(null), { x: { b: 1 } })), '{"x":"everywhere"}');
} finally {
  delete Object.prototype.toJSON;
}
class WithToJSON { constructor() { this.v = 1; } toJSON() { return { v: this.v + 1 }; } }
assertEq(JSON.stringify([new WithToJSON()]), '[{"v":2}]');

// The replacer: a function (its key a string, its this the holder) or a list.
const seen = [];
const replaced = JSON.stringify({ a: [10, { b: 20 }], c: 'x' }, function (key, value) {
  seen.push(`${typeof key}:${key}:${Array.isArray(this) ? 'array' : typeof this}`);
  return typeof value === 'number' ? value * 2 : value;
});
assertEq(replaced, '{"a":[20,{"b":40}],"c":"x"}');
assertEq(seen.join(' '), 'string::object string:a:object string:0:array string:1:array string:b:object string:c:object');
assertEq(JSON.stringify({ b: 1, a: 2, 1: 3, c: { a: 4, z: 5 } }, ['a', 1, 'c', 'a', new String('b')]),
  '{"a":2,"1":3,"c":{"a":4},"b":1}');
assertEq(JSON.stringify({ a: 1, b: 2 }, (k, v) => (k === 'a' ? undefined : v)), '{"b":2}');

// Indentation.
assertEq(JSON.stringify({ a: [1, { b: 2 }], e: {}, f: [] }, null, 2),
  '{\n  "a": [\n    1,\n    {\n      "b": 2\n    }\n  ],\n  "e": {},\n  "f": []\n}');
assertEq(JSON.stringify([1], null, '\t'), '[\n\t1\n]');
assertEq(JSON.stringify({ a: 1 }, null, 'abcdefghijklm'), '{\nabcdefghij"a": 1\n}');
assertEq(JSON.stringify({ a: 1 }, null, new Number(20)), '{\n          "a": 1\n}');

// Cycles, proxies, deep nesting.
const cycle = { name: 'c' };
cycle.self = { back: cycle };
assertThrows(() => JSON.stringify(cycle), 'TypeError', 'a cycle');
const loop = [1];
loop.push({ inner: [loop] });
assertThrows(() => JSON.stringify(loop), 'TypeError', 'a cycle through arrays');
const thrower = { a: { get b() { throw new RangeError('from a getter'); } } };
assertThrows(() => JSON.stringify(thrower), 'RangeError', 'an exception inside');
assertEq(JSON.stringify([thrower.a === thrower.a, { after: 1 }]), '[true,{"after":1}]', 'works after an exception');
const shared = { s: 1 };
assertEq(JSON.stringify([shared, shared]), '[{"s":1},{"s":1}]', 'shared is not a cycle');
const proxied = new Proxy({ a: 1, b: 2 }, {
  ownKeys: () => ['b', 'a', 'missing'],
  get: (target, key) => (key === 'toJSON' ? undefined : `${String(key)}!`),
});
assertEq(JSON.stringify(proxied), '{"b":"b!","a":"a!"}');
let deep = 'end';
for (let i = 0; i < 1000; i++) deep = { d: deep };
assertEq(JSON.stringify(deep).length, 'end'.length + 2 + 1000 * '{"d":}'.length);

// The bench's shape: many objects of one shape, and it round-trips.
const entries = [];
for (let i = 0; i < 100; i++) entries.push({ id: i, name: `entry ${i}`, active: i % 3 === 0, score: i * 1.5, tags: ['a', 'b'] });
const text = JSON.stringify({ count: entries.length, entries });
assertEq(text.slice(0, 96), '{"count":100,"entries":[{"id":0,"name":"entry 0","active":true,"score":0,"tags":["a","b"]},{"id"');
assertEq(JSON.stringify(JSON.parse(text)), text);
