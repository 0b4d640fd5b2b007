// crypto.DigestStream (Cloudflare Workers' extension): a WritableStream of
// bytes whose `digest` promise resolves to the ArrayBuffer digest once the
// stream is closed. The host hashes each chunk as it arrives
// (nano:platform/crypto digest-context), so a body is never buffered.
// The host's context of a stream that was never closed goes with the stream.
import * as native from 'nano:native';
import { bufferSourceBytes, isBufferSource, requiredArguments } from '../webidl/webidl.js';
import { HASH_NAMES, algorithmName, cryptoError } from './crypto.js';
import { WritableStream } from '../streams/writable.js';

const digestRegistry = new FinalizationRegistry((context) => { try { native.digestFinish(context); } catch {} });

class DigestStream extends WritableStream {
  #digest;
  constructor(algorithm) {
    requiredArguments(arguments.length, 1, "Failed to construct 'DigestStream'");
    const hash = HASH_NAMES.indexOf(algorithmName(algorithm, 'DigestStream', HASH_NAMES));
    let context;
    try { context = native.digestNew(hash); } catch (e) { throw cryptoError(e); }
    let resolve;
    let reject;
    const digest = new Promise((res, rej) => { resolve = res; reject = rej; });
    digest.catch(() => {}); // nobody need look at it for an aborted stream
    super({
      write(chunk) {
        if (!isBufferSource(chunk)) {
          const error = new TypeError('DigestStream: chunks must be ArrayBuffers or ArrayBufferViews');
          reject(error); // the stream errors, and so does its digest
          native.digestFinish(context); // frees the host's context
          throw error;
        }
        native.digestUpdate(context, bufferSourceBytes(chunk));
      },
      close() { resolve(native.digestFinish(context).buffer); },
      abort(reason) { reject(reason); native.digestFinish(context); },
    });
    this.#digest = digest;
    digestRegistry.register(this, context);
  }
  get digest() { return this.#digest; }
}
Object.defineProperty(DigestStream.prototype, Symbol.toStringTag, { value: 'DigestStream', configurable: true });

export { DigestStream };
