// The global scope: web APIs as WebIDL installs them (writable,
// configurable, not enumerable), `self`, navigator, performance, and a
// per-instance Math.random.
import * as native from 'nano:native';
import { requiredArguments } from '../webidl/webidl.js';
import { DOMException } from '../webidl/dom_exception.js';
import {
  AbortController, AbortSignal, CustomEvent, ErrorEvent, Event, EventTarget, PromiseRejectionEvent, globalScope, reportError,
} from '../events/events.js';
import { TextDecoder, TextEncoder } from '../encoding/encoding.js';
import { atob, btoa } from '../encoding/base64.js';
import { URL, URLSearchParams } from '../url/url.js';
import { URLPattern } from '../url/url_pattern.js';
import { structuredClone } from '../clone/clone.js';
import { Crypto, CryptoKey, SubtleCrypto, crypto } from '../crypto/crypto.js';
import { console } from '../console/console.js';
import { clearInterval, clearTimeout, queueMicrotask, setInterval, setTimeout } from '../timers/timers.js';
import { ByteLengthQueuingStrategy, CountQueuingStrategy, ReadableStream, ReadableStreamDefaultController, ReadableStreamDefaultReader } from '../streams/readable.js';
import { ReadableByteStreamController, ReadableStreamBYOBReader, ReadableStreamBYOBRequest } from '../streams/byte.js';
import { WritableStream, WritableStreamDefaultController, WritableStreamDefaultWriter } from '../streams/writable.js';
import { TransformStream, TransformStreamDefaultController } from '../streams/transform.js';
import { TextDecoderStream, TextEncoderStream } from '../encoding/text_streams.js';
import { CompressionStream, DecompressionStream } from '../compression/compression.js';
import { DigestStream } from '../crypto/digest_stream.js';
import { Blob, File } from '../blob/blob.js';
import { createObjectURL, revokeObjectURL } from '../blob/blob_url.js';
import { Headers } from '../fetch/headers.js';
import { FormData } from '../fetch/form_data.js';
import { Request, Response, internalConstruction } from '../fetch/request_response.js';
import { fetch } from '../fetch/fetch.js';
import { Performance, PerformanceEntry, PerformanceMark, PerformanceMeasure, performance } from '../timers/performance.js';
import { MessageChannel, MessageEvent, MessagePort } from '../messaging/messaging.js';
import { WebAssembly } from '../webassembly/webassembly.js';
import { Intl } from '../intl/intl.js';


class Navigator {
  constructor(token) { if (token !== internalConstruction) throw new TypeError('Illegal constructor'); }
  get userAgent() { return 'nano/0.1'; }
  get hardwareConcurrency() { return 1; }
  get language() { return 'en-US'; }
  get languages() { return ['en-US']; }
}
const navigator = new Navigator(internalConstruction);


function defineGlobals(entries) {
  for (const [name, value] of Object.entries(entries)) {
    Object.defineProperty(globalThis, name, { value, writable: true, configurable: true, enumerable: false });
  }
}

defineGlobals({
  DOMException, Event, EventTarget, CustomEvent, ErrorEvent, PromiseRejectionEvent, AbortController, AbortSignal,
  Crypto, CryptoKey, SubtleCrypto, Blob, File, FormData,
  ReadableStream, ReadableStreamDefaultReader, ReadableStreamDefaultController, CountQueuingStrategy, ByteLengthQueuingStrategy,
  ReadableStreamBYOBReader, ReadableStreamBYOBRequest, ReadableByteStreamController,
  WritableStream, WritableStreamDefaultWriter, WritableStreamDefaultController, TransformStream,
  TransformStreamDefaultController, TextEncoderStream, TextDecoderStream, CompressionStream, DecompressionStream,
  TextEncoder, TextDecoder, URL, URLSearchParams, URLPattern, Headers, Request, Response, fetch, Performance,
  PerformanceEntry, PerformanceMark, PerformanceMeasure, Navigator, MessageChannel, MessagePort, MessageEvent,
  WebAssembly, Intl, atob, btoa, structuredClone, console, setTimeout, setInterval, clearTimeout, clearInterval, queueMicrotask,
  reportError(err) { requiredArguments(arguments.length, 1, "Failed to execute 'reportError'"); reportError(err); },
  addEventListener(type, listener, options) {
    return globalScope.addEventListener(...arguments);
  },
  removeEventListener(type, listener, options) {
    return globalScope.removeEventListener(...arguments);
  },
  dispatchEvent(event) {
    return globalScope.dispatchEvent(...arguments);
  },
});
// Event handler attributes of the global scope (HTML): the handler runs as
// a listener added when it is first set. `onerror` gets (message, filename,
// lineno, colno, error) and cancels the event by returning true; the
// others get the event and cancel it by returning false.
for (const type of ['error', 'unhandledrejection', 'rejectionhandled']) {
  let handler = null;
  let listening = false;
  const listener = (event) => {
    if (typeof handler !== 'function') return;
    if (type === 'error' && event instanceof ErrorEvent) {
      const result = handler.call(globalThis, event.message, event.filename, event.lineno, event.colno, event.error);
      if (result === true) event.preventDefault();
    } else if (handler.call(globalThis, event) === false) {
      event.preventDefault();
    }
  };
  Object.defineProperty(globalThis, `on${type}`, {
    get: () => handler,
    set: (value) => {
      handler = typeof value === 'function' || (typeof value === 'object' && value !== null) ? value : null;
      if (handler !== null && !listening) {
        listening = true;
        globalScope.addEventListener(type, listener);
      }
    },
    configurable: true,
    enumerable: true,
  });
}
// The File API's static methods of URL (partial interface URL).
for (const method of [createObjectURL, revokeObjectURL]) {
  Object.defineProperty(URL, method.name, { value: method, writable: true, enumerable: true, configurable: true });
}
// Not standard (workerd's): a WritableStream that digests what is written.
Object.defineProperty(crypto, 'DigestStream', { value: DigestStream, writable: true, configurable: true });
for (const [name, value] of [['self', globalThis], ['performance', performance], ['navigator', navigator], ['crypto', crypto]]) {
  Object.defineProperty(globalThis, name, { get: () => value, configurable: true, enumerable: true });
}
Object.defineProperty(Math, 'random', { value: function random() { return native.random(); }, writable: true, configurable: true });

export { defineGlobals };
