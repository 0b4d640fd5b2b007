// WebAssembly: modules written in the text format by tests/e2e/webassembly.rs
// (assembled at test time with the `wat` crate) arrive as `WASM.<name>`
// byte arrays prepended to this script.

// The namespace and its classes.
assertEq(typeof WebAssembly, 'object');
assertEq(Object.prototype.toString.call(WebAssembly), '[object WebAssembly]');
assert(!Object.keys(globalThis).includes('WebAssembly'), 'not enumerable');
for (const name of ['Module', 'Instance', 'Memory', 'Table', 'Global', 'CompileError', 'LinkError', 'RuntimeError']) {
  assertEq(typeof WebAssembly[name], 'function', name);
}
assertEq(new WebAssembly.RuntimeError('x').name, 'RuntimeError');
assert(new WebAssembly.LinkError('x') instanceof Error);

// validate, CompileError.
assertEq(WebAssembly.validate(WASM.main), true);
assertEq(WebAssembly.validate(WASM.main.buffer), true, 'an ArrayBuffer');
assertEq(WebAssembly.validate(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 99])), false);
assertEq(WebAssembly.validate(WASM.invalid), false, 'a type error in a body');
assertThrows(() => new WebAssembly.Module(WASM.invalid), 'CompileError');
assertThrows(() => new WebAssembly.Module(new Uint8Array([1, 2, 3])), 'CompileError');
assertThrows(() => WebAssembly.validate('not bytes'), 'TypeError');

// Module reflection.
const mainModule = new WebAssembly.Module(WASM.main);
assertEq(WebAssembly.Module.imports(mainModule), [
  { module: 'env', name: 'add', kind: 'function' },
  { module: 'env', name: 'fail', kind: 'function' },
]);
const exportNames = WebAssembly.Module.exports(mainModule);
assert(exportNames.some((e) => e.name === 'mem' && e.kind === 'memory'));
assert(exportNames.some((e) => e.name === 'counter' && e.kind === 'global'));
assert(exportNames.some((e) => e.name === 'table' && e.kind === 'table'));
assert(exportNames.some((e) => e.name === 'callAdd' && e.kind === 'function'));
const sections = WebAssembly.Module.customSections(mainModule, 'note');
assertEq(sections.length, 1);
assertEq(new TextDecoder().decode(sections[0]), 'hello from a custom section');
assertEq(WebAssembly.Module.customSections(mainModule, 'absent').length, 0);

// LinkError: missing or wrong imports.
assertThrows(() => new WebAssembly.Instance(mainModule, { env: { add: 1, fail() {} } }), 'LinkError');
assertThrows(() => new WebAssembly.Instance(mainModule, {}), 'TypeError', 'a missing namespace');
assertThrows(() => new WebAssembly.Instance(mainModule), 'TypeError', 'no import object');

// Imported JS functions, called from wasm; a JS exception propagates as itself.
const calls = [];
let instance;
const imports = {
  env: {
    add(a, b) { calls.push([a, b]); return a + b; },
    fail() { throw new SyntaxError('thrown by JS'); },
  },
};
instance = new WebAssembly.Instance(mainModule, imports);
const e = instance.exports;
assert(Object.isFrozen(e), 'the exports object is frozen');
assertEq(e.callAdd(2, 3), 5);
assertEq(calls, [[2, 3]]);
assertEq(e.callAdd('7', 1.9), 8, 'ToInt32 on the way in');
assertEq(e.callAdd(0x7fffffff, 1), -2147483648, 'i32 wraps');
const thrown = assertThrows(() => e.callFail(), 'SyntaxError');
assertEq(thrown.message, 'thrown by JS');
assertEq(e.double.length, 1);
assertEq(e.double(21), 42);
assertEq(e.double(), 0, 'a missing argument is undefined, ToInt32 0');
assertEq(e.double, instance.exports.double, 'one JS function per wasm function');

