// WebAssembly: the JS API (https://webassembly.github.io/spec/js-api/) over
// the wasmi interpreter running inside the guest (mod.rs). Objects are ids
// into the native side; one wasm memory, table or global is one JS object
// (kept by id here), one wasm function one JS function (kept natively).
import * as native from 'nano:native';
import { bufferSourceBytes, isBufferSource, requiredArguments } from '../webidl/webidl.js';
import { Response } from '../fetch/request_response.js';

function errorClass(name) {
  const Class = { [name]: class extends Error {} }[name];
  Object.defineProperty(Class.prototype, 'name', { value: name, writable: true, configurable: true });
  return Class;
}
const CompileError = errorClass('CompileError');
const LinkError = errorClass('LinkError');
const RuntimeError = errorClass('RuntimeError');
native.wasmInit(CompileError, LinkError, RuntimeError);

// Lets the classes below make an object for an id the native side gave.
const internal = Symbol('internal');

function bytesOf(source, what) {
  if (!isBufferSource(source)) throw new TypeError(`${what}: the argument must be an ArrayBuffer or a view of one`);
  return bufferSourceBytes(source);
}

// ToIndex-like for page and element counts (WebIDL [EnforceRange] unsigned long).
function toCount(value, what) {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 0xffffffff) throw new TypeError(`${what} must be an integer from 0 to 2^32 - 1`);
  return Math.trunc(n);
}

function descriptorOf(descriptor, what) {
  if (typeof descriptor !== 'object' || descriptor === null) throw new TypeError(`${what}: the descriptor must be an object`);
  return descriptor;
}

