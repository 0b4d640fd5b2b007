// structuredClone (HTML Standard, structured serialisation). The graph is
// walked here without recursion (deep graphs cannot overflow the stack) into
// nodes `[tag, ...fields]`; the host encodes them (nano:platform/clone),
// enforcing its size and depth limits, and decodes them back.
import * as native from 'nano:native';
import { requiredArguments } from '../webidl/webidl.js';
import { DOMException } from '../webidl/dom_exception.js';
import { AbortController, Event, EventTarget } from '../events/events.js';
import { TextDecoder, TextEncoder } from '../encoding/encoding.js';
import { URL, URLSearchParams } from '../url/url.js';
import { CryptoKey } from '../crypto/crypto.js';
import { Blob, File, blobBytes } from '../blob/blob.js';
import { Headers } from '../fetch/headers.js';
import { FormData } from '../fetch/form_data.js';
import { Request, Response } from '../fetch/request_response.js';

// Each node's tag is the index of its case in the WIT `node` variant, in
// the order the engine lists the case names (generated from the WIT); keys
// are the names in camelCase ('boolean-object' is CLONE_TAG.booleanObject).
const CLONE_TAG = Object.freeze(Object.fromEntries(native.cloneNodeCases().map(
  (name, index) => [name.replace(/-(.)/g, (_, c) => c.toUpperCase()), index])));
// A view's kind is its case name in the WIT `view-kind` enum.
const VIEW_KINDS = new Map([[Int8Array, 'int8'], [Uint8Array, 'uint8'], [Uint8ClampedArray, 'uint8-clamped'],
  [Int16Array, 'int16'], [Uint16Array, 'uint16'], [Int32Array, 'int32'], [Uint32Array, 'uint32'],
  [Float32Array, 'float32'], [Float64Array, 'float64'], [BigInt64Array, 'bigint64'], [BigUint64Array, 'biguint64'],
  [DataView, 'data-view']]);
if (typeof Float16Array === 'function') VIEW_KINDS.set(Float16Array, 'float16');
const VIEW_CONSTRUCTORS = new Map([...VIEW_KINDS].map(([Ctor, kind]) => [kind, Ctor]));
const ERROR_NAMES = ['Error', 'EvalError', 'RangeError', 'ReferenceError', 'SyntaxError', 'TypeError', 'URIError'];
const TypedArrayPrototype = Object.getPrototypeOf(Int8Array.prototype);
const typedArrayTag = Object.getOwnPropertyDescriptor(TypedArrayPrototype, Symbol.toStringTag).get;
const hasOwn = Object.prototype.hasOwnProperty;
const getOwnPropertyDescriptor = Object.getOwnPropertyDescriptor;
// Built-ins with internal state the standard does not serialise.
const UNCLONEABLE_TAGS = new Set(['WeakMap', 'WeakSet', 'WeakRef', 'FinalizationRegistry', 'Promise', 'Generator',
  'AsyncGenerator', 'Array Iterator', 'Map Iterator', 'Set Iterator', 'String Iterator', 'RegExp String Iterator',
  'Iterator Helper', 'SharedArrayBuffer', 'Module']);

function stringToUnits(s) {
  const units = new Uint16Array(s.length);
  for (let i = 0; i < s.length; i++) units[i] = s.charCodeAt(i);
  return units;
}

function unitsToString(units) {
  let s = '';
  for (let i = 0; i < units.length; i += 8192) s += String.fromCharCode.apply(null, units.subarray(i, i + 8192));
  return s;
}

// A string inside another value (a key, an error's message or stack) as
// the WIT `text` the native side expects: itself when well-formed, else its
// code units, since lone surrogates cannot cross as UTF-8.
function wireText(s) {
  return s.isWellFormed() ? s : stringToUnits(s);
}

function textFromWire(t) {
  return typeof t === 'string' ? t : unitsToString(t);
}

function dataCloneError(message) {
  return new DOMException(message, 'DataCloneError');
}

