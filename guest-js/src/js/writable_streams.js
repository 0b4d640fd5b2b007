// WritableStream, TransformStream, pipeTo / pipeThrough (WHATWG Streams),
// and TextEncoderStream / TextDecoderStream on top of them.
class WritableStreamDefaultController {
  #stream; #abortController = new AbortController();
  constructor(token, stream) {
    if (token !== streamToken) throw new TypeError('Illegal constructor');
    this.#stream = stream;
  }
  get signal() { return this.#abortController.signal; }
  error(e = undefined) { writableOps.error(this.#stream, e); }
  static _abort(controller, reason) { controller.#abortController.abort(reason); }
}
const abortWritableSignal = WritableStreamDefaultController._abort;
delete WritableStreamDefaultController._abort;

let writableOps;

class WritableStreamDefaultWriter {
  #stream;
  constructor(stream) {
    requiredArguments(arguments.length, 1, "Failed to construct 'WritableStreamDefaultWriter'");
    if (!(stream instanceof WritableStream)) throw new TypeError("Failed to construct 'WritableStreamDefaultWriter': parameter 1 is not of type 'WritableStream'.");
    if (stream.locked) throw new TypeError('This stream is already locked to a writer');
    this.#stream = stream;
    writableOps.attach(stream, this);
  }
  #check(what) {
    if (this.#stream === null) throw new TypeError(`Cannot ${what}: the writer has been released`);
    return this.#stream;
  }
  get closed() { return this.#stream === null ? Promise.reject(new TypeError('The writer has been released')) : writableOps.closed(this.#stream); }
  get ready() { return this.#stream === null ? Promise.reject(new TypeError('The writer has been released')) : writableOps.ready(this.#stream); }
  get desiredSize() { return writableOps.desiredSize(this.#check('read desiredSize')); }
  write(chunk = undefined) {
    try { return writableOps.write(this.#check('write'), chunk); } catch (e) { return Promise.reject(e); }
  }
  close() {
    try { return writableOps.close(this.#check('close')); } catch (e) { return Promise.reject(e); }
  }
  abort(reason = undefined) {
    try { return writableOps.abort(this.#check('abort'), reason); } catch (e) { return Promise.reject(e); }
  }
  releaseLock() {
    if (this.#stream === null) return;
    writableOps.detach(this.#stream);
    this.#stream = null;
  }
}

class WritableStream {
  #state = 'writable'; // writable | erroring | errored | closed
  #storedError = undefined;
  #writer = null;
  #controller;
  #sink;
  #hwm;
  #size;
  #queue = []; // { chunk, size, resolve, reject } or { close: true, resolve, reject }
  #queueSize = 0;
  #inFlight = null;
  #started = false;
  #closeRequested = false;
  #pendingAbort = null;
  #ready = Promise.resolve(undefined);
  #readySettle = null;
  #closed;
  #resolveClosed;
  #rejectClosed;

  constructor(underlyingSink = undefined, strategy = undefined) {
    const sink = underlyingSink == null ? {} : underlyingSink;
    const s = strategy == null ? {} : strategy;
    if (sink.type !== undefined) throw new RangeError("Failed to construct 'WritableStream': invalid type");
    for (const name of ['start', 'write', 'close', 'abort']) {
      if (sink[name] !== undefined && typeof sink[name] !== 'function') throw new TypeError(`Failed to construct 'WritableStream': ${name} must be a function`);
    }
    const hwm = s.highWaterMark === undefined ? 1 : Number(s.highWaterMark);
    if (Number.isNaN(hwm) || hwm < 0) throw new RangeError("Failed to construct 'WritableStream': invalid highWaterMark");
    this.#hwm = hwm;
    this.#size = s.size;
    this.#sink = sink;
    if (hwm === 0) this.#setReadyPending();
    this.#closed = new Promise((resolve, reject) => { this.#resolveClosed = resolve; this.#rejectClosed = reject; });
    this.#closed.catch(() => {});
    this.#controller = new WritableStreamDefaultController(streamToken, this);
    let start;
    try { start = sink.start ? sink.start.call(sink, this.#controller) : undefined; } catch (e) { this.#error(e); throw e; }
    Promise.resolve(start).then(() => { this.#started = true; this.#advance(); }, (e) => { this.#started = true; this.#error(e); });
  }
  get locked() { return this.#writer !== null; }
  getWriter() { return new WritableStreamDefaultWriter(this); }
  abort(reason = undefined) {
    if (this.locked) return Promise.reject(new TypeError('Cannot abort a stream that is locked to a writer'));
    return this.#abort(reason);
  }
  close() {
    if (this.locked) return Promise.reject(new TypeError('Cannot close a stream that is locked to a writer'));
    return this.#close();
  }

  #desiredSize() {
    if (this.#state === 'errored' || this.#state === 'erroring') return null;
    if (this.#state === 'closed') return 0;
    return this.#hwm - this.#queueSize;
  }
  #write(chunk) {
    if (this.#state === 'errored' || this.#state === 'erroring') return Promise.reject(this.#storedError);
    if (this.#closeRequested || this.#state === 'closed') return Promise.reject(new TypeError('The stream is closing or closed'));
    let size = 1;
    if (this.#size !== undefined) {
      try { size = Number(this.#size(chunk)); } catch (e) { this.#error(e); return Promise.reject(e); }
    }
    if (Number.isNaN(size) || size < 0 || size === Infinity) {
      const e = new RangeError('The size of a chunk must be a finite, non-negative number');
      this.#error(e);
      return Promise.reject(e);
    }
    const promise = new Promise((resolve, reject) => this.#queue.push({ chunk, size, resolve, reject }));
    this.#queueSize += size;
    this.#backpressureChanged();
    this.#advance();
    return promise;
  }
  // writer.ready: pending while there is backpressure.
  #setReadyPending() {
    if (this.#readySettle !== null) return;
    this.#ready = new Promise((resolve, reject) => { this.#readySettle = { resolve, reject }; });
    this.#ready.catch(() => {});
  }
  #setReadyResolved() {
    if (this.#readySettle === null) return;
    this.#readySettle.resolve(undefined);
    this.#readySettle = null;
  }
  #setReadyRejected(e) {
    if (this.#readySettle !== null) {
      this.#readySettle.reject(e);
      this.#readySettle = null;
    } else {
      this.#ready = Promise.reject(e);
      this.#ready.catch(() => {});
    }
  }
  #backpressureChanged() {
    const desired = this.#desiredSize();
    if (desired === null) return;
    if (desired <= 0 && !this.#closeRequested) this.#setReadyPending();
    else this.#setReadyResolved();
  }
  #close() {
    if (this.#state === 'closed' || this.#state === 'errored') return Promise.reject(new TypeError('The stream is already closed or errored'));
    if (this.#closeRequested) return Promise.reject(new TypeError('The stream is already closing'));
    this.#closeRequested = true;
    const promise = new Promise((resolve, reject) => this.#queue.push({ close: true, resolve, reject }));
    if (this.#state === 'writable') this.#setReadyResolved();
    this.#advance();
    return promise;
  }
  #advance() {
    if (!this.#started || this.#inFlight !== null) return;
    if (this.#state === 'erroring') { this.#finishErroring(); return; }
    if (this.#state !== 'writable' || this.#queue.length === 0) return;
    const item = this.#queue[0];
    this.#inFlight = item;
    const sink = this.#sink;
    let result;
    try {
      result = item.close
        ? (sink.close ? sink.close.call(sink) : undefined)
        : (sink.write ? sink.write.call(sink, item.chunk, this.#controller) : undefined);
    } catch (e) { result = Promise.reject(e); }
    Promise.resolve(result).then(() => {
      this.#inFlight = null;
      this.#queue.shift();
      item.resolve(undefined);
      if (item.close) {
        this.#state = 'closed';
        this.#resolveClosed(undefined);
        return;
      }
      this.#queueSize -= item.size;
      if (this.#queue.length === 0) this.#queueSize = 0;
      this.#backpressureChanged();
      this.#advance();
    }, (e) => {
      this.#inFlight = null;
      this.#queue.shift();
      item.reject(e);
      this.#error(e);
      if (this.#state === 'erroring') this.#finishErroring();
    });
  }
  // Starts erroring: later writes fail; the queue is rejected once nothing
  // is in flight.
  #error(e) {
    if (this.#state !== 'writable') return;
    this.#state = 'erroring';
    this.#storedError = e;
    this.#setReadyRejected(e);
    abortWritableSignal(this.#controller, e);
    if (this.#inFlight === null && this.#started) this.#finishErroring();
  }
  #finishErroring() {
    this.#state = 'errored';
    const e = this.#storedError;
    for (const item of this.#queue.splice(0)) item.reject(e);
    this.#queueSize = 0;
    this.#rejectClosed(e);
    const abort = this.#pendingAbort;
    this.#pendingAbort = null;
    if (abort !== null) {
      const sink = this.#sink;
      let result;
      try { result = sink.abort ? sink.abort.call(sink, abort.reason) : undefined; } catch (err) { result = Promise.reject(err); }
      Promise.resolve(result).then(() => abort.resolve(undefined), abort.reject);
    }
  }
  #abort(reason) {
    if (this.#state === 'closed' || this.#state === 'errored') return Promise.resolve(undefined);
    if (this.#pendingAbort !== null) return this.#pendingAbort.promise;
    const abort = { reason };
    abort.promise = new Promise((resolve, reject) => { abort.resolve = resolve; abort.reject = reject; });
    this.#pendingAbort = abort;
    if (this.#state === 'writable') this.#error(reason);
    else if (this.#inFlight === null) this.#finishErroring();
    return abort.promise;
  }
  static {
    writableOps = {
      attach: (s, writer) => { s.#writer = writer; },
      detach: (s) => { s.#writer = null; },
      closed: (s) => s.#closed,
      ready: (s) => s.#ready,
      desiredSize: (s) => s.#desiredSize(),
      write: (s, chunk) => s.#write(chunk),
      close: (s) => s.#close(),
      abort: (s, reason) => s.#abort(reason),
      error: (s, e) => s.#error(e),
      state: (s) => s.#state,
    };
  }
}

class TransformStreamDefaultController {
  #enqueue; #error; #terminate; #desiredSize;
  constructor(token, enqueue, error, terminate, desiredSize) {
    if (token !== streamToken) throw new TypeError('Illegal constructor');
    this.#enqueue = enqueue;
    this.#error = error;
    this.#terminate = terminate;
    this.#desiredSize = desiredSize;
  }
  get desiredSize() { return this.#desiredSize(); }
  enqueue(chunk = undefined) { this.#enqueue(chunk); }
  error(reason = undefined) { this.#error(reason); }
  terminate() { this.#terminate(); }
}

// A writable side whose writes run the transformer, and a readable side
// whose reader pulls them; a write waits while the readable side is full.
class TransformStream {
  #readable; #writable;
  constructor(transformer = undefined, writableStrategy = undefined, readableStrategy = undefined) {
    const t = transformer == null ? {} : transformer;
    if (t.readableType !== undefined || t.writableType !== undefined) throw new RangeError("Failed to construct 'TransformStream': invalid type");
    for (const name of ['start', 'transform', 'flush', 'cancel']) {
      if (t[name] !== undefined && typeof t[name] !== 'function') throw new TypeError(`Failed to construct 'TransformStream': ${name} must be a function`);
    }
    let readableController;
    let backpressure = null; // { promise, resolve } while the readable side is full
    const updateBackpressure = () => {
      const full = readableController.desiredSize !== null && readableController.desiredSize <= 0;
      if (full && backpressure === null) {
        let resolve;
        const promise = new Promise((r) => { resolve = r; });
        backpressure = { promise, resolve };
      } else if (!full && backpressure !== null) {
        backpressure.resolve();
        backpressure = null;
      }
    };
    let writableController = null;
    const errorBoth = (e) => {
      try { readableController.error(e); } catch {}
      if (writableController !== null) writableController.error(e);
      if (backpressure !== null) { backpressure.resolve(); backpressure = null; }
    };
    const controller = new TransformStreamDefaultController(streamToken,
      (chunk) => {
        if (!streamOps.canCloseOrEnqueue(this.#readable)) throw new TypeError('The readable side is closed or errored');
        readableController.enqueue(chunk);
        updateBackpressure();
      },
      errorBoth,
      () => {
        if (streamOps.canCloseOrEnqueue(this.#readable)) readableController.close();
        if (writableController !== null) writableController.error(new TypeError('The transform stream was terminated'));
      },
      () => readableController.desiredSize);
    // Both sides start once the transformer has started.
    let startTransformer;
    const startPromise = new Promise((resolve) => { startTransformer = resolve; });
    const readableSide = () => this.#readable;
    this.#readable = new ReadableStream({
      start(c) { readableController = c; return startPromise; },
      // A pull means the consumer wants data: release the writer.
      pull() {
        if (backpressure !== null) { backpressure.resolve(); backpressure = null; }
      },
      cancel(reason) {
        if (writableController !== null) writableController.error(reason);
        return t.cancel ? t.cancel.call(t, reason) : undefined;
      },
    }, readableStrategy === undefined ? { highWaterMark: 0 } : readableStrategy);
    this.#writable = new WritableStream({
      start(c) { writableController = c; return startPromise; },
      // A failing transform or flush errors both sides.
      async write(chunk) {
        if (backpressure !== null) await backpressure.promise;
        try {
          if (t.transform) await t.transform.call(t, chunk, controller);
          else controller.enqueue(chunk);
        } catch (e) {
          errorBoth(e);
          throw e;
        }
      },
      async close() {
        try {
          if (t.flush) await t.flush.call(t, controller);
        } catch (e) {
          errorBoth(e);
          throw e;
        }
        if (streamOps.canCloseOrEnqueue(readableSide())) readableController.close();
      },
      abort(reason) { errorBoth(reason); return t.cancel ? t.cancel.call(t, reason) : undefined; },
    }, writableStrategy);
    updateBackpressure();
    startTransformer(t.start ? t.start.call(t, controller) : undefined);
  }
  get readable() { return this.#readable; }
  get writable() { return this.#writable; }
}

// pipeTo: read from `source`, write to `dest`, as the standard's pipe loop
// does, honouring the prevent* options and an AbortSignal.
function pipeStream(source, dest, options) {
  if (!(dest instanceof WritableStream)) return Promise.reject(new TypeError('pipeTo: the destination is not a WritableStream'));
  const o = options == null ? {} : options;
  const preventClose = !!o.preventClose, preventAbort = !!o.preventAbort, preventCancel = !!o.preventCancel;
  const signal = o.signal;
  if (signal !== undefined && !(signal instanceof AbortSignal)) return Promise.reject(new TypeError('pipeTo: signal is not an AbortSignal'));
  if (source.locked) return Promise.reject(new TypeError('pipeTo: the source is locked'));
  if (dest.locked) return Promise.reject(new TypeError('pipeTo: the destination is locked'));
  const reader = source.getReader();
  const writer = dest.getWriter();
  return new Promise((resolve, reject) => {
    let done = false;
    const finish = (error, hasError) => {
      if (done) return;
      done = true;
      writer.releaseLock();
      reader.releaseLock();
      if (hasError) reject(error); else resolve(undefined);
    };
    const shutdown = (action, error, hasError) => {
      if (done) return;
      Promise.resolve().then(action).then(() => finish(error, hasError), (e) => finish(e, true));
    };
    if (signal !== undefined) {
      const onAbort = () => {
        const reason = signal.reason;
        shutdown(() => Promise.all([
          !preventAbort && writableOps.state(dest) === 'writable' ? writer.abort(reason) : undefined,
          !preventCancel && streamOps.state(source) === 'readable' ? reader.cancel(reason) : undefined,
        ]), reason, true);
      };
      if (signal.aborted) { onAbort(); return; }
      signal.addEventListener('abort', onAbort, { once: true });
    }
    writer.closed.catch((e) => {
      shutdown(() => (preventCancel ? undefined : reader.cancel(e)), e, true);
    });
    const loop = async () => {
      for (;;) {
        if (done) return;
        await writer.ready;
        const { value, done: ended } = await reader.read();
        if (done) return;
        if (ended) {
          shutdown(() => (preventClose ? undefined : writer.close()), undefined, false);
          return;
        }
        writer.write(value).catch(() => {});
      }
    };
    loop().catch((e) => {
      if (streamOps.state(source) === 'errored') {
        shutdown(() => (preventAbort ? undefined : writer.abort(e)), e, true);
      } else {
        shutdown(() => (preventCancel ? undefined : reader.cancel(e)), e, true);
      }
    });
  });
}

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

// CompressionStream / DecompressionStream (Compression Standard): the
// (de)compression runs in the host, chunk by chunk.
function compressionTransform(format, decompress, what) {
  requiredArguments(format === undefined ? 0 : 1, 1, `Failed to construct '${what}'`);
  const id = native.coderNew(String(format), decompress);
  return new TransformStream({
    transform(chunk, controller) {
      if (!isBufferSource(chunk)) throw new TypeError(`${what}: chunks must be ArrayBuffer or ArrayBufferView`);
      const out = native.coderPush(id, bufferSourceBytes(chunk));
      if (out.length) controller.enqueue(out);
    },
    flush(controller) {
      const out = native.coderFinish(id);
      if (out.length) controller.enqueue(out);
    },
  });
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

for (const cls of [WritableStream, WritableStreamDefaultWriter, WritableStreamDefaultController, TransformStream,
  TransformStreamDefaultController, TextEncoderStream, TextDecoderStream, CompressionStream, DecompressionStream]) {
  Object.defineProperty(cls.prototype, Symbol.toStringTag, { value: cls.name, configurable: true });
}
