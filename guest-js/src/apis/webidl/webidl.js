// WebIDL helpers shared by the web APIs: argument checks and conversions,
// dictionaries, pair iterators.
import * as native from 'nano:native';
function requiredArguments(count, required, what) {
  if (count < required) {
    throw new TypeError(`${what}: ${required} argument${required === 1 ? '' : 's'} required, but only ${count} present`);
  }
}

// The state a platform object keeps under `key` (its module's symbol), or
// the TypeError of WebIDL's check that `object` is one: for the classes
// whose state is not in private fields (Event, FetchEvent).
function internalState(object, key) {
  const state = object[key];
  if (state === undefined) throw new TypeError('Illegal invocation');
  return state;
}

// WebIDL's USVString: ToString (a template literal, which unlike String()
// refuses a Symbol), then each lone surrogate replaced by U+FFFD.
function toUSVString(value) {
  return `${value}`.toWellFormed();
}

// Where the native check says no: the index for the error message.
const NON_BYTE = /[^\x00-\xff]/;
function toByteString(value, what) {
  // ToString, which (unlike String()) refuses a Symbol.
  if (typeof value === 'symbol') throw new TypeError(`${what}: a Symbol cannot be converted to a string`);
  const s = typeof value === 'string' ? value : String(value);
  if (native.isByteString(s)) return s;
  const bad = s.search(NON_BYTE);
  if (bad >= 0) throw new TypeError(`${what}: character at index ${bad} has a value greater than 255`);
  return s;
}

function isBufferSource(value) {
  return value instanceof ArrayBuffer || ArrayBuffer.isView(value) ||
    (typeof SharedArrayBuffer !== 'undefined' && value instanceof SharedArrayBuffer);
}

// The chunks joined into one Uint8Array.
function concatBytes(chunks) {
  let total = 0;
  for (const c of chunks) total += c.length;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) { out.set(c, offset); offset += c.length; }
  return out;
}

// A Uint8Array over the bytes of a BufferSource (no copy); a detached
// buffer holds no bytes (WebIDL).
function bufferSourceBytes(value) {
  const buffer = ArrayBuffer.isView(value) ? value.buffer : value;
  if (buffer.detached) return new Uint8Array(0);
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  return new Uint8Array(value);
}

// WebIDL pair iterators (Headers, URLSearchParams): each step re-reads the
// pairs, so changes made during iteration are seen as the standard says.
const IteratorPrototype = Object.getPrototypeOf(Object.getPrototypeOf([][Symbol.iterator]()));
function pairIterator(tag, pairsOf) {
  const state = new WeakMap();
  const prototype = Object.create(IteratorPrototype, {
    next: {
      value: function next() {
        const s = state.get(this);
        if (s === undefined) throw new TypeError(`next called on an object that is not a ${tag}`);
        const pairs = pairsOf(s.target);
        if (s.index >= pairs.length) return { value: undefined, done: true };
        const pair = pairs[s.index++];
        return { value: s.kind === 'keys' ? pair[0] : s.kind === 'values' ? pair[1] : [pair[0], pair[1]], done: false };
      },
      writable: true, enumerable: true, configurable: true,
    },
    [Symbol.toStringTag]: { value: tag, configurable: true },
  });
  return (target, kind) => {
    const it = Object.create(prototype);
    state.set(it, { target, kind, index: 0 });
    return it;
  };
}

// Reads the named callback members of a dictionary, in the given order.
function dictionaryMembers(dict, names, what) {
  const out = {};
  if (dict === undefined || dict === null) return out;
  if (typeof dict !== 'object' && typeof dict !== 'function') throw new TypeError(`${what}: parameter 1 is not an object`);
  // Indexed: a for-of that destructures each entry runs two array
  // iterators per member (costly in QuickJS).
  for (let i = 0; i < names.length; i++) {
    const name = names[i][0];
    const value = dict[name];
    if (names[i][1] && value !== undefined && typeof value !== 'function') throw new TypeError(`${what}: ${name} must be a function`);
    out[name] = value;
  }
  return out;
}

export {
  bufferSourceBytes, concatBytes, dictionaryMembers, internalState, isBufferSource, pairIterator, requiredArguments, toByteString,
  toUSVString,
};