function describeUncloneable(value) {
  if (typeof value === 'function') return `${value.name ? `function ${value.name}` : 'an anonymous function'} could not be cloned`;
  if (typeof value === 'symbol') return `${String(value)} could not be cloned`;
  const tag = Object.prototype.toString.call(value).slice(8, -1);
  return `#<${value.constructor && value.constructor.name || tag}> could not be cloned`;
}

function isPlatformObject(value) {
  return value instanceof EventTarget || value instanceof Event || value instanceof Headers ||
    value instanceof Request || value instanceof Response || value instanceof URL || value instanceof URLSearchParams ||
    value instanceof TextEncoder || value instanceof TextDecoder || value instanceof AbortController ||
    value instanceof FormData || value instanceof CryptoKey;
}

function serializeGraph(root) {
  const nodes = [];
  const memory = new Map();
  const pending = []; // [object, index] whose fields are still to be written
  // Primitives have no identity: equal ones share a node (-0 apart, since
  // Map keys treat it as 0).
  const primitives = new Map();
  const primitive = (value, node) => {
    if (Object.is(value, -0)) { nodes.push(node); return nodes.length - 1; }
    let index = primitives.get(value);
    if (index === undefined) {
      index = nodes.length;
      nodes.push(node);
      primitives.set(value, index);
    }
    return index;
  };
  const ref = (value) => {
    switch (typeof value) {
      case 'undefined': return primitive(value, [CLONE_TAG.undefined]);
      case 'boolean': return primitives.get(value) ?? primitive(value, [CLONE_TAG.boolean, value]);
      // -0 is looked up apart: the Map would find 0's node for it.
      case 'number': return (Object.is(value, -0) ? undefined : primitives.get(value)) ?? primitive(value, [CLONE_TAG.number, value]);
      case 'bigint': return primitives.get(value) ?? primitive(value, [CLONE_TAG.bigint, value.toString()]);
      case 'string': {
        const known = primitives.get(value);
        if (known !== undefined) return known;
        // Lone surrogates cannot cross as UTF-8: send the code units.
        return primitive(value, value.isWellFormed() ? [CLONE_TAG.string, value] : [CLONE_TAG.utf16, stringToUnits(value)]);
      }
      case 'symbol': case 'function': throw dataCloneError(describeUncloneable(value));
    }
    if (value === null) return primitive(value, [CLONE_TAG.null]);
    const seen = memory.get(value);
    if (seen !== undefined) return seen;
    const index = nodes.length;
    memory.set(value, index);
    nodes.push(null);
    pending.push(value, index);
    return index;
  };
  ref(root);
  // Objects are written in the order they are first met.
  for (let p = 0; p < pending.length; p += 2) {
    nodes[pending[p + 1]] = serializeObject(pending[p], ref);
  }
  return nodes;
}

function ownEnumerableProperties(value, ref) {
  const flat = [];
  for (const key of Object.keys(value)) {
    if (!hasOwn.call(value, key)) continue; // removed by an earlier getter
    flat.push(wireText(key), ref(value[key]));
  }
  return flat;
}

// A view over a resizable ArrayBuffer shrunk below its end is out of
// bounds: the standard refuses to serialise it. The engine's own checks
// say so: a DataView's byteLength getter and a typed array's keys() throw.
const dataViewByteLength = Object.getOwnPropertyDescriptor(DataView.prototype, 'byteLength').get;
const typedArrayKeys = TypedArrayPrototype.keys;
function isOutOfBounds(view) {
  try {
    Reflect.apply(view instanceof DataView ? dataViewByteLength : typedArrayKeys, view, []);
    return false;
  } catch {
    return true;
  }
}

