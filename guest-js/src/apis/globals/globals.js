// The global scope: web APIs as WebIDL installs them (writable,
// configurable, not enumerable), `self`, navigator, performance, and a
// per-instance Math.random.
const timeOrigin = { value: native.now(), epoch: Date.now() };

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
for (const [name, value] of [['self', globalThis], ['performance', performance], ['navigator', navigator], ['crypto', crypto]]) {
  Object.defineProperty(globalThis, name, { get: () => value, configurable: true, enumerable: true });
}
Object.defineProperty(Math, 'random', { value: function random() { return native.random(); }, writable: true, configurable: true });