let moduleId;
class Module {
  #id;
  constructor(bytes) {
    if (bytes === internal) { this.#id = arguments[1]; return; }
    requiredArguments(arguments.length, 1, "WebAssembly.Module");
    this.#id = native.wasmCompile(bytesOf(bytes, 'WebAssembly.Module'));
  }

  static exports(module) {
    const flat = native.wasmModuleExports(moduleId(module));
    const out = [];
    for (let i = 0; i < flat.length; i += 2) out.push({ name: flat[i], kind: flat[i + 1] });
    return out;
  }

  static imports(module) {
    const flat = native.wasmModuleImports(moduleId(module));
    const out = [];
    for (let i = 0; i < flat.length; i += 5) out.push({ module: flat[i], name: flat[i + 1], kind: flat[i + 2] });
    return out;
  }

  static customSections(module, sectionName) {
    requiredArguments(arguments.length, 2, 'WebAssembly.Module.customSections');
    return native.wasmModuleCustomSections(moduleId(module), String(sectionName));
  }

  static {
    moduleId = (module) => {
      if (!(typeof module === 'object' && module !== null && #id in module)) throw new TypeError('WebAssembly: the argument must be a WebAssembly.Module');
      return module.#id;
    };
  }
}
Object.defineProperty(Module.prototype, Symbol.toStringTag, { value: 'WebAssembly.Module', configurable: true });

// One JS object per wasm memory, table or global (the JS API's caches).
const objects = new Map();
function objectFor(Class, id) {
  let object = objects.get(id);
  if (object === undefined) {
    object = new Class(internal, id);
    objects.set(id, object);
  }
  return object;
}

let memoryId;
const memoryBuffers = new WeakSet();
class Memory {
  #id;
  constructor(descriptor) {
    if (descriptor === internal) { this.#id = arguments[1]; return; }
    requiredArguments(arguments.length, 1, 'WebAssembly.Memory');
    descriptorOf(descriptor, 'WebAssembly.Memory');
    if (descriptor.shared) throw new TypeError('WebAssembly.Memory: shared memory is not supported');
    const initial = toCount(descriptor.initial, 'WebAssembly.Memory: initial');
    const maximum = descriptor.maximum === undefined ? undefined : toCount(descriptor.maximum, 'WebAssembly.Memory: maximum');
    if (maximum !== undefined && maximum < initial) throw new RangeError('WebAssembly.Memory: the maximum is below the initial size');
    this.#id = native.wasmMemoryNew(initial, maximum);
    objects.set(this.#id, this);
  }

  get buffer() {
    if (!transfersGuarded) guardTransfers();
    const buffer = native.wasmMemoryBuffer(this.#id);
    memoryBuffers.add(buffer);
    return buffer;
  }

  grow(delta) {
    requiredArguments(arguments.length, 1, 'WebAssembly.Memory.grow');
    return Number(native.wasmMemoryGrow(this.#id, toCount(delta, 'WebAssembly.Memory.grow: delta')));
  }

  static { memoryId = (memory) => memory.#id; }
}
Object.defineProperty(Memory.prototype, Symbol.toStringTag, { value: 'WebAssembly.Memory', configurable: true });

// A memory's buffer cannot be transferred (the standard's detach key): the
// new ArrayBuffer would hold bytes that move when the memory grows. The
// check goes in when the first buffer is made, so that apps without one
// (and byte streams, which transfer every chunk) do not pay for it.
let transfersGuarded = false;
function guardTransfers() {
  transfersGuarded = true;
  for (const name of ['transfer', 'transferToFixedLength']) {
    const original = ArrayBuffer.prototype[name];
    const method = {
      [name]() {
        if (memoryBuffers.has(this)) throw new TypeError(`ArrayBuffer.prototype.${name}: a WebAssembly.Memory's buffer cannot be transferred`);
        return Reflect.apply(original, this, arguments);
      },
    }[name];
    Object.defineProperty(ArrayBuffer.prototype, name, { value: method, writable: true, configurable: true, enumerable: false });
  }
}

let tableId;
class Table {
  #id;
  constructor(descriptor, value) {
    if (descriptor === internal) { this.#id = value; return; }
    requiredArguments(arguments.length, 1, 'WebAssembly.Table');
    descriptorOf(descriptor, 'WebAssembly.Table');
    const element = String(descriptor.element);
    const initial = toCount(descriptor.initial, 'WebAssembly.Table: initial');
    const maximum = descriptor.maximum === undefined ? undefined : toCount(descriptor.maximum, 'WebAssembly.Table: maximum');
    if (maximum !== undefined && maximum < initial) throw new RangeError('WebAssembly.Table: the maximum is below the initial size');
    this.#id = native.wasmTableNew(element, initial, maximum, value);
    objects.set(this.#id, this);
  }

  get length() { return Number(native.wasmTableLength(this.#id)); }

  get(index) {
    requiredArguments(arguments.length, 1, 'WebAssembly.Table.get');
    return native.wasmTableGet(this.#id, toCount(index, 'WebAssembly.Table.get: index'));
  }

  set(index, value) {
    requiredArguments(arguments.length, 1, 'WebAssembly.Table.set');
    native.wasmTableSet(this.#id, toCount(index, 'WebAssembly.Table.set: index'), value);
  }

  grow(delta, value) {
    requiredArguments(arguments.length, 1, 'WebAssembly.Table.grow');
    return Number(native.wasmTableGrow(this.#id, toCount(delta, 'WebAssembly.Table.grow: delta'), value));
  }

  static { tableId = (table) => table.#id; }
}
Object.defineProperty(Table.prototype, Symbol.toStringTag, { value: 'WebAssembly.Table', configurable: true });

let globalId;
class Global {
  #id;
  constructor(descriptor, value) {
    if (descriptor === internal) { this.#id = value; return; }
    requiredArguments(arguments.length, 1, 'WebAssembly.Global');
    descriptorOf(descriptor, 'WebAssembly.Global');
    this.#id = native.wasmGlobalNew(String(descriptor.value), Boolean(descriptor.mutable), value);
    objects.set(this.#id, this);
  }

  get value() { return native.wasmGlobalGet(this.#id); }
  set value(value) {
    requiredArguments(arguments.length, 1, 'WebAssembly.Global.value');
    native.wasmGlobalSet(this.#id, value);
  }

  valueOf() { return native.wasmGlobalGet(this.#id); }

  static { globalId = (global) => global.#id; }
}
Object.defineProperty(Global.prototype, Symbol.toStringTag, { value: 'WebAssembly.Global', configurable: true });

function isInstanceOf(value, getId) {
  try { getId(value); return true; } catch { return false; }
}

// The import object's values in the module's import order, as the native
// side takes them: functions as they are, other objects as ids.
function resolveImports(id, importObject) {
  const flat = native.wasmModuleImports(id);
  if (flat.length > 0 && (typeof importObject !== 'object' && typeof importObject !== 'function' || importObject === null)) {
    throw new TypeError('WebAssembly.Instance: the module has imports, and the import object is not an object');
  }
  const values = [];
  for (let i = 0; i < flat.length; i += 5) {
    const [module, name, kind, valueType, mutable] = flat.slice(i, i + 5);
    const namespace = importObject[module];
    if (typeof namespace !== 'object' && typeof namespace !== 'function' || namespace === null) {
      throw new TypeError(`WebAssembly.Instance: import module '${module}' is not an object`);
    }
    values.push(importValue(namespace[name], `${module}.${name}`, kind, valueType, mutable));
  }
  return values;
}

function importValue(value, what, kind, valueType, mutable) {
  const link = (expected) => new LinkError(`WebAssembly.Instance: import ${what} must be ${expected}`);
  switch (kind) {
    case 'function':
      if (typeof value !== 'function') throw link('a function');
      return value;
    case 'memory':
      if (!isInstanceOf(value, memoryId)) throw link('a WebAssembly.Memory');
      return memoryId(value);
    case 'table':
      if (!isInstanceOf(value, tableId)) throw link('a WebAssembly.Table');
      return tableId(value);
    default:
      if (isInstanceOf(value, globalId)) return globalId(value);
      if (mutable) throw link('a mutable WebAssembly.Global');
      if (valueType === 'i64' ? typeof value !== 'bigint' : (valueType !== 'externref' && valueType !== 'anyfunc' && typeof value !== 'number')) {
        throw link(valueType === 'i64' ? 'a BigInt' : 'a Number');
      }
      return native.wasmGlobalNew(valueType, false, value);
  }
}

function exportsObject(flat) {
  const exports = Object.create(null);
  for (let i = 0; i < flat.length; i += 3) {
    const [name, kind, value] = [flat[i], flat[i + 1], flat[i + 2]];
    if (kind === 'function') exports[name] = value;
    else exports[name] = objectFor(kind === 'memory' ? Memory : kind === 'table' ? Table : Global, value);
  }
  return Object.freeze(exports);
}

class Instance {
  #exports;
  constructor(module, importObject) {
    requiredArguments(arguments.length, 1, 'WebAssembly.Instance');
    const id = moduleId(module);
    this.#exports = exportsObject(native.wasmInstantiate(id, resolveImports(id, importObject)));
  }

  get exports() { return this.#exports; }
}
Object.defineProperty(Instance.prototype, Symbol.toStringTag, { value: 'WebAssembly.Instance', configurable: true });

// The asynchronous forms do the work at once (the interpreter compiles
// lazily enough) and settle a promise with the outcome.
function settle(work) {
  return new Promise((resolve) => resolve(work()));
}

function compile(bytes) {
  return settle(() => new Module(bytes));
}

function instantiate(source, importObject) {
  if (isInstanceOf(source, moduleId)) return settle(() => new Instance(source, importObject));
  return settle(() => {
    const module = new Module(source);
    return { module, instance: new Instance(module, importObject) };
  });
}

// The bytes of a Response (or a promise of one) for the streaming forms.
async function responseBytes(source, what) {
  const response = await source;
  if (!(response instanceof Response)) throw new TypeError(`${what}: the argument must be a Response or a promise of one`);
  const type = response.headers.get('content-type');
  if (type === null || type.split(';')[0].trim().toLowerCase() !== 'application/wasm') {
    throw new TypeError(`${what}: the response's Content-Type must be application/wasm (it is ${type === null ? 'missing' : `'${type}'`})`);
  }
  if (!response.ok) throw new TypeError(`${what}: the response's status is ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

const WebAssembly = {
  validate(bytes) {
    requiredArguments(arguments.length, 1, 'WebAssembly.validate');
    return native.wasmValidate(bytesOf(bytes, 'WebAssembly.validate'));
  },
  compile(bytes) {
    return compile(bytes);
  },
  instantiate(source, importObject) {
    return instantiate(source, importObject);
  },
  async compileStreaming(source) {
    return new Module(await responseBytes(source, 'WebAssembly.compileStreaming'));
  },
  async instantiateStreaming(source, importObject) {
    const module = new Module(await responseBytes(source, 'WebAssembly.instantiateStreaming'));
    return { module, instance: new Instance(module, importObject) };
  },
};
for (const [name, value] of Object.entries({ Module, Instance, Memory, Table, Global, CompileError, LinkError, RuntimeError })) {
  Object.defineProperty(WebAssembly, name, { value, writable: true, configurable: true, enumerable: false });
}
for (const name of ['validate', 'compile', 'instantiate', 'compileStreaming', 'instantiateStreaming']) {
  Object.defineProperty(WebAssembly, name, { enumerable: false });
}
Object.defineProperty(WebAssembly, Symbol.toStringTag, { value: 'WebAssembly', configurable: true });

export { WebAssembly };