// Whether a view of a resizable ArrayBuffer tracks its buffer's length
// (was made without one): the standard keeps that, and no built-in tells
// it, so the buffer is resized and put back. No other code runs in between
// and the bytes are restored, so the probe is not observable.
const typedArrayByteLength = Object.getOwnPropertyDescriptor(TypedArrayPrototype, 'byteLength').get;
const typedArraySet = TypedArrayPrototype.set;
const arrayBufferResize = ArrayBuffer.prototype.resize;
const arrayBufferByteLength = Object.getOwnPropertyDescriptor(ArrayBuffer.prototype, 'byteLength').get;
const arrayBufferMaxByteLength = Object.getOwnPropertyDescriptor(ArrayBuffer.prototype, 'maxByteLength').get;
function tracksLength(view, buffer) {
  const viewByteLength = () => Reflect.apply(view instanceof DataView ? dataViewByteLength : typedArrayByteLength, view, []);
  const resize = (n) => Reflect.apply(arrayBufferResize, buffer, [n]);
  const length = Reflect.apply(arrayBufferByteLength, buffer, []);
  const offset = view.byteOffset;
  if (viewByteLength() > 0) {
    // Shrunk to its offset, a tracking view is empty and a fixed-length
    // one out of bounds.
    const saved = new Uint8Array(new Uint8Array(buffer, offset, length - offset));
    resize(offset);
    const tracking = !isOutOfBounds(view);
    resize(length);
    Reflect.apply(typedArraySet, new Uint8Array(buffer, offset, length - offset), [saved]);
    return tracking;
  }
  // Empty now: grown to its maximum, only a tracking view grows (one that
  // stays empty even then is empty for good either way).
  resize(Reflect.apply(arrayBufferMaxByteLength, buffer, []));
  const tracking = viewByteLength() > 0;
  resize(length);
  return tracking;
}

