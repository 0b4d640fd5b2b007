// Headers, per the Fetch Standard (expectations as in WPT fetch/api/headers).
test('case-insensitive names, combined values', () => {
  const h = new Headers({ 'Content-Type': 'text/plain', 'X-A': '1' });
  assertEq(h.get('content-type'), 'text/plain');
  assertEq(h.get('CONTENT-TYPE'), 'text/plain');
  h.append('x-a', '2');
  assertEq(h.get('X-A'), '1, 2');
  assert(h.has('x-A'));
  h.set('x-a', '3');
  assertEq(h.get('x-a'), '3');
  h.delete('X-A');
  assertEq(h.get('x-a'), null);
  assert(!h.has('x-a'));
  h.delete('x-absent');
  h.append('x-b', '');
  assertEq(h.get('x-b'), '', 'one empty value is not null');
  h.append('x-b', 'y');
  h.append('x-b', '');
  assertEq(h.get('x-b'), ', y, ', 'empty values joined too');
  h.set('x-b', 'z');
  h.set('x-c', 'w');
  assertEq([...h], [['content-type', 'text/plain'], ['x-b', 'z'], ['x-c', 'w']]);
});

test('values are normalised, invalid names and values throw', () => {
  const h = new Headers();
  h.append('a', ' \t padded\t ');
  assertEq(h.get('a'), 'padded');
  assertThrows(() => h.append('bad name', 'x'), 'TypeError');
  assertThrows(() => h.append('', 'x'), 'TypeError');
  assertThrows(() => h.append('a', 'line\nbreak'), 'TypeError');
  assertThrows(() => h.append('a', 'nul\0'), 'TypeError');
  assertThrows(() => h.append('a', 'snow☃'), 'TypeError');
  assertThrows(() => h.get('bad name'), 'TypeError');
  assertThrows(() => new Headers([['only-name']]), 'TypeError');
  assertThrows(() => new Headers('string'), 'TypeError');
});

test('names and values checked natively: conversions, wide strings, messages', () => {
  const h = new Headers();
  // Non-strings are converted first; a Symbol cannot be.
  h.append('x-n', 5);
  assertEq(h.get('x-n'), '5');
  h.append({ toString: () => 'X-Obj' }, { toString: () => ' v ' });
  assertEq(h.get('x-obj'), 'v');
  assertThrows(() => h.append(Symbol('s'), 'v'), 'TypeError');
  assertThrows(() => h.append('x', Symbol('s')), 'TypeError');
  // Latin-1 values pass, also in a string QuickJS stores two bytes wide.
  const wide = 'caf\u00e9\u0100'.slice(0, 4);
  h.append('x-wide', ` ${wide} `);
  assertEq(h.get('x-wide'), 'café');
  // Above U+00FF: the ByteString error, with the index of the character.
  let err = assertThrows(() => h.append('na\u0100me', 'v'), 'TypeError');
  assert(err.message.includes('index 2'), err.message);
  err = assertThrows(() => h.append('name', 'va\u0100'), 'TypeError');
  assert(err.message.includes('index 2'), err.message);
  assertThrows(() => h.append('name', 'lone \ud800'), 'TypeError');
  err = assertThrows(() => h.append('a:b', 'v'), 'TypeError');
  assert(err.message.includes('invalid header name "a:b"'), err.message);
  // Whitespace is trimmed before CR/LF/NUL are looked for.
  h.set('x-trim', '\r\n\tvalue\r\n ');
  assertEq(h.get('x-trim'), 'value');
  err = assertThrows(() => h.set('x-trim', ' in\rside '), 'TypeError');
  assert(err.message.includes('"in\\rside"'), err.message);
  h.set('x-empty', ' \t ');
  assertEq(h.get('x-empty'), '');
  // Response status text: empty is fine, a control character is not.
  assertEq(new Response(null, { statusText: '' }).statusText, '');
  assertThrows(() => new Response(null, { statusText: 'a\nb' }), 'TypeError');
});

