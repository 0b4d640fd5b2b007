// Timers and microtasks: ordering as the HTML event loop defines it.
test('microtasks run before timers, timers in deadline order', async () => {
  const order = [];
  setTimeout(() => order.push('timeout 20'), 20);
  setTimeout(() => order.push('timeout 0 a'), 0);
  setTimeout(() => order.push('timeout 0 b'));
  queueMicrotask(() => order.push('microtask'));
  Promise.resolve().then(() => order.push('promise'));
  order.push('sync');
  await new Promise((resolve) => setTimeout(resolve, 40));
  assertEq(order, ['sync', 'microtask', 'promise', 'timeout 0 a', 'timeout 0 b', 'timeout 20']);
});

// The order Node.js (V8) gives for the same script: an async function's
// promise settles as its resolving functions would settle it.
test("an async function's promise settles in the standard's order", async () => {
  const log = [];
  async function plain() { return 1; }
  async function thrower() { throw new Error('x'); }
  async function thenable() { return { then(resolve) { log.push('then called'); resolve('T'); } }; }
  async function promise() { return Promise.resolve('P'); }
  async function awaited() { await null; return 'A'; }
  let selfPromise;
  async function self() { await null; return selfPromise; }
  async function thenGetter() { return { get then() { throw new Error('getter'); } }; }
  plain().then((v) => log.push(`plain ${v}`));
  thrower().catch((e) => log.push(`thrower ${e.message}`));
  thenable().then((v) => log.push(`thenable ${v}`));
  promise().then((v) => log.push(`promise ${v}`));
  awaited().then((v) => log.push(`awaited ${v}`));
  selfPromise = self();
  selfPromise.catch((e) => log.push(`self ${e.constructor.name}`));
  thenGetter().catch((e) => log.push(`thenGetter ${e.message}`));
  Promise.resolve().then(() => log.push('tick1')).then(() => log.push('tick2')).then(() => log.push('tick3'))
    .then(() => log.push('tick4'));
  const p = plain();
  log.push(`${p instanceof Promise} ${Object.getPrototypeOf(p) === Promise.prototype}`);
  await new Promise((resolve) => setTimeout(resolve, 5));
  assertEq(log, [
    'true true', 'plain 1', 'thrower x', 'then called', 'thenGetter getter', 'tick1', 'thenable T', 'awaited A',
    'self TypeError', 'tick2', 'promise P', 'tick3', 'tick4',
  ]);
});

test('microtasks drain between timer callbacks', async () => {
  const order = [];
  setTimeout(() => { order.push('t1'); Promise.resolve().then(() => order.push('t1 micro')); }, 0);
  setTimeout(() => order.push('t2'), 0);
  await new Promise((resolve) => setTimeout(resolve, 5));
  assertEq(order, ['t1', 't1 micro', 't2']);
});

test('clearTimeout, arguments, ids, intervals', async () => {
  let ran = false;
  const id = setTimeout(() => { ran = true; }, 1);
  assert(typeof id === 'number' && id > 0);
  clearTimeout(id);
  clearTimeout(123456); // unknown ids are ignored
  const args = await new Promise((resolve) => setTimeout((a, b) => resolve([a, b]), 1, 'x', 2));
  assertEq(args, ['x', 2]);
  let ticks = 0;
  await new Promise((resolve) => {
    const iv = setInterval(() => { if (++ticks === 3) { clearInterval(iv); resolve(); } }, 5);
  });
  assertEq(ticks, 3);
  assert(!ran);
  assertThrows(() => queueMicrotask('not a function'), 'TypeError');
});

test('a timer waits on the host clock', async () => {
  const start = performance.now();
  await new Promise((resolve) => setTimeout(resolve, 50));
  const waited = performance.now() - start;
  assert(waited >= 49, `waited only ${waited} ms`);
});

// HTML declares the timeout (and clearTimeout's id) as WebIDL `long`: the
// number wraps modulo 2^32 into the signed range and a negative timeout is 0.
test('timeouts are WebIDL longs: they wrap modulo 2^32', async () => {
  const order = [];
  setTimeout(() => order.push('20 ms'), 20);
  setTimeout(() => order.push('2^32 + 5 is 5 ms'), 2 ** 32 + 5);
  setTimeout(() => order.push('2^32 is 0'), 2 ** 32);
  setTimeout(() => order.push('2^31 is negative, so 0'), 2 ** 31);
  setTimeout(() => order.push('-1 is 0'), -1);
  setTimeout(() => order.push('9.9 is 9 ms'), 9.9);
  await new Promise((resolve) => setTimeout(resolve, 40));
  assertEq(order, ['2^32 is 0', '2^31 is negative, so 0', '-1 is 0', '2^32 + 5 is 5 ms', '9.9 is 9 ms', '20 ms']);
  let threw = null;
  try { setTimeout(() => {}, 1n); } catch (e) { threw = e; }
  assert(threw instanceof TypeError, 'a BigInt timeout is a TypeError');
  let ran = false;
  const id = setTimeout(() => { ran = true; }, 1);
  clearTimeout(id + 2 ** 32);
  await new Promise((resolve) => setTimeout(resolve, 10));
  assert(!ran, 'clearTimeout converts its id the same way');
});
