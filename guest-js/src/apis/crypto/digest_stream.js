// crypto.DigestStream (Cloudflare Workers' extension): a WritableStream of
// bytes whose `digest` promise resolves to the ArrayBuffer digest once the
// stream is closed. The host hashes each chunk as it arrives
// (nano:platform/crypto digest-context), so a body is never buffered.
import * as native from 'nano:native';
import { bufferSourceBytes, isBufferSource, requiredArguments } from '../webidl/webidl.js';
import { HASH_NAMES, WIT_HASH, algorithmName } from './crypto.js';
import { WritableStream } from '../streams/writable.js';

// The host's context of a stream that was never closed goes with the stream.
// One made by top-level code (build time) gets its context on first use: the
// snapshot can hold no host object, and each request then hashes into a
// context of its own.
const digestRegistry = new FinalizationRegistry((context) => { try { native.digestFinish(context); } catch {} });

class DigestStream extends WritableStream {
  #digest;
  constructor(algorithm) {
    requiredArguments(arguments.length, 1, "Failed to construct 'DigestStream'");
    const hash = WIT_HASH[algorithmName(algorithm, 'DigestStream', HASH_NAMES)];
    let context;
    let owner;
    const open = () => {
      try { context = native.digestNew(hash); } catch (e) {
        reject(e);
        throw e;
      }
      digestRegistry.register(owner, context);
    };
    let resolve;
    let reject;
    const digest = new Promise((res, rej) => { resolve = res; reject = rej; });
    digest.catch(() => {}); // nobody need look at it for an aborted stream
    super({
      write(chunk) {
        if (!isBufferSource(chunk)) {
          const error = new TypeError('DigestStream: chunks must be ArrayBuffers or ArrayBufferViews');
          reject(error); // the stream errors, and so does its digest
          if (context !== undefined) native.digestFinish(context); // frees the host's context
          throw error;
        }
        if (context === undefined) open();
        native.digestUpdate(context, bufferSourceBytes(chunk));
      },
      close() {
        if (context === undefined) open();
        resolve(native.digestFinish(context).buffer);
      },
      abort(reason) {
        reject(reason);
        if (context !== undefined) native.digestFinish(context);
      },
    });
    owner = this;
    this.#digest = digest;
    if (!native.atBuildTime()) open();
  }
  get digest() { return this.#digest; }
}
Object.defineProperty(DigestStream.prototype, Symbol.toStringTag, { value: 'DigestStream', configurable: true });

export { DigestStream };