// Re-entrance: an import that calls back into wasm.
const reentrant = new WebAssembly.Instance(mainModule, {
  env: { add: (a, b) => (a > 0 ? reentrantExports.recurse(a - 1) + b : b), fail() {} },
});
const reentrantExports = reentrant.exports;
assertEq(reentrantExports.recurse(10), 11, 'ten nested JS -> wasm -> JS calls');

// Traps are RuntimeErrors; the instance stays usable.
const trap = assertThrows(() => e.trap(), 'RuntimeError');
assert(trap instanceof WebAssembly.RuntimeError && /unreachable/i.test(trap.message), trap.message);
assertThrows(() => e.div(1, 0), 'RuntimeError', 'division by zero');
assertEq(e.div(7, 2), 3);

// i64 is BigInt both ways; f32 rounds; several results are an array.
assertEq(e.add64(1n, 2n), 3n);
assertEq(e.add64(0x7fffffffffffffffn, 1n), -0x8000000000000000n, 'i64 wraps');
assertThrows(() => e.add64(1, 2), 'TypeError', 'a Number is not an i64');
assertEq(e.f32(0.1), Math.fround(0.1));
assertEq(e.swap(5, 2.5), [2.5, 5]);

// Exported memory: typed-array views see wasm's writes and wasm sees theirs.
const memory = e.mem;
assert(memory instanceof WebAssembly.Memory);
assertEq(memory, instance.exports.mem, 'one Memory object');
const buffer = memory.buffer;
assertEq(buffer, memory.buffer, 'the same buffer until it changes');
assertEq(buffer.byteLength, 65536);
const bytes = new Uint8Array(buffer);
bytes[0] = 10; bytes[1] = 20; bytes[2] = 30;
assertEq(e.sum(3), 60, 'wasm reads what JS wrote');
e.fill(7, 4);
assertEq([...bytes.subarray(0, 5)], [7, 7, 7, 7, 0], 'JS sees what wasm wrote');
new DataView(buffer).setUint32(8, 0x01020304, true);
assertEq(e.sum(12), 7 * 4 + 10, 'a DataView too');

// grow from JS detaches the old buffer and its views.
assertEq(memory.grow(1), 1);
assertEq(buffer.byteLength, 0, 'the old buffer is detached');
assertEq(bytes.length, 0, 'its views see nothing');
assertEq(bytes[0], undefined);
const grown = new Uint8Array(memory.buffer);
assertEq(grown.length, 2 * 65536);
assertEq(grown[0], 7, 'the bytes are kept');
// grow from wasm code (memory.grow) detaches too.
assertEq(e.grow(1), 2);
assertEq(grown.length, 0, 'detached after wasm grew the memory');
assertEq(memory.buffer.byteLength, 3 * 65536);
assertEq(e.grow(100), -1, 'past the maximum (4 pages)');
assertThrows(() => memory.grow(10), 'RangeError');
// grow(0) detaches as well (the standard's refresh).
const beforeZero = memory.buffer;
assertEq(memory.grow(0), 3);
assertEq(beforeZero.byteLength, 0);
// A memory's buffer cannot be transferred (it would escape the detaching).
assertThrows(() => memory.buffer.transfer(), 'TypeError');
assertThrows(() => structuredClone(memory.buffer, { transfer: [memory.buffer] }), 'TypeError');
assertEq(new ArrayBuffer(4).transfer().byteLength, 4, 'other buffers still transfer');

// A Memory made in JS, imported by a module.
const jsMemory = new WebAssembly.Memory({ initial: 1, maximum: 2 });
assertEq(jsMemory.buffer.byteLength, 65536);
new Uint32Array(jsMemory.buffer)[1] = 123456;
const constGlobal = new WebAssembly.Global({ value: 'i32' }, 42);
const mutGlobal = new WebAssembly.Global({ value: 'i32', mutable: true }, 1);
const reader = new WebAssembly.Instance(new WebAssembly.Module(WASM.importer), {
  js: { mem: jsMemory, g: constGlobal, mg: mutGlobal, n: 5 },
});
assertEq(reader.exports.read(4), 123456);
assertEq(reader.exports.getG(), 42);
assertEq(reader.exports.getN(), 5, 'a Number imported as an immutable global');
reader.exports.bump();
assertEq(mutGlobal.value, 2, 'wasm wrote the mutable global');
mutGlobal.value = 10;
reader.exports.bump();
assertEq(mutGlobal.value, 11);
assertThrows(() => new WebAssembly.Instance(new WebAssembly.Module(WASM.importer), {
  js: { mem: jsMemory, g: constGlobal, mg: 3, n: 5 },
}), 'LinkError', 'a mutable global needs a Global');
assertThrows(() => new WebAssembly.Memory({ initial: 2, maximum: 1 }), 'RangeError');

