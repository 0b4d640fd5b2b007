// TextEncoder and TextDecoder (Encoding Standard). UTF-8 is decoded here
// and natively in the guest (the fast path, with its own streaming state);
// every other encoding (UTF-16, the single-byte and CJK ones,
// x-user-defined) is a decoder in the host on encoding_rs
// (`nano:platform/encoding`), which also resolves labels, so its tables are
// not in every instance.
import * as native from 'nano:native';
import { DOMException } from '../webidl/dom_exception.js';
import { bufferSourceBytes, isBufferSource, requiredArguments, toUSVString } from '../webidl/webidl.js';

const UTF8_LABELS = new Set(['unicode-1-1-utf-8', 'unicode11utf8', 'unicode20utf8', 'utf-8', 'utf8', 'x-unicode20utf8']);

// The most input one host decode call takes: larger input goes in pieces.
const HOST_PIECE = 1 << 20;

// A host decoder lives while its TextDecoder is in the middle of a stream
// (a call without `stream` drops it); one whose TextDecoder was collected
// mid-stream is dropped by the registry. (The unregister token is an object
// of its own: QuickJS holds tokens strongly, so the TextDecoder itself as
// its token would never be collected.)
const decoderRegistry = new FinalizationRegistry((id) => dropDecoder(id));
const decoderOwners = new Map(); // id -> WeakRef to the TextDecoder
function dropDecoder(id) {
  decoderOwners.delete(id);
  native.decoderDrop(id);
}
// Over the host's budget or cap, collected TextDecoders may still hold
// decoders (finalizers run later, as jobs): the collector runs now and
// theirs go before the one retry.
function newDecoder(owner, token, name, fatal, ignoreBOM) {
  let id;
  try {
    id = native.decoderNew(name, fatal, ignoreBOM);
  } catch (e) {
    if (!(e instanceof DOMException && e.name === 'QuotaExceededError')) throw e;
    native.collectGarbage();
    for (const [old, ref] of decoderOwners) if (ref.deref() === undefined) dropDecoder(old);
    id = native.decoderNew(name, fatal, ignoreBOM);
  }
  decoderOwners.set(id, new WeakRef(owner));
  decoderRegistry.register(owner, id, token);
  return id;
}

class TextEncoder {
  get encoding() { return 'utf-8'; }
  encode(input = '') {
    // ToString here (a Symbol throws); utf8Encode makes it a USVString.
    return native.utf8Encode(`${input}`);
  }
  encodeInto(source, destination) {
    requiredArguments(arguments.length, 2, "Failed to execute 'encodeInto' on 'TextEncoder'");
    if (!(destination instanceof Uint8Array)) {
      throw new TypeError("Failed to execute 'encodeInto' on 'TextEncoder': parameter 2 is not of type 'Uint8Array'.");
    }
    const s = toUSVString(source);
    let read = 0;
    let written = 0;
    const capacity = destination.length;
    for (let i = 0; i < s.length; i++) {
      const cp = s.codePointAt(i);
      const size = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
      if (written + size > capacity) break;
      if (size === 1) destination[written] = cp;
      else if (size === 2) {
        destination[written] = 0xc0 | (cp >> 6);
        destination[written + 1] = 0x80 | (cp & 0x3f);
      } else if (size === 3) {
        destination[written] = 0xe0 | (cp >> 12);
        destination[written + 1] = 0x80 | ((cp >> 6) & 0x3f);
        destination[written + 2] = 0x80 | (cp & 0x3f);
      } else {
        destination[written] = 0xf0 | (cp >> 18);
        destination[written + 1] = 0x80 | ((cp >> 12) & 0x3f);
        destination[written + 2] = 0x80 | ((cp >> 6) & 0x3f);
        destination[written + 3] = 0x80 | (cp & 0x3f);
        i++;
        read++;
      }
      written += size;
      read++;
    }
    return { read, written };
  }
}
Object.defineProperty(TextEncoder.prototype, Symbol.toStringTag, { value: 'TextEncoder', configurable: true });