test('iteration is sorted and combined, set-cookie stays apart', () => {
  const h = new Headers([['b', '2'], ['a', '1'], ['Set-Cookie', 'x=1'], ['set-cookie', 'y=2'], ['B', '3']]);
  assertEq([...h], [['a', '1'], ['b', '2, 3'], ['set-cookie', 'x=1'], ['set-cookie', 'y=2']]);
  assertEq([...h.keys()], ['a', 'b', 'set-cookie', 'set-cookie']);
  assertEq([...h.values()], ['1', '2, 3', 'x=1', 'y=2']);
  assertEq(h.getSetCookie(), ['x=1', 'y=2']);
  assertEq(h.get('set-cookie'), 'x=1, y=2');
  assertEq(new Headers().getSetCookie(), []);
  const seen = [];
  h.forEach((value, name, target) => { seen.push(name); assert(target === h); });
  assertEq(seen, ['a', 'b', 'set-cookie', 'set-cookie']);
  assertEq(Object.prototype.toString.call(h.entries()), '[object Headers Iterator]');
});

test('iteration sees headers added during iteration', () => {
  const h = new Headers({ a: '1', c: '3' });
  const names = [];
  for (const [name] of h) {
    names.push(name);
    if (name === 'a') h.append('b', '2');
  }
  assertEq(names, ['a', 'b', 'c']);
});

test('constructor forms', () => {
  const source = new Headers({ x: '1' });
  assertEq(new Headers(source).get('x'), '1');
  assertEq(new Headers([['x', '1'], ['x', '2']]).get('x'), '1, 2');
  const record = Object.defineProperty({ y: '2' }, 'hidden', { value: 'x', enumerable: false });
  const fromRecord = new Headers(record);
  assertEq(fromRecord.get('y'), '2');
  assert(!fromRecord.has('hidden'), 'non-enumerable keys are skipped');
  assertThrows(() => new Headers({ [Symbol('s')]: 'x' }), 'TypeError');
  const copy = new Headers(source);
  copy.set('x', 'changed');
  assertEq(source.get('x'), '1', 'copies are independent');
  assertEq(Object.prototype.toString.call(source), '[object Headers]');
});

test('incoming-style immutable headers reject mutation', () => {
  const r = Response.redirect('https://example.com/', 301);
  assertThrows(() => r.headers.set('location', 'x'), 'TypeError');
  assertEq(r.headers.get('location'), 'https://example.com/');
});

// WebIDL's record conversion, step by step, as a Proxy sees it.
function recordTrace(record) {
  const log = [];
  const handler = {};
  for (const name of Object.getOwnPropertyNames(Reflect)) {
    handler[name] = (...args) => { log.push(`${name}:${typeof args[1] === 'symbol' ? 'symbol' : String(args[1] ?? '')}`); return Reflect[name](...args); };
  }
  let error = null;
  try { new Headers(new Proxy(record, handler)); } catch (e) { error = e.name; }
  return [log, error];
}

test('a record is converted in the WebIDL order, each trap once', () => {
  assertEq(recordTrace({ a: 'b', c: 'd' }), [['get:symbol', 'ownKeys:', 'getOwnPropertyDescriptor:a', 'get:a',
    'getOwnPropertyDescriptor:c', 'get:c'], null]);
  assertEq(recordTrace({ a: 'b', '\uffff': 'd' }), [['get:symbol', 'ownKeys:', 'getOwnPropertyDescriptor:a', 'get:a',
    'getOwnPropertyDescriptor:\uffff'], 'TypeError'], 'an invalid name throws before its [[Get]]');
  assertEq(recordTrace({ a: '\uffff', c: 'd' }), [['get:symbol', 'ownKeys:', 'getOwnPropertyDescriptor:a', 'get:a'], 'TypeError'],
    'an invalid value throws at once');
  assertEq(recordTrace({ a: 'b', [Symbol.toStringTag]: 'x', c: 'd' })[0].slice(-1), ['getOwnPropertyDescriptor:symbol'],
    'an enumerable Symbol key throws before its [[Get]]');
  const hidden = Object.defineProperty({ c: 'd' }, 'a', { value: 'b', enumerable: false });
  assertEq(recordTrace(hidden), [['get:symbol', 'ownKeys:', 'getOwnPropertyDescriptor:c', 'get:c', 'getOwnPropertyDescriptor:a'], null]);
  const proto = Object.create({ inherited: 'x' }, { a: { value: 'b', enumerable: true } });
  assert(!new Headers(proto).has('inherited'), 'inherited keys are not read');
});

