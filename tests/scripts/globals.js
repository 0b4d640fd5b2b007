// atob/btoa, DOMException, and the global scope.
test('btoa / atob', () => {
  assertEq(btoa(''), '');
  assertEq(btoa('f'), 'Zg==');
  assertEq(btoa('fo'), 'Zm8=');
  assertEq(btoa('foobar'), 'Zm9vYmFy');
  assertEq(btoa('\xff\xfe'), '//4=');
  assertThrows(() => btoa('☃'), 'InvalidCharacterError');
  assertEq(atob('Zm9vYmFy'), 'foobar');
  assertEq(atob(' Zm 9v\nYg== '), 'foob');
  assertEq(atob('Zg'), 'f', 'padding is optional');
  assertEq(atob('//4='), '\xff\xfe');
  assertThrows(() => atob('Zg='), 'InvalidCharacterError');
  assertThrows(() => atob('a'), 'InvalidCharacterError');
  assertThrows(() => atob('Zm9v!'), 'InvalidCharacterError');
  assertThrows(() => atob(), 'TypeError');
});

test('DOMException', () => {
  const e = new DOMException('msg', 'NotFoundError');
  assertEq(e.name, 'NotFoundError');
  assertEq(e.message, 'msg');
  assertEq(e.code, 8);
  assert(e instanceof Error);
  assertEq(Object.prototype.toString.call(e), '[object DOMException]');
  assertEq(new DOMException().name, 'Error');
  assertEq(new DOMException('x', 'Custom').code, 0);
  assertEq(DOMException.ABORT_ERR, 20);
  assertEq(DOMException.DATA_CLONE_ERR, 25);
  assertEq(new DOMException('m', { name: 'AbortError', cause: 1 }).cause, 1);
});

test('global scope', () => {
  assert(self === globalThis);
  assertEq(typeof navigator.userAgent, 'string');
  assert(navigator.userAgent.startsWith('nano/'));
  const t = performance.now();
  assert(t >= 0 && t < 60000);
  assert(Math.abs(performance.timeOrigin - Date.now()) < 60000);
  for (const name of ['fetch' in globalThis ? 'fetch' : 'Headers', 'Request', 'Response', 'Headers', 'TextEncoder',
    'TextDecoder', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'queueMicrotask', 'atob', 'btoa',
    'console', 'DOMException', 'Event', 'EventTarget', 'AbortController', 'AbortSignal', 'reportError']) {
    assert(name in globalThis, `${name} is missing`);
    const desc = Object.getOwnPropertyDescriptor(globalThis, name);
    assert(desc && !desc.enumerable && desc.writable, `${name} is not installed as WebIDL does`);
  }
  const r = Math.random();
  assert(r >= 0 && r < 1 && r !== Math.random());
  assertEq(typeof addEventListener, 'function');
});

test("functions' own length and name", () => {
  const own = (f) => Object.getOwnPropertyNames(f).join();
  const described = (f, key) => {
    const d = Object.getOwnPropertyDescriptor(f, key);
    return `${JSON.stringify(d.value)} ${d.writable} ${d.enumerable} ${d.configurable}`;
  };
  function named(a, b, c = 1, ...rest) {}
  const arrow = (x) => x;
  async function asyncNamed(a) {}
  function* gen(a, b) {}
  class C { constructor(a) {} method(x, y) {} }
  assertEq(own(named), 'length,name,prototype');
  assertEq(described(named, 'length'), '2 false false true');
  assertEq(described(named, 'name'), '"named" false false true');
  assertEq(own(arrow), 'length,name');
  assertEq(described(arrow, 'name'), '"arrow" false false true');
  assertEq(own(() => 1), 'length,name');
  assertEq(described(() => 1, 'name'), '"" false false true');
  assertEq(own(asyncNamed), 'length,name');
  assertEq(described(asyncNamed, 'length'), '1 false false true');
  assertEq(own(gen), 'length,name,prototype');
  assertEq(described(C.prototype.method, 'length'), '2 false false true');
  assertEq(described(Math.max, 'length'), '2 false false true');
  assertEq(described(Math.max, 'name'), '"max" false false true');
  assert(own(Map).startsWith('length,name,'), own(Map)); // then prototype and groupBy, in no set order
  assertEq(described(Map, 'length'), '0 false false true');
  let resolve, reject;
  new Promise((res, rej) => { resolve = res; reject = rej; });
  assertEq(own(resolve), 'length,name');
  assertEq(described(resolve, 'length'), '1 false false true');
  assertEq(described(reject, 'name'), '"" false false true');
  assertEq(described(arrow.bind(null), 'name'), '"bound arrow" false false true');
  // Still ordinary properties: redefined, deleted, added after.
  const f = () => {};
  Object.defineProperty(f, 'name', { value: 'renamed' });
  assertEq(f.name, 'renamed');
  assert(delete f.length);
  assertEq(own(f), 'name');
  f.extra = 1;
  assertEq(own(f), 'name,extra');
  // A closure made in a loop is a new function each time, with its own properties.
  const made = [];
  for (let i = 0; i < 3; i++) made.push(() => i);
  made[0].tag = 'first';
  assertEq(made.map((g) => `${g()}:${g.tag}:${own(g)}`).join(' '), '0:first:length,name,tag 1:undefined:length,name 2:undefined:length,name');
});

test("interfaces' constructors have WebIDL's length", () => {
  // The number of required arguments. Some constructors on every request's
  // path take no default parameters (QuickJS runs each as code) and set
  // `length` instead: it must read as a default would have made it.
  const expected = {
    Headers: 0, Request: 1, Response: 0, ReadableStream: 0, WritableStream: 0, TransformStream: 0, Event: 1,
    CustomEvent: 1, URL: 1, Blob: 0, TextDecoder: 0, AbortController: 0,
  };
  for (const [name, length] of Object.entries(expected)) {
    const ctor = globalThis[name];
    const d = Object.getOwnPropertyDescriptor(ctor, 'length');
    assertEq(`${name} ${d.value} ${d.writable} ${d.enumerable} ${d.configurable}`, `${name} ${length} false false true`);
    assertEq(Object.getOwnPropertyNames(ctor)[0], 'length', name);
  }
});
