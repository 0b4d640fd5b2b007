// The global scope: web APIs as WebIDL installs them (writable,
// configurable, not enumerable), `self`, navigator, performance, and a
// per-instance Math.random.
import * as native from 'nano:native';
import { requiredArguments } from '../webidl/webidl.js';
import { DOMException } from '../webidl/dom_exception.js';
import { AbortController, AbortSignal, Event, EventTarget, reportError } from '../events/events.js';
import { TextDecoder, TextEncoder } from '../encoding/encoding.js';
import { atob, btoa } from '../encoding/base64.js';
import { URL, URLSearchParams } from '../url/url.js';
import { structuredClone } from '../clone/clone.js';
import { Crypto, CryptoKey, SubtleCrypto, crypto } from '../crypto/crypto.js';
import { console } from '../console/console.js';
import { clearInterval, clearTimeout, queueMicrotask, setInterval, setTimeout, timeOrigin } from '../timers/timers.js';
import { ByteLengthQueuingStrategy, CountQueuingStrategy, ReadableStream, ReadableStreamDefaultController, ReadableStreamDefaultReader } from '../streams/readable.js';
import { ReadableByteStreamController, ReadableStreamBYOBReader, ReadableStreamBYOBRequest } from '../streams/byte.js';
import { WritableStream, WritableStreamDefaultController, WritableStreamDefaultWriter } from '../streams/writable.js';
import { TransformStream, TransformStreamDefaultController } from '../streams/transform.js';
import { TextDecoderStream, TextEncoderStream } from '../encoding/text_streams.js';
import { CompressionStream, DecompressionStream } from '../compression/compression.js';
import { DigestStream } from '../crypto/digest_stream.js';
import { Blob, File } from '../blob/blob.js';
import { Headers } from '../fetch/headers.js';
import { FormData } from '../fetch/form_data.js';
import { Request, Response, internalConstruction } from '../fetch/request_response.js';
import { fetch } from '../fetch/fetch.js';


class Performance extends EventTarget {
  constructor(token) {
    if (token !== internalConstruction) throw new TypeError('Illegal constructor');
    super();
  }
  now() { return native.now() - timeOrigin.value; }
  get timeOrigin() { return timeOrigin.epoch; }
  toJSON() { return { timeOrigin: this.timeOrigin }; }
}
const performance = new Performance(internalConstruction);

class Navigator {
  constructor(token) { if (token !== internalConstruction) throw new TypeError('Illegal constructor'); }
  get userAgent() { return 'nano/0.1'; }
  get hardwareConcurrency() { return 1; }
  get language() { return 'en-US'; }
  get languages() { return ['en-US']; }
}
const navigator = new Navigator(internalConstruction);

// The global scope is an EventTarget (for `addEventListener('fetch', ...)`).
const globalEventTarget = new EventTarget();

function defineGlobals(entries) {
  for (const [name, value] of Object.entries(entries)) {
    Object.defineProperty(globalThis, name, { value, writable: true, configurable: true, enumerable: false });
  }
}

defineGlobals({
  DOMException, Event, EventTarget, AbortController, AbortSignal,
  Crypto, CryptoKey, SubtleCrypto, Blob, File, FormData,
  ReadableStream, ReadableStreamDefaultReader, ReadableStreamDefaultController, CountQueuingStrategy, ByteLengthQueuingStrategy,
  ReadableStreamBYOBReader, ReadableStreamBYOBRequest, ReadableByteStreamController,
  WritableStream, WritableStreamDefaultWriter, WritableStreamDefaultController, TransformStream,
  TransformStreamDefaultController, TextEncoderStream, TextDecoderStream, CompressionStream, DecompressionStream,
  TextEncoder, TextDecoder, URL, URLSearchParams, Headers, Request, Response, fetch, Performance, Navigator,
  atob, btoa, structuredClone, console, setTimeout, setInterval, clearTimeout, clearInterval, queueMicrotask,
  reportError(err) { requiredArguments(arguments.length, 1, "Failed to execute 'reportError'"); reportError(err); },
  addEventListener(type, listener, options) {
    return globalEventTarget.addEventListener(...arguments);
  },
  removeEventListener(type, listener, options) {
    return globalEventTarget.removeEventListener(...arguments);
  },
  dispatchEvent(event) {
    return globalEventTarget.dispatchEvent(...arguments);
  },
});
// Not standard (workerd's): a WritableStream that digests what is written.
Object.defineProperty(crypto, 'DigestStream', { value: DigestStream, writable: true, configurable: true });
for (const [name, value] of [['self', globalThis], ['performance', performance], ['navigator', navigator], ['crypto', crypto]]) {
  Object.defineProperty(globalThis, name, { get: () => value, configurable: true, enumerable: true });
}
Object.defineProperty(Math, 'random', { value: function random() { return native.random(); }, writable: true, configurable: true });

export { defineGlobals, globalEventTarget };