// Plain records of valid strings are appended natively (headerRecord);
// anything else takes WebIDL's steps in JS. Either way, the same result.
test('records: plain, with getters, numbers, odd keys and bad members', () => {
  const h = new Headers({ 'Content-Type': ' text/plain\t', X: 'a', 2: 'two', 1: 'one', empty: '' });
  assertEq([...h], [['1', 'one'], ['2', 'two'], ['content-type', 'text/plain'], ['empty', ''], ['x', 'a']]);
  const reads = [];
  const withGetter = { a: 'x', get b() { reads.push('b'); return 'y'; }, c: 'z' };
  assertEq([...new Headers(withGetter)], [['a', 'x'], ['b', 'y'], ['c', 'z']]);
  assertEq(reads, ['b'], 'a getter is read once');
  assertEq(new Headers({ n: 42, t: true }).get('n'), '42', 'a number is converted');
  const bare = Object.create(null);
  bare.k = 'v';
  assertEq(new Headers(bare).get('k'), 'v', 'a record without a prototype');
  assertEq(new Headers(new (class { a = 'b'; })()).get('a'), 'b', 'a class instance');
  assertEq(new Headers({ a: '\u00ff' }).get('a'), '\u00ff', 'a Latin-1 value');
  assertThrows(() => new Headers({ ok: 'x', 'bad name': 'x' }), 'TypeError', 'a name that is no token');
  assertThrows(() => new Headers({ a: 'x\r\ny' }), 'TypeError', 'a value with CR LF');
  assertThrows(() => new Headers({ a: '\u0100' }), 'TypeError', 'a value that is no ByteString');
  assertThrows(() => new Headers({ '\u00e9': 'x' }), 'TypeError', 'a Latin-1 name is no token');
  const r = new Response('x', { headers: { 'X-A': 'b' } });
  assertEq([...r.headers], [['content-type', 'text/plain;charset=UTF-8'], ['x-a', 'b']]);
});

test('a sequence is read through the @@iterator it has, Headers objects too', () => {
  const h = new Headers({ a: '1' });
  h[Symbol.iterator] = function* () { yield ['test', 'test']; };
  const fromHeaders = new Headers(h);
  assertEq([fromHeaders.get('test'), fromHeaders.get('a')], ['test', null]);
  const pairs = [['a', 'b']];
  pairs[Symbol.iterator] = function* () { yield ['x', 'y']; };
  const fromArray = new Headers(pairs);
  assertEq([fromArray.get('x'), fromArray.get('a')], ['y', null]);
  const iterable = { *[Symbol.iterator]() { yield new Set(['k', 'v']); } };
  assertEq(new Headers(iterable).get('k'), 'v', 'any iterable pair');
  assertThrows(() => new Headers({ [Symbol.iterator]: 1 }), 'TypeError', 'a non-callable @@iterator');
  assertThrows(() => new Headers([['a', 'b', 'c']]), 'TypeError', 'a pair of three');
  assertThrows(() => new Headers(['ab']), 'TypeError', 'a string is not a pair');
});

test('sort and combine: short lists (sorted in place) and long ones agree with the standard', () => {
  // The standard's steps, written plainly: names sorted, a name's values in
  // list order joined with ", ", each set-cookie value an entry of its own.
  const reference = (list) => {
    const names = [...new Set(list.map(([n]) => n))].sort();
    return names.flatMap((name) => {
      const values = list.filter(([n]) => n === name).map(([, v]) => v);
      return name === 'set-cookie' ? values.map((v) => [name, v]) : [[name, values.join(', ')]];
    });
  };
  // A fixed xorshift, so a failure repeats.
  let seed = 0x2545f491;
  const next = (n) => {
    seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5;
    return (seed >>> 0) % n;
  };
  const names = ['a', 'b', 'x-a', 'x-b', 'set-cookie', 'content-type', 'z', 'vary'];
  for (const length of [0, 1, 2, 3, 5, 8, 31, 32, 33, 40]) {
    for (let round = 0; round < 20; round++) {
      const list = Array.from({ length }, (_, i) => [names[next(names.length)], `v${i}`]);
      const h = new Headers();
      for (const [n, v] of list) h.append(n.toUpperCase(), v);
      assertEq([...h], reference(list), `${length} headers: ${JSON.stringify(list)}`);
      const seen = [];
      h.forEach((v, n) => seen.push([n, v]));
      assertEq(seen, reference(list));
    }
  }
});
