// TextEncoderStream / TextDecoderStream (Encoding Standard), on TransformStream.
import { isBufferSource } from '../webidl/webidl.js';
import { TextDecoder, TextEncoder } from './encoding.js';
import { TransformStream } from '../streams/transform.js';


class TextEncoderStream {
  #transform;
  constructor() {
    let pendingHigh = '';
    const encoder = new TextEncoder();
    this.#transform = new TransformStream({
      transform(chunk, controller) {
        let text = pendingHigh + String(chunk);
        pendingHigh = '';
        // A lead surrogate at the end may pair with the next chunk.
        const last = text.charCodeAt(text.length - 1);
        if (last >= 0xd800 && last <= 0xdbff) { pendingHigh = text.slice(-1); text = text.slice(0, -1); }
        if (text.length) controller.enqueue(encoder.encode(text));
      },
      flush(controller) { if (pendingHigh) controller.enqueue(encoder.encode(pendingHigh)); },
    });
  }
  get encoding() { return 'utf-8'; }
  get readable() { return this.#transform.readable; }
  get writable() { return this.#transform.writable; }
}

class TextDecoderStream {
  #transform; #decoder;
  constructor(label = 'utf-8', options = undefined) {
    const decoder = new TextDecoder(label, options);
    this.#decoder = decoder;
    this.#transform = new TransformStream({
      transform(chunk, controller) {
        if (!isBufferSource(chunk)) throw new TypeError('TextDecoderStream: chunks must be ArrayBuffer or ArrayBufferView');
        const text = decoder.decode(chunk, { stream: true });
        if (text) controller.enqueue(text);
      },
      flush(controller) {
        const text = decoder.decode();
        if (text) controller.enqueue(text);
      },
    });
  }
  get encoding() { return this.#decoder.encoding; }
  get fatal() { return this.#decoder.fatal; }
  get ignoreBOM() { return this.#decoder.ignoreBOM; }
  get readable() { return this.#transform.readable; }
  get writable() { return this.#transform.writable; }
}


for (const cls of [TextEncoderStream, TextDecoderStream]) {
  Object.defineProperty(cls.prototype, Symbol.toStringTag, { value: cls.name, configurable: true });
}

export { TextDecoderStream, TextEncoderStream };
