// TextEncoder and TextDecoder (Encoding Standard): UTF-8 (the byte work is
// native) and, for decoding, UTF-16LE/BE. BOM handling and streaming state
// live here.
import * as native from 'nano:native';
import { bufferSourceBytes, isBufferSource, requiredArguments } from '../webidl/webidl.js';

const UTF8_LABELS = new Set(['unicode-1-1-utf-8', 'unicode11utf8', 'unicode20utf8', 'utf-8', 'utf8', 'x-unicode20utf8']);
const DECODER_LABELS = new Map([
  ...[...UTF8_LABELS].map((l) => [l, 'utf-8']),
  ...['csunicode', 'iso-10646-ucs-2', 'ucs-2', 'unicode', 'unicodefeff', 'utf-16', 'utf-16le'].map((l) => [l, 'utf-16le']),
  ...['unicodefffe', 'utf-16be'].map((l) => [l, 'utf-16be']),
]);

// The Encoding Standard's UTF-16 decoder over `bytes`: [text, the bytes to
// keep for the next call when streaming (an odd byte, a lead surrogate)].
function utf16Decode(bytes, bigEndian, fatal, stream) {
  const n = bytes.length;
  const units = [];
  const unitAt = (k) => (bigEndian ? (bytes[k] << 8) | bytes[k + 1] : bytes[k] | (bytes[k + 1] << 8));
  const bad = () => {
    if (fatal) throw new TypeError('The encoded data was not valid utf-16');
    units.push(0xfffd);
  };
  let i = 0;
  let keep = null;
  while (i < n) {
    if (i + 1 >= n) { // an odd byte at the end
      if (stream) keep = bytes.slice(i); else bad();
      break;
    }
    const u = unitAt(i);
    if (u >= 0xd800 && u <= 0xdbff) {
      if (i + 3 >= n) { // a lead surrogate whose trail has not come (yet)
        if (stream) keep = bytes.slice(i); else bad();
        break;
      }
      const v = unitAt(i + 2);
      if (v >= 0xdc00 && v <= 0xdfff) { units.push(u, v); i += 4; } else { bad(); i += 2; }
    } else if (u >= 0xdc00 && u <= 0xdfff) {
      bad();
      i += 2;
    } else {
      units.push(u);
      i += 2;
    }
  }
  let text = '';
  for (let k = 0; k < units.length; k += 8192) text += String.fromCharCode.apply(null, units.slice(k, k + 8192));
  return [text, keep];
}

class TextEncoder {
  get encoding() { return 'utf-8'; }
  encode(input = '') {
    return native.utf8Encode(String(input).toWellFormed());
  }
  encodeInto(source, destination) {
    requiredArguments(arguments.length, 2, "Failed to execute 'encodeInto' on 'TextEncoder'");
    if (!(destination instanceof Uint8Array)) {
      throw new TypeError("Failed to execute 'encodeInto' on 'TextEncoder': parameter 2 is not of type 'Uint8Array'.");
    }
    const s = String(source).toWellFormed();
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
    const need = b >= 0xf0 && b <= 0xf4 ? 4 : b >= 0xe0 ? 3 : b >= 0xc2 && b < 0xe0 ? 2 : 1;
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
  #encoding; #fatal; #ignoreBOM; #pending = null; #bomSeen = false;
  constructor(label = 'utf-8', options = undefined) {
    const name = String(label).trim().toLowerCase();
    this.#encoding = DECODER_LABELS.get(name);
    if (this.#encoding === undefined) {
      throw new RangeError(`Failed to construct 'TextDecoder': The encoding label provided ('${label}') is invalid or not supported.`);
    }
    const o = options == null ? {} : options;
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
    let bytes = input === undefined ? new Uint8Array(0) : bufferSourceBytes(input);
    if (this.#pending) {
      const joined = new Uint8Array(this.#pending.length + bytes.length);
      joined.set(this.#pending);
      joined.set(bytes, this.#pending.length);
      bytes = joined;
      this.#pending = null;
    }
    let text;
    if (this.#encoding !== 'utf-8') {
      [text, this.#pending] = utf16Decode(bytes, this.#encoding === 'utf-16be', this.#fatal, stream);
    } else {
      if (stream) {
        const tail = incompleteUtf8Tail(bytes);
        if (tail) {
          this.#pending = bytes.slice(bytes.length - tail);
          bytes = bytes.subarray(0, bytes.length - tail);
        }
      }
      text = bytes.length ? native.utf8Decode(bytes, this.#fatal) : '';
    }
    if (!this.#ignoreBOM && !this.#bomSeen && text.length) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      this.#bomSeen = true;
    }
    if (!stream) {
      this.#bomSeen = false;
      this.#pending = null;
    }
    return text;
  }
}
Object.defineProperty(TextDecoder.prototype, Symbol.toStringTag, { value: 'TextDecoder', configurable: true });

export { TextDecoder, TextEncoder };
