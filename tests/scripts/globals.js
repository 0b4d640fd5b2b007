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
