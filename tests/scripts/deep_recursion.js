// Deep recursion is a catchable RangeError, whatever it is made of: QuickJS's
// stack check runs under WASI (guest-js/quickjs/wasi_stack_check.h), and
// wasm's native stack outlasts it (host/src/engine.rs, MAX_WASM_STACK). The
// shapes below take the most native stack per JS frame.
const overflow = (fn) => {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return null;
};
const isStackOverflow = (e) => e instanceof RangeError && e.message === 'Maximum call stack size exceeded';

test('a plain function', () => {
  let depth = 0;
  const f = () => { depth++; return f() + 1; };
  assert(isStackOverflow(overflow(f)), 'RangeError');
  // Deeper than wasm's own stack allowed before (about 700 calls).
  assert(depth > 1500, `depth ${depth}`);
  // The engine is usable afterwards, and the same depth is reached again.
  const first = depth;
  depth = 0;
  assert(isStackOverflow(overflow(f)));
  assertEq(depth, first);
});

test('methods, .call, callbacks, getters, toString', () => {
  const o = { f(n) { return this.f.call(this, n + 1) + 1; } };
  assert(isStackOverflow(overflow(() => o.f(0))), 'through .call');
  const viaMap = (n) => [n].map((x) => viaMap(x + 1))[0];
  assert(isStackOverflow(overflow(() => viaMap(0))), 'through Array.prototype.map');
  const g = { get x() { return this.x + 1; } };
  assert(isStackOverflow(overflow(() => g.x)), 'a getter');
  const s = { toString() { return `${s}`; } };
  assert(isStackOverflow(overflow(() => String(s))), 'toString');
  const bound = function f(n) { return f.apply(null, [n + 1]); };
  assert(isStackOverflow(overflow(() => bound(0))), 'apply');
});

test('recursion inside the engine: JSON of a deep value', () => {
  let deep = [];
  for (let i = 0; i < 200000; i++) deep = [deep];
  assert(isStackOverflow(overflow(() => JSON.stringify(deep))), 'JSON.stringify');
  assert(isStackOverflow(overflow(() => JSON.parse('['.repeat(200000) + ']'.repeat(200000)))), 'JSON.parse');
  const cloned = overflow(() => structuredClone(deep));
  assert(cloned !== null && (cloned.name === 'DataCloneError' || isStackOverflow(cloned)), `structuredClone: ${cloned}`);
});

test('async recursion', async () => {
  const f = async (n) => (await f(n + 1)) + 1;
  let error = null;
  try {
    await f(0);
  } catch (e) {
    error = e;
  }
  assert(isStackOverflow(error), String(error));
});
