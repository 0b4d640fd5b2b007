// DOMException (WebIDL): name, message and the legacy numeric codes.
const DOM_EXCEPTION_CODES = {
  IndexSizeError: 1, HierarchyRequestError: 3, WrongDocumentError: 4, InvalidCharacterError: 5,
  NoModificationAllowedError: 7, NotFoundError: 8, NotSupportedError: 9, InvalidStateError: 11,
  SyntaxError: 12, InvalidModificationError: 13, NamespaceError: 14, InvalidAccessError: 15,
  TypeMismatchError: 17, SecurityError: 18, NetworkError: 19, AbortError: 20, URLMismatchError: 21,
  QuotaExceededError: 22, TimeoutError: 23, InvalidNodeTypeError: 24, DataCloneError: 25,
};

class DOMException extends Error {
  #name;
  #message;
  constructor(message = '', options = 'Error') {
    super();
    this.#message = String(message);
    if (options !== null && typeof options === 'object') {
      this.#name = 'name' in options ? String(options.name) : 'Error';
      if ('cause' in options) {
        Object.defineProperty(this, 'cause', { value: options.cause, writable: true, configurable: true });
      }
    } else {
      this.#name = String(options);
    }
  }
  get name() { return this.#name; }
  get message() { return this.#message; }
  get code() { return DOM_EXCEPTION_CODES[this.#name] || 0; }
}
Object.defineProperty(DOMException.prototype, Symbol.toStringTag, { value: 'DOMException', configurable: true });
for (const [name, code] of Object.entries(DOM_EXCEPTION_CODES)) {
  const constant = name.replace(/Error$/, '').replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase() + '_ERR';
  Object.defineProperty(DOMException, constant, { value: code, enumerable: true });
  Object.defineProperty(DOMException.prototype, constant, { value: code, enumerable: true });
}

// Shared WebIDL-ish helpers used by the other prelude files.
function requiredArguments(count, required, what) {
  if (count < required) {
    throw new TypeError(`${what}: ${required} argument${required === 1 ? '' : 's'} required, but only ${count} present`);
  }
}

function toByteString(value, what) {
  const s = String(value);
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) > 0xff) {
      throw new TypeError(`${what}: character at index ${i} has a value greater than 255`);
    }
  }
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
