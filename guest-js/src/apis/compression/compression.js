// CompressionStream / DecompressionStream (Compression Standard): the
// (de)compression runs in the host (host/src/compression.rs), which takes at most
// 64 KiB of input and gives at most 64 KiB of output per call. A chunk goes
// over in such pieces and its output comes back a piece at a time. Up to
// CODER_QUEUE pieces (1 MiB) may wait in the readable side, so a write with
// a moderate output resolves before that is read, as in any TransformStream;
// beyond that, the next piece is decoded only once the reader has taken
// them: a small body that expands to gigabytes is decoded as fast as it is
// read, never held whole here or in the host.
import { DOMException } from '../webidl/dom_exception.js';
import * as native from 'nano:native';
import { bufferSourceBytes, isBufferSource, requiredArguments } from '../webidl/webidl.js';
import { TransformStream, transformSlots } from '../streams/transform.js';

const CODER_PIECE = 64 * 1024;
const CODER_QUEUE = 16;
// The host's coder of a stream that is never closed, errored or cancelled
// goes when its transformer object is collected: only the stream's two
// sides reach that. (Not the CompressionStream: pipeThrough() drops it at
// once and keeps the sides.)
const coderRegistry = new FinalizationRegistry((id) => dropCoder(id));
const coderOwners = new Map(); // id -> WeakRef to the transformer
function dropCoder(id) {
  coderOwners.delete(id);
  native.coderDrop(id);
}
// A new host coder. Over the host's budget or cap, collected streams may
// still hold coders (finalizers run later, as jobs): the collector runs now
// and their coders go before the one retry.
function newCoder(format, decompress) {
  try {
    return native.coderNew(format, decompress);
  } catch (e) {
    if (!(e instanceof DOMException && e.name === 'QuotaExceededError')) throw e;
  }
  native.collectGarbage();
  for (const [id, owner] of coderOwners) if (owner.deref() === undefined) dropCoder(id);
  return native.coderNew(format, decompress);
}

function compressionTransform(format, decompress, what) {
  requiredArguments(format === undefined ? 0 : 1, 1, `Failed to construct '${what}'`);
  const name = String(format);
  let id = newCoder(name, decompress);
  // A stream made by top-level code (build time) gets its coder on first
  // use: the snapshot can hold no host object, and each request then
  // (de)compresses with a coder of its own. The one above checked the format.
  let lazy = native.atBuildTime();
  if (lazy) {
    dropCoder(id);
    id = undefined;
  }
  const coder = () => {
    if (lazy) {
      lazy = false;
      id = newCoder(name, decompress);
      own();
    }
    return id;
  };
  let slots;
  // Frees the host's coder as soon as the stream is done with it.
  const release = () => {
    lazy = false;
    if (id === undefined) return;
    dropCoder(id);
    id = undefined;
  };
  // Enqueues the output of what was pushed, a piece at a time; false when
  // the stream was cancelled while waiting for its reader.
  const drain = async (controller) => {
    for (let out = native.coderPull(id); out !== undefined; out = native.coderPull(id)) {
      // The readable side's high-water mark is 0: -desiredSize pieces wait.
      if (controller.desiredSize <= -CODER_QUEUE) {
        while (slots.backpressure) await slots.backpressureChange.promise;
        if (id === undefined) return false;
      }
      controller.enqueue(out);
    }
    return true;
  };
  const transformer = {
    async transform(chunk, controller) {
      try {
        if (!isBufferSource(chunk)) throw new TypeError(`${what}: chunks must be ArrayBuffer or ArrayBufferView`);
        let bytes = bufferSourceBytes(chunk);
        // Copied when it spans pieces: the writer may change its buffer
        // while the later pieces wait for the reader.
        if (bytes.length > CODER_PIECE) bytes = bytes.slice();
        for (let offset = 0; offset < bytes.length; offset += CODER_PIECE) {
          native.coderPush(coder(), bytes.subarray(offset, offset + CODER_PIECE));
          if (!await drain(controller)) return;
        }
      } catch (e) {
        release();
        throw e; // a QuotaExceededError from the host, or the TypeError
      }
    },
    async flush(controller) {
      try {
        native.coderFinish(coder());
        await drain(controller);
      } finally {
        release();
      }
    },
    cancel() { release(); },
  };
  const stream = new TransformStream(transformer);
  slots = transformSlots(stream);
  // No unregister token: QuickJS holds tokens strongly (the token would keep
  // the transformer alive), and ids are never reused, so a late callback for
  // a coder already dropped does nothing.
  const own = () => {
    coderRegistry.register(transformer, id);
    coderOwners.set(id, new WeakRef(transformer));
  };
  if (!lazy) own();
  return stream;
}

class CompressionStream {
  #transform;
  constructor(format) { this.#transform = compressionTransform(format, false, 'CompressionStream'); }
  get readable() { return this.#transform.readable; }
  get writable() { return this.#transform.writable; }
}

class DecompressionStream {
  #transform;
  constructor(format) { this.#transform = compressionTransform(format, true, 'DecompressionStream'); }
  get readable() { return this.#transform.readable; }
  get writable() { return this.#transform.writable; }
}

for (const cls of [CompressionStream, DecompressionStream]) {
  Object.defineProperty(cls.prototype, Symbol.toStringTag, { value: cls.name, configurable: true });
}

export { CompressionStream, DecompressionStream };