// Length of an incomplete UTF-8 sequence at the end of `bytes` that more
// input could still complete (0 if none).
function incompleteUtf8Tail(bytes) {
  const n = bytes.length;
  for (let back = 1; back <= 3 && back <= n; back++) {
    const b = bytes[n - back];
    if ((b & 0xc0) === 0x80) continue; // continuation byte: keep looking for the lead
    // 0x80-0xC1 and 0xF5-0xFF lead nothing: an error at once.
    const need = b >= 0xf5 ? 1 : b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc2 ? 2 : 1;
    if (need <= back) return 0;
    // The bytes seen so far must be a valid prefix, or the decoder will
    // replace them now anyway.
    const second = back >= 2 ? bytes[n - back + 1] : undefined;
    if (second !== undefined) {
      if (b === 0xe0 && second < 0xa0) return 0;
      if (b === 0xed && second > 0x9f) return 0;
      if (b === 0xf0 && second < 0x90) return 0;
      if (b === 0xf4 && second > 0x8f) return 0;
    }
    return back;
  }
  return 0;
}

class TextDecoder {
  #encoding; #fatal; #ignoreBOM;
  // UTF-8: bytes of an incomplete sequence kept for the next call, and
  // whether the stream's start (a BOM) has been seen.
  #pending = null; #bomSeen = false;
  // Other encodings: the host decoder's id while a stream is in progress,
  // and the token that unregisters it.
  #decoder = 0; #token = null;
  constructor(label = 'utf-8', options = undefined) {
    const text = String(label);
    const lower = text.toLowerCase();
    this.#encoding = UTF8_LABELS.has(lower) ? 'utf-8' : native.encodingLookup(text);
    if (this.#encoding === undefined) {
      throw new RangeError(`Failed to construct 'TextDecoder': The encoding label provided ('${label}') is invalid or not supported.`);
    }
    const o = options == null ? { __proto__: null } : options;
    this.#fatal = !!o.fatal;
    this.#ignoreBOM = !!o.ignoreBOM;
  }
  get encoding() { return this.#encoding; }
  get fatal() { return this.#fatal; }
  get ignoreBOM() { return this.#ignoreBOM; }
  decode(input = undefined, options = undefined) {
    if (input !== undefined && !isBufferSource(input)) {
      throw new TypeError("Failed to execute 'decode' on 'TextDecoder': The provided value is not of type '(ArrayBuffer or ArrayBufferView)'");
    }
    const stream = options != null && !!options.stream;
    const bytes = input === undefined ? new Uint8Array(0) : bufferSourceBytes(input);
    return this.#encoding === 'utf-8' ? this.#decodeUtf8(bytes, stream) : this.#decodeInHost(bytes, stream);
  }
  #decodeInHost(bytes, stream) {
    if (!this.#decoder && !bytes.length && !stream) return '';
    let text = '';
    try {
      if (!this.#decoder) {
        this.#token ??= {};
        this.#decoder = newDecoder(this, this.#token, this.#encoding, this.#fatal, this.#ignoreBOM);
      }
      for (let at = 0; ; at += HOST_PIECE) {
        const end = Math.min(at + HOST_PIECE, bytes.length);
        const last = end === bytes.length;
        text += native.decoderDecode(this.#decoder, bytes.subarray(at, end), last ? stream : true);
        if (last) break;
      }
    } finally {
      if (!stream && this.#decoder) {
        decoderRegistry.unregister(this.#token);
        dropDecoder(this.#decoder);
        this.#decoder = 0;
      }
    }
    return text;
  }
  #decodeUtf8(bytes, stream) {
    if (this.#pending) {
      const joined = new Uint8Array(this.#pending.length + bytes.length);
      joined.set(this.#pending);
      joined.set(bytes, this.#pending.length);
      bytes = joined;
      this.#pending = null;
    }
    if (stream) {
      const tail = incompleteUtf8Tail(bytes);
      if (tail) {
        this.#pending = bytes.slice(bytes.length - tail);
        bytes = bytes.subarray(0, bytes.length - tail);
      }
    }
    try {
      let text = bytes.length ? native.utf8Decode(bytes, this.#fatal) : '';
      if (!this.#ignoreBOM && !this.#bomSeen && text.length) {
        if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
        this.#bomSeen = true;
      }
      return text;
    } finally {
      if (!stream) { // the end of the stream: the next call starts a new one
        this.#bomSeen = false;
        this.#pending = null;
      }
    }
  }
}
Object.defineProperty(TextDecoder.prototype, Symbol.toStringTag, { value: 'TextDecoder', configurable: true });

export { TextDecoder, TextEncoder };