function serializeObject(value, ref) {
  // The common cases first: plain objects and arrays.
  const proto = Object.getPrototypeOf(value);
  if (proto === Object.prototype || proto === null) return [CLONE_TAG.object, ownEnumerableProperties(value, ref)];
  if (proto === Array.prototype && Array.isArray(value)) {
    return [CLONE_TAG.array, value.length, ownEnumerableProperties(value, ref)];
  }
  if (isPlatformObject(value)) throw dataCloneError(describeUncloneable(value));
  if (value instanceof DOMException) return [CLONE_TAG.domException, value.name, value.message];
  if (value instanceof File) return [CLONE_TAG.file, value[blobBytes], value.type, value.name, value.lastModified];
  if (value instanceof Blob) return [CLONE_TAG.blob, value[blobBytes], value.type];
  if (value instanceof ArrayBuffer) {
    if (value.detached) throw dataCloneError('a detached ArrayBuffer could not be cloned');
    return [CLONE_TAG.arrayBuffer, new Uint8Array(value), value.resizable ? value.maxByteLength : undefined];
  }
  if (ArrayBuffer.isView(value)) {
    const buffer = value.buffer;
    if (buffer.detached) throw dataCloneError('a view of a detached ArrayBuffer could not be cloned');
    if (!(buffer instanceof ArrayBuffer)) throw dataCloneError(describeUncloneable(buffer));
    if (isOutOfBounds(value)) throw dataCloneError('a view out of the bounds of its (shrunk) ArrayBuffer could not be cloned');
    const kind = value instanceof DataView ? 'data-view' : VIEW_KINDS.get(value.constructor);
    if (kind === undefined) throw dataCloneError(`#<${typedArrayTag.call(value)}> could not be cloned`);
    // No length: the clone tracks its buffer's length too.
    const length = buffer.resizable && tracksLength(value, buffer) ? undefined
      : value instanceof DataView ? value.byteLength : value.length;
    return [CLONE_TAG.view, kind, ref(buffer), value.byteOffset, length];
  }
  if (Array.isArray(value)) {
    // Holes stay holes: only own properties (indices and extras) are kept.
    return [CLONE_TAG.array, value.length, ownEnumerableProperties(value, ref)];
  }
  const tag = Object.prototype.toString.call(value).slice(8, -1);
  if (value instanceof Date) return [CLONE_TAG.date, Date.prototype.getTime.call(value)];
  if (value instanceof RegExp) return [CLONE_TAG.regexp, value.source, value.flags];
  if (value instanceof Map) {
    const flat = [];
    for (const [k, v] of Map.prototype.entries.call(value)) flat.push(ref(k), ref(v));
    return [CLONE_TAG.map, flat];
  }
  if (value instanceof Set) {
    const items = [];
    for (const v of Set.prototype.values.call(value)) items.push(ref(v));
    return [CLONE_TAG.set, items];
  }
  if (value instanceof Error) {
    const name = ERROR_NAMES.includes(value.name) ? value.name : 'Error';
    // The standard reads the message only from an own data property.
    const messageDesc = getOwnPropertyDescriptor(value, 'message');
    const message = messageDesc !== undefined && hasOwn.call(messageDesc, 'value') ? String(messageDesc.value) : undefined;
    const stack = typeof value.stack === 'string' ? value.stack : undefined;
    const cause = hasOwn.call(value, 'cause') ? ref(value.cause) : -1;
    return [CLONE_TAG.error, name, message === undefined ? undefined : wireText(message),
      stack === undefined ? undefined : wireText(stack), cause];
  }
  if (value instanceof Boolean) return [CLONE_TAG.booleanObject, Boolean.prototype.valueOf.call(value)];
  if (value instanceof Number) return [CLONE_TAG.numberObject, Number.prototype.valueOf.call(value)];
  if (value instanceof String) {
    const s = String.prototype.valueOf.call(value);
    // Lone surrogates cannot cross as UTF-8: send the code units.
    return s.isWellFormed() ? [CLONE_TAG.stringObject, s] : [CLONE_TAG.utf16Object, stringToUnits(s)];
  }
  if (typeof BigInt === 'function' && tag === 'BigInt') return [CLONE_TAG.bigintObject, BigInt.prototype.valueOf.call(value).toString()];
  if (UNCLONEABLE_TAGS.has(tag) || value instanceof Promise || value instanceof WeakMap || value instanceof WeakSet ||
    (typeof WeakRef === 'function' && value instanceof WeakRef)) {
    throw dataCloneError(describeUncloneable(value));
  }
  // Any other object is an ordinary object: own enumerable string keys,
  // each getter run once; the prototype is not kept.
  return [CLONE_TAG.object, ownEnumerableProperties(value, ref)];
}