// Globals.
assertEq(e.counter.value, 7);
e.incr();
assertEq(e.counter.value, 8);
e.counter.value = 100;
e.incr();
assertEq(e.counter.value, 101);
assertEq(e.big.value, 0n);
e.big.value = 5n;
assertEq(e.big.value, 5n);
assertThrows(() => { constGlobal.value = 1; }, 'TypeError', 'an immutable global');
assertEq(new WebAssembly.Global({ value: 'i64' }).value, 0n, 'the default value');
assertEq(new WebAssembly.Global({ value: 'f32' }, 1.1).value, Math.fround(1.1));
assertEq(constGlobal.valueOf(), 42);

// Tables of funcref.
const table = e.table;
assert(table instanceof WebAssembly.Table);
assertEq(table.length, 2);
assertEq(table.get(0), e.double, 'an element is the export\'s JS function');
assertEq(table.get(1), null);
assertEq(e.callTable(0, 4), 8);
assertThrows(() => e.callTable(1, 4), 'RuntimeError', 'a null element');
table.set(1, e.double);
assertEq(e.callTable(1, 5), 10);
assertThrows(() => table.set(0, () => 1), 'TypeError', 'a plain JS function is not a funcref');
assertEq(table.grow(2), 2);
assertEq(table.length, 4);
assertThrows(() => table.get(10), 'RangeError');
const jsTable = new WebAssembly.Table({ element: 'anyfunc', initial: 1 });
assertEq(jsTable.get(0), null);
jsTable.set(0, e.double);
assertEq(jsTable.get(0)(3), 6);

// A start function may not call JS (DEVIATIONS.md): a RuntimeError, not a trap.
const startJs = assertThrows(() => new WebAssembly.Instance(new WebAssembly.Module(WASM.startJs), { env: { f() {} } }), 'RuntimeError');
assert(/start function/.test(startJs.message), startJs.message);

// The promise forms.
test('compile and both instantiate overloads', async () => {
  const module = await WebAssembly.compile(WASM.main);
  assert(module instanceof WebAssembly.Module);
  const result = await WebAssembly.instantiate(WASM.main, imports);
  assert(result.module instanceof WebAssembly.Module && result.instance instanceof WebAssembly.Instance);
  assertEq(result.instance.exports.callAdd(1, 1), 2);
  const only = await WebAssembly.instantiate(module, imports);
  assert(only instanceof WebAssembly.Instance, 'a Module gives an Instance');
  await assertRejects(WebAssembly.compile(WASM.invalid), 'CompileError');
  await assertRejects(WebAssembly.instantiate(module, { env: {} }), 'LinkError');
});

test('compileStreaming and instantiateStreaming read a Response', async () => {
  const response = () => new Response(WASM.main, { headers: { 'content-type': 'application/wasm' } });
  const module = await WebAssembly.compileStreaming(response());
  assertEq(WebAssembly.Module.exports(module).length, exportNames.length);
  const { instance: streamed } = await WebAssembly.instantiateStreaming(Promise.resolve(response()), imports);
  assertEq(streamed.exports.double(8), 16);
  await assertRejects(WebAssembly.compileStreaming(new Response(WASM.main)), 'TypeError', 'no application/wasm');
  await assertRejects(WebAssembly.compileStreaming('x'), 'TypeError');
});

test('a start function runs at instantiation', async () => {
  const { instance: started } = await WebAssembly.instantiate(WASM.start);
  assertEq(started.exports.value.value, 99);
});
