// Blob and File (W3C File API). The bytes live in the instance.
import * as native from 'nano:native';
import { bufferSourceBytes, concatBytes, isBufferSource, requiredArguments, toUSVString } from '../webidl/webidl.js';
import { TextDecoder } from '../encoding/encoding.js';
import { ReadableStream } from '../streams/readable.js';

const blobBytes = Symbol('blobBytes');

function blobPartsBytes(parts, endings) {
  const chunks = [];
  for (const part of parts) {
    let bytes;
    if (part instanceof Blob) bytes = part[blobBytes];
    else if (isBufferSource(part)) bytes = bufferSourceBytes(part).slice();
    else {
      let text = toUSVString(part);
      if (endings === 'native') text = text.replace(/\r\n|\r/g, '\n');
      bytes = native.utf8Encode(text);
    }
    chunks.push(bytes);
  }
  return concatBytes(chunks);
}

// A type is kept lower-cased if it is printable ASCII, else it is dropped.
function normalizeBlobType(type) {
  const t = String(type);
  return /^[\x20-\x7e]*$/.test(t) ? t.toLowerCase() : '';
}

class Blob {
  [blobBytes];
  #type;
  constructor(blobParts = undefined, options = undefined) {
    if (blobParts !== undefined && (blobParts === null || typeof blobParts !== 'object' || typeof blobParts[Symbol.iterator] !== 'function')) {
      throw new TypeError("Failed to construct 'Blob': The provided value cannot be converted to a sequence.");
    }
    // No options is an empty dictionary: nothing read from Object.prototype.
    const o = options == null ? { __proto__: null } : options;
    const endings = o.endings === undefined ? 'transparent' : String(o.endings);
    if (endings !== 'transparent' && endings !== 'native') {
      throw new TypeError(`Failed to construct 'Blob': The provided value '${endings}' is not a valid enum value of type EndingType.`);
    }
    this[blobBytes] = blobParts === undefined ? new Uint8Array(0) : blobPartsBytes(blobParts, endings);
    this.#type = o.type === undefined ? '' : normalizeBlobType(o.type);
  }
  get size() { return this[blobBytes].length; }
  get type() { return this.#type; }
  slice(start = undefined, end = undefined, contentType = undefined) {
    const size = this.size;
    const clamp = (v, d) => {
      if (v === undefined) return d;
      const n = Math.trunc(Number(v)) || 0;
      return n < 0 ? Math.max(size + n, 0) : Math.min(n, size);
    };
    const from = clamp(start, 0);
    const to = clamp(end, size);
    const blob = new Blob([], { type: contentType === undefined ? '' : contentType });
    blob[blobBytes] = this[blobBytes].slice(from, Math.max(from, to));
    return blob;
  }
  async text() { return new TextDecoder().decode(this[blobBytes]); }
  async arrayBuffer() { return this[blobBytes].slice().buffer; }
  async bytes() { return this[blobBytes].slice(); }
  // The bytes in chunks of at most 64 KiB, each a copy made when pulled.
  stream() {
    const bytes = this[blobBytes];
    let offset = 0;
    // A null-prototype source: nothing is read from Object.prototype.
    return new ReadableStream({
      __proto__: null,
      type: 'bytes',
      pull(controller) {
        const end = Math.min(offset + 65536, bytes.length);
        if (end > offset) controller.enqueue(bytes.slice(offset, end));
        offset = end;
        if (offset === bytes.length) controller.close();
      },
    });
  }
}
Object.defineProperty(Blob.prototype, Symbol.toStringTag, { value: 'Blob', configurable: true });

class File extends Blob {
  #name; #lastModified;
  constructor(fileBits, fileName, options = undefined) {
    requiredArguments(arguments.length, 2, "Failed to construct 'File'");
    super(fileBits, options);
    this.#name = toUSVString(fileName);
    const o = options == null ? { __proto__: null } : options;
    this.#lastModified = o.lastModified === undefined ? Date.now() : Math.trunc(Number(o.lastModified)) || 0;
  }
  get name() { return this.#name; }
  get lastModified() { return this.#lastModified; }
}
Object.defineProperty(File.prototype, Symbol.toStringTag, { value: 'File', configurable: true });

export { Blob, File, blobBytes, blobPartsBytes };