function deserializeGraph(nodes) {
  const values = new Array(nodes.length);
  // Pass 1: every value and empty container, so references can be cyclic.
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i];
    switch (n[0]) {
      case CLONE_TAG.undefined: values[i] = undefined; break;
      case CLONE_TAG.null: values[i] = null; break;
      case CLONE_TAG.boolean: case CLONE_TAG.number: case CLONE_TAG.string: values[i] = n[1]; break;
      case CLONE_TAG.bigint: values[i] = BigInt(n[1]); break;
      case CLONE_TAG.utf16: values[i] = unitsToString(n[1]); break;
      case CLONE_TAG.booleanObject: case CLONE_TAG.numberObject: case CLONE_TAG.stringObject: values[i] = Object(n[1]); break;
      case CLONE_TAG.utf16Object: values[i] = Object(unitsToString(n[1])); break;
      case CLONE_TAG.bigintObject: values[i] = Object(BigInt(n[1])); break;
      case CLONE_TAG.date: values[i] = new Date(n[1]); break;
      case CLONE_TAG.regexp: values[i] = new RegExp(n[1], n[2]); break;
      case CLONE_TAG.arrayBuffer: {
        const bytes = n[1];
        const buffer = n[2] === undefined || n[2] === null
          ? new ArrayBuffer(bytes.length)
          : new ArrayBuffer(bytes.length, { maxByteLength: n[2] });
        new Uint8Array(buffer).set(bytes);
        values[i] = buffer;
        break;
      }
      case CLONE_TAG.map: values[i] = new Map(); break;
      case CLONE_TAG.set: values[i] = new Set(); break;
      case CLONE_TAG.array: values[i] = new Array(n[1]); break;
      case CLONE_TAG.object: values[i] = {}; break;
      case CLONE_TAG.error: {
        const Ctor = globalThis[n[1]] || Error;
        const err = Object.create(Ctor.prototype);
        if (n[2] !== undefined && n[2] !== null) {
          Object.defineProperty(err, 'message', { value: textFromWire(n[2]), writable: true, configurable: true });
        }
        if (n[3] !== undefined && n[3] !== null) {
          Object.defineProperty(err, 'stack', { value: textFromWire(n[3]), writable: true, configurable: true });
        }
        values[i] = err;
        break;
      }
      case CLONE_TAG.domException: values[i] = new DOMException(n[2], n[1]); break;
      case CLONE_TAG.blob: values[i] = new Blob([n[1]], { type: n[2] }); break;
      case CLONE_TAG.file: values[i] = new File([n[1]], n[3], { type: n[2], lastModified: n[4] }); break;
      case CLONE_TAG.view: break; // pass 2: needs its buffer
      default: throw dataCloneError(`unknown clone node ${n[0]}`);
    }
  }
  // Pass 2: views, then the contents of containers.
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i];
    if (n[0] === CLONE_TAG.view) {
      const Ctor = VIEW_CONSTRUCTORS.get(n[1]);
      if (Ctor === undefined) throw dataCloneError(`${n[1]} views are not supported here`);
      values[i] = n[4] === undefined || n[4] === null ? new Ctor(values[n[2]], n[3]) : new Ctor(values[n[2]], n[3], n[4]);
    }
  }
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i];
    const v = values[i];
    switch (n[0]) {
      case CLONE_TAG.map: for (let j = 0; j < n[1].length; j += 2) v.set(values[n[1][j]], values[n[1][j + 1]]); break;
      case CLONE_TAG.set: for (const item of n[1]) v.add(values[item]); break;
      case CLONE_TAG.array: for (let j = 0; j < n[2].length; j += 2) v[textFromWire(n[2][j])] = values[n[2][j + 1]]; break;
      case CLONE_TAG.object: {
        const props = n[1];
        for (let j = 0; j < props.length; j += 2) {
          const key = textFromWire(props[j]);
          // Plain assignment, except for a key that would set the prototype.
          if (key === '__proto__') {
            Object.defineProperty(v, '__proto__', { value: values[props[j + 1]], writable: true, enumerable: true, configurable: true });
          } else {
            v[key] = values[props[j + 1]];
          }
        }
        break;
      }
      case CLONE_TAG.error:
        if (n[4] >= 0) Object.defineProperty(v, 'cause', { value: values[n[4]], writable: true, configurable: true });
        break;
    }
  }
  return values[0];
}

function structuredClone(value, options = undefined) {
  requiredArguments(arguments.length, 1, "Failed to execute 'structuredClone'");
  const transfer = options == null || options.transfer === undefined ? [] : [...options.transfer];
  const transferred = new Set();
  for (const item of transfer) {
    if (!(item instanceof ArrayBuffer)) throw dataCloneError(`${describeUncloneable(item).replace(' could not be cloned', '')} is not transferable`);
    if (transferred.has(item)) throw dataCloneError('an ArrayBuffer is listed twice in the transfer list');
    if (item.detached) throw dataCloneError('a detached ArrayBuffer cannot be transferred');
    transferred.add(item);
  }
  const nodes = serializeGraph(value);
  const bytes = native.cloneSerialize(nodes);
  // Transferring detaches the sources once serialisation has succeeded.
  for (const buffer of transferred) buffer.transfer();
  return deserializeGraph(native.cloneDeserialize(bytes));
}

export { structuredClone };
