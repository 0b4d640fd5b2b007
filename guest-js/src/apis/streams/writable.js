// WritableStream, TransformStream, pipeTo / pipeThrough (WHATWG Streams),
// and TextEncoderStream / TextDecoderStream on top of them. The internal
// algorithms follow the standard's; their names are in the comments.

// Promise reactions through the intrinsic `then`, so that user code that
// patches Promise.prototype.then cannot observe the internals.
const promiseThen = Promise.prototype.then;
const noop = () => {};
function uponPromise(promise, onFulfilled, onRejected) {
  return Reflect.apply(promiseThen, promise, [onFulfilled, onRejected]);
}
function markHandled(promise) {
  Reflect.apply(promiseThen, promise, [undefined, noop]);
  return promise;
}
// "A new promise" with its resolving functions; settles once. A class with
// no closure over itself: one is made per chunk, and a reference cycle would
// keep each alive until the cycle collector runs.
class Deferred {
  constructor() {
    this.pending = true;
    this.promise = new Promise((resolve, reject) => { this.settle = [resolve, reject]; });
  }
  resolve(v) {
    if (!this.pending) return;
    this.pending = false;
    const [resolve] = this.settle;
    this.settle = undefined;
    resolve(v);
  }
  reject(e) {
    if (!this.pending) return;
    this.pending = false;
    const [, reject] = this.settle;
    this.settle = undefined;
    reject(e);
  }
}
function newDeferred() { return new Deferred(); }
function settledDeferred(rejected, value) {
  const d = newDeferred();
  if (rejected) { markHandled(d.promise); d.reject(value); } else d.resolve(value);
  return d;
}
// WebIDL's "a promise resolved with x": always a new promise, so a promise
// x adopts its state a couple of jobs later (unlike Promise.resolve(x));
// the relative order of reactions depends on it.
function promiseResolvedWith(x) { return new Promise((resolve) => resolve(x)); }
// Invokes a callback whose result is a promise: a throw becomes a rejection.
// The standard wraps the result in "a promise resolved with" it, as
// transformer callbacks do here. Underlying sink callbacks use
// Promise.resolve instead, like the underlying source callbacks in
// streams.js: where a sink's and a source's promises race (a pipe's abort
// and cancel) they must take the same number of jobs.
function promiseCall(fn, thisArg, args) {
  try { return promiseResolvedWith(Reflect.apply(fn, thisArg, args)); } catch (e) { return Promise.reject(e); }
}
function sinkCall(fn, thisArg, args) {
  try { return Promise.resolve(Reflect.apply(fn, thisArg, args)); } catch (e) { return Promise.reject(e); }
}
const resolvedUndefined = () => Promise.resolve(undefined);

// The QueuingStrategy dictionary (converted at the IDL layer, so before the
// underlying sink or transformer): highWaterMark, then size.
function queuingStrategyInit(strategy, what) {
  if (strategy === undefined || strategy === null) return { highWaterMark: undefined, size: undefined };
  if (typeof strategy !== 'object' && typeof strategy !== 'function') throw new TypeError(`${what}: the strategy is not an object`);
  let highWaterMark = strategy.highWaterMark;
  if (highWaterMark !== undefined) highWaterMark = +highWaterMark;
  const size = strategy.size;
  if (size !== undefined && typeof size !== 'function') throw new TypeError(`${what}: size must be a function`);
  return { highWaterMark, size };
}
// ExtractHighWaterMark
function extractHighWaterMark(init, defaultHWM, what) {
  if (init.highWaterMark === undefined) return defaultHWM;
  const hwm = init.highWaterMark;
  if (Number.isNaN(hwm) || hwm < 0) throw new RangeError(`${what}: invalid highWaterMark`);
  return hwm;
}
// ExtractSizeAlgorithm: size is a callback, invoked without a `this`.
function extractSizeAlgorithm(init) {
  const size = init.size;
  if (size === undefined) return () => 1;
  return (chunk) => +Reflect.apply(size, undefined, [chunk]);
}
// Reads the named callback members of a dictionary, in the given order.
function dictionaryMembers(dict, names, what) {
  const out = {};
  if (dict === undefined || dict === null) return out;
  if (typeof dict !== 'object' && typeof dict !== 'function') throw new TypeError(`${what}: parameter 1 is not an object`);
  for (const [name, isCallback] of names) {
    const value = dict[name];
    if (isCallback && value !== undefined && typeof value !== 'function') throw new TypeError(`${what}: ${name} must be a function`);
    out[name] = value;
  }
  return out;
}

let writableOps;
let writerOps;

class WritableStreamDefaultController {
  #stream; #abortController = new AbortController();
  constructor(token, stream) {
    if (token !== streamToken) throw new TypeError('Illegal constructor');
    this.#stream = stream;
  }
  get signal() { return this.#abortController.signal; }
  error(e = undefined) {
    if (writableOps.state(this.#stream) !== 'writable') return;
    writableOps.controllerError(this.#stream, e);
  }
  static _abort(controller, reason) { controller.#abortController.abort(reason); }
}
const abortWritableSignal = WritableStreamDefaultController._abort;
delete WritableStreamDefaultController._abort;

class WritableStreamDefaultWriter {
  #stream = undefined;
  #closedPromise; // deferreds (newDeferred)
  #readyPromise;
  constructor(stream) {
    requiredArguments(arguments.length, 1, "Failed to construct 'WritableStreamDefaultWriter'");
    if (!isWritableStream(stream)) throw new TypeError("Failed to construct 'WritableStreamDefaultWriter': parameter 1 is not of type 'WritableStream'.");
    // SetUpWritableStreamDefaultWriter
    if (writableOps.locked(stream)) throw new TypeError('This stream is already locked to a writer');
    this.#stream = stream;
    writableOps.attach(stream, this);
    const state = writableOps.state(stream);
    if (state === 'writable') {
      const pending = !writableOps.closeQueuedOrInFlight(stream) && writableOps.backpressure(stream);
      this.#readyPromise = pending ? newDeferred() : settledDeferred(false, undefined);
      this.#closedPromise = newDeferred();
      markHandled(this.#closedPromise.promise);
    } else if (state === 'erroring') {
      this.#readyPromise = settledDeferred(true, writableOps.storedError(stream));
      this.#closedPromise = newDeferred();
      markHandled(this.#closedPromise.promise);
    } else if (state === 'closed') {
      this.#readyPromise = settledDeferred(false, undefined);
      this.#closedPromise = settledDeferred(false, undefined);
    } else {
      const storedError = writableOps.storedError(stream);
      this.#readyPromise = settledDeferred(true, storedError);
      this.#closedPromise = settledDeferred(true, storedError);
    }
  }
  get closed() {
    if (!(#stream in this)) return Promise.reject(new TypeError('Illegal invocation'));
    return this.#closedPromise.promise;
  }
  get ready() {
    if (!(#stream in this)) return Promise.reject(new TypeError('Illegal invocation'));
    return this.#readyPromise.promise;
  }
  get desiredSize() {
    if (this.#stream === undefined) throw new TypeError('Cannot read desiredSize: the writer has been released');
    return writableOps.writerDesiredSize(this.#stream);
  }
  write(chunk = undefined) {
    if (!(#stream in this)) return Promise.reject(new TypeError('Illegal invocation'));
    if (this.#stream === undefined) return Promise.reject(new TypeError('Cannot write: the writer has been released'));
    return writableOps.writerWrite(this.#stream, this, chunk);
  }
  close() {
    if (!(#stream in this)) return Promise.reject(new TypeError('Illegal invocation'));
    const stream = this.#stream;
    if (stream === undefined) return Promise.reject(new TypeError('Cannot close: the writer has been released'));
    if (writableOps.closeQueuedOrInFlight(stream)) return Promise.reject(new TypeError('The stream is already closing'));
    return writableOps.close(stream);
  }
  abort(reason = undefined) {
    if (!(#stream in this)) return Promise.reject(new TypeError('Illegal invocation'));
    if (this.#stream === undefined) return Promise.reject(new TypeError('Cannot abort: the writer has been released'));
    return writableOps.abort(this.#stream, reason);
  }
  releaseLock() {
    if (this.#stream === undefined) return;
    this.#release();
  }
  // WritableStreamDefaultWriterRelease: both promises reject with one error.
  #release() {
    const releasedError = new TypeError('The writer has been released');
    this.#ensureReadyRejected(releasedError);
    this.#ensureClosedRejected(releasedError);
    writableOps.detach(this.#stream);
    this.#stream = undefined;
  }
  #ensureReadyRejected(e) {
    if (this.#readyPromise.pending) { markHandled(this.#readyPromise.promise); this.#readyPromise.reject(e); }
    else this.#readyPromise = settledDeferred(true, e);
  }
  #ensureClosedRejected(e) {
    if (this.#closedPromise.pending) this.#closedPromise.reject(e);
    else this.#closedPromise = settledDeferred(true, e);
  }
  static {
    writerOps = {
      ensureReadyRejected: (w, e) => w.#ensureReadyRejected(e),
      resetReady: (w) => { w.#readyPromise = newDeferred(); },
      resolveReady: (w) => w.#readyPromise.resolve(undefined),
      rejectClosed: (w, e) => w.#closedPromise.reject(e),
      resolveClosed: (w) => w.#closedPromise.resolve(undefined),
      readyPromise: (w) => w.#readyPromise.promise,
      closedPromise: (w) => w.#closedPromise.promise,
      release: (w) => w.#release(),
      stream: (w) => w.#stream,
    };
  }
}

const closeSentinel = Symbol('close');
function isWritableStream(x) { return writableOps.is(x); }

class WritableStream {
  #state = 'writable'; // writable | erroring | errored | closed
  #storedError = undefined;
  #writer = undefined;
  #controller;
  #writeRequests = []; // deferreds
  #inFlightWriteRequest = undefined;
  #closeRequest = undefined;
  #inFlightCloseRequest = undefined;
  #pendingAbortRequest = undefined; // a deferred with reason, wasAlreadyErroring
  #backpressure = false;
  // WritableStreamDefaultController's slots (the controller object is a facade).
  #queue = []; // { value, size }; value closeSentinel for the close
  #queueTotalSize = 0;
  #started = false;
  #hwm;
  #sizeAlgorithm;
  #writeAlgorithm;
  #closeAlgorithm;
  #abortAlgorithm;

  constructor(underlyingSink = undefined, strategy = undefined) {
    // CreateWritableStream (TransformStream's writable side): algorithms given.
    if (underlyingSink === streamToken) {
      const a = strategy;
      this.#setUp(a.start, a.write, a.close, a.abort, a.highWaterMark, a.size);
      return;
    }
    const what = "Failed to construct 'WritableStream'";
    const init = queuingStrategyInit(strategy, what);
    const sink = underlyingSink === null ? undefined : underlyingSink;
    const { abort, close, start, type, write } = dictionaryMembers(sink,
      [['abort', true], ['close', true], ['start', true], ['type', false], ['write', true]], what);
    if (type !== undefined) throw new RangeError(`${what}: invalid type`);
    const sizeAlgorithm = extractSizeAlgorithm(init);
    const hwm = extractHighWaterMark(init, 1, what);
    // SetUpWritableStreamDefaultControllerFromUnderlyingSink: the methods
    // were read once above and are invoked with the sink as `this`.
    this.#setUp(
      start ? () => Reflect.apply(start, sink, [this.#controller]) : noop,
      write ? (chunk) => sinkCall(write, sink, [chunk, this.#controller]) : resolvedUndefined,
      close ? () => sinkCall(close, sink, []) : resolvedUndefined,
      abort ? (reason) => sinkCall(abort, sink, [reason]) : resolvedUndefined,
      hwm, sizeAlgorithm);
  }
  get locked() {
    if (!(#state in this)) throw new TypeError('Illegal invocation');
    return this.#writer !== undefined;
  }
  getWriter() {
    if (!(#state in this)) throw new TypeError('Illegal invocation');
    return new WritableStreamDefaultWriter(this);
  }
  abort(reason = undefined) {
    if (!(#state in this)) return Promise.reject(new TypeError('Illegal invocation'));
    if (this.#writer !== undefined) return Promise.reject(new TypeError('Cannot abort a stream that is locked to a writer'));
    return this.#abort(reason);
  }
  close() {
    if (!(#state in this)) return Promise.reject(new TypeError('Illegal invocation'));
    if (this.#writer !== undefined) return Promise.reject(new TypeError('Cannot close a stream that is locked to a writer'));
    if (this.#closeQueuedOrInFlight()) return Promise.reject(new TypeError('The stream is already closing'));
    return this.#close();
  }

  // SetUpWritableStreamDefaultController
  #setUp(startAlgorithm, writeAlgorithm, closeAlgorithm, abortAlgorithm, hwm, sizeAlgorithm) {
    this.#controller = new WritableStreamDefaultController(streamToken, this);
    this.#hwm = hwm;
    this.#sizeAlgorithm = sizeAlgorithm;
    this.#writeAlgorithm = writeAlgorithm;
    this.#closeAlgorithm = closeAlgorithm;
    this.#abortAlgorithm = abortAlgorithm;
    this.#updateBackpressure(this.#getBackpressure());
    const startResult = startAlgorithm();
    uponPromise(promiseResolvedWith(startResult), () => {
      this.#started = true;
      this.#advanceQueueIfNeeded();
    }, (r) => {
      this.#started = true;
      this.#dealWithRejection(r);
    });
  }

  // WritableStreamAbort: the signal is aborted first, and its listeners may
  // change the state, so it is looked at again afterwards.
  #abort(reason) {
    if (this.#state === 'closed' || this.#state === 'errored') return Promise.resolve(undefined);
    abortWritableSignal(this.#controller, reason);
    const state = this.#state;
    if (state === 'closed' || state === 'errored') return Promise.resolve(undefined);
    if (this.#pendingAbortRequest !== undefined) return this.#pendingAbortRequest.promise;
    const wasAlreadyErroring = state === 'erroring';
    const request = newDeferred();
    request.reason = wasAlreadyErroring ? undefined : reason;
    request.wasAlreadyErroring = wasAlreadyErroring;
    this.#pendingAbortRequest = request;
    if (!wasAlreadyErroring) this.#startErroring(reason);
    return request.promise;
  }
  // WritableStreamClose (+ WritableStreamDefaultControllerClose)
  #close() {
    const state = this.#state;
    if (state === 'closed' || state === 'errored') return Promise.reject(new TypeError('The stream is already closed or errored'));
    const request = newDeferred();
    this.#closeRequest = request;
    if (this.#writer !== undefined && this.#backpressure && state === 'writable') writerOps.resolveReady(this.#writer);
    this.#queue.push({ value: closeSentinel, size: 0 });
    this.#advanceQueueIfNeeded();
    return request.promise;
  }
  #closeQueuedOrInFlight() { return this.#closeRequest !== undefined || this.#inFlightCloseRequest !== undefined; }
  #hasOperationMarkedInFlight() { return this.#inFlightWriteRequest !== undefined || this.#inFlightCloseRequest !== undefined; }
  // WritableStreamDealWithRejection
  #dealWithRejection(error) {
    if (this.#state === 'writable') { this.#startErroring(error); return; }
    this.#finishErroring();
  }
  // WritableStreamStartErroring
  #startErroring(reason) {
    this.#state = 'erroring';
    this.#storedError = reason;
    if (this.#writer !== undefined) writerOps.ensureReadyRejected(this.#writer, reason);
    if (!this.#hasOperationMarkedInFlight() && this.#started) this.#finishErroring();
  }
  // WritableStreamFinishErroring: `closed` rejects only once the sink's
  // abort() (if an abort is pending) has settled.
  #finishErroring() {
    this.#state = 'errored';
    this.#queue = [];
    this.#queueTotalSize = 0;
    const storedError = this.#storedError;
    for (const request of this.#writeRequests.splice(0)) request.reject(storedError);
    const abortRequest = this.#pendingAbortRequest;
    if (abortRequest === undefined) { this.#rejectCloseAndClosedPromiseIfNeeded(); return; }
    this.#pendingAbortRequest = undefined;
    if (abortRequest.wasAlreadyErroring) {
      abortRequest.reject(storedError);
      this.#rejectCloseAndClosedPromiseIfNeeded();
      return;
    }
    // The controller's [[AbortSteps]]
    const abortAlgorithm = this.#abortAlgorithm;
    const promise = abortAlgorithm === undefined ? Promise.resolve(undefined) : abortAlgorithm(abortRequest.reason);
    this.#clearAlgorithms();
    uponPromise(promise, () => {
      abortRequest.resolve(undefined);
      this.#rejectCloseAndClosedPromiseIfNeeded();
    }, (r) => {
      abortRequest.reject(r);
      this.#rejectCloseAndClosedPromiseIfNeeded();
    });
  }
  #rejectCloseAndClosedPromiseIfNeeded() {
    if (this.#closeRequest !== undefined) {
      this.#closeRequest.reject(this.#storedError);
      this.#closeRequest = undefined;
    }
    if (this.#writer !== undefined) writerOps.rejectClosed(this.#writer, this.#storedError);
  }
  #finishInFlightWrite() {
    this.#inFlightWriteRequest.resolve(undefined);
    this.#inFlightWriteRequest = undefined;
  }
  #finishInFlightWriteWithError(error) {
    this.#inFlightWriteRequest.reject(error);
    this.#inFlightWriteRequest = undefined;
    this.#dealWithRejection(error);
  }
  // WritableStreamFinishInFlightClose: a successful close wins over an abort
  // that came while it was in flight.
  #finishInFlightClose() {
    this.#inFlightCloseRequest.resolve(undefined);
    this.#inFlightCloseRequest = undefined;
    if (this.#state === 'erroring') {
      this.#storedError = undefined;
      if (this.#pendingAbortRequest !== undefined) {
        this.#pendingAbortRequest.resolve(undefined);
        this.#pendingAbortRequest = undefined;
      }
    }
    this.#state = 'closed';
    if (this.#writer !== undefined) writerOps.resolveClosed(this.#writer);
  }
  #finishInFlightCloseWithError(error) {
    this.#inFlightCloseRequest.reject(error);
    this.#inFlightCloseRequest = undefined;
    if (this.#pendingAbortRequest !== undefined) {
      this.#pendingAbortRequest.reject(error);
      this.#pendingAbortRequest = undefined;
    }
    this.#dealWithRejection(error);
  }
  // WritableStreamUpdateBackpressure
  #updateBackpressure(backpressure) {
    if (this.#writer !== undefined && backpressure !== this.#backpressure) {
      if (backpressure) writerOps.resetReady(this.#writer);
      else writerOps.resolveReady(this.#writer);
    }
    this.#backpressure = backpressure;
  }
  #getDesiredSize() { return this.#hwm - this.#queueTotalSize; }
  #getBackpressure() { return this.#getDesiredSize() <= 0; }
  #writerDesiredSize() {
    if (this.#state === 'errored' || this.#state === 'erroring') return null;
    if (this.#state === 'closed') return 0;
    return this.#getDesiredSize();
  }
  #clearAlgorithms() {
    this.#writeAlgorithm = undefined;
    this.#closeAlgorithm = undefined;
    this.#abortAlgorithm = undefined;
    this.#sizeAlgorithm = undefined;
  }
  // WritableStreamDefaultControllerError(IfNeeded)
  #controllerError(error) {
    this.#clearAlgorithms();
    this.#startErroring(error);
  }
  #controllerErrorIfNeeded(error) {
    if (this.#state === 'writable') this.#controllerError(error);
  }
  // WritableStreamDefaultWriterWrite: the size is computed first, and size()
  // may have released the writer, closed or errored the stream.
  #writerWrite(writer, chunk) {
    let chunkSize = 1;
    if (this.#sizeAlgorithm !== undefined) {
      try { chunkSize = this.#sizeAlgorithm(chunk); } catch (e) { this.#controllerErrorIfNeeded(e); chunkSize = 1; }
    }
    if (this.#writer !== writer) return Promise.reject(new TypeError('Cannot write: the writer has been released'));
    const state = this.#state;
    if (state === 'errored') return Promise.reject(this.#storedError);
    if (this.#closeQueuedOrInFlight() || state === 'closed') return Promise.reject(new TypeError('The stream is closing or closed'));
    if (state === 'erroring') return Promise.reject(this.#storedError);
    const request = newDeferred();
    this.#writeRequests.push(request);
    // WritableStreamDefaultControllerWrite
    if (typeof chunkSize !== 'number' || Number.isNaN(chunkSize) || chunkSize < 0 || chunkSize === Infinity) {
      this.#controllerErrorIfNeeded(new RangeError('The size of a chunk must be a finite, non-negative number'));
      return request.promise;
    }
    this.#queue.push({ value: chunk, size: chunkSize });
    this.#queueTotalSize += chunkSize;
    if (!this.#closeQueuedOrInFlight() && this.#state === 'writable') this.#updateBackpressure(this.#getBackpressure());
    this.#advanceQueueIfNeeded();
    return request.promise;
  }
  // WritableStreamDefaultControllerAdvanceQueueIfNeeded
  #advanceQueueIfNeeded() {
    if (!this.#started || this.#inFlightWriteRequest !== undefined) return;
    const state = this.#state;
    if (state === 'closed' || state === 'errored') return;
    if (state === 'erroring') { this.#finishErroring(); return; }
    if (this.#queue.length === 0) return;
    const value = this.#queue[0].value;
    if (value === closeSentinel) this.#processClose();
    else this.#processWrite(value);
  }
  #dequeue() {
    const { size } = this.#queue.shift();
    this.#queueTotalSize -= size;
    // Only rounding errors can make it negative.
    if (this.#queueTotalSize < 0) this.#queueTotalSize = 0;
  }
  #processClose() {
    this.#inFlightCloseRequest = this.#closeRequest;
    this.#closeRequest = undefined;
    this.#dequeue();
    const closeAlgorithm = this.#closeAlgorithm;
    const sinkClosePromise = closeAlgorithm === undefined ? Promise.resolve(undefined) : closeAlgorithm();
    this.#clearAlgorithms();
    uponPromise(sinkClosePromise, () => this.#finishInFlightClose(), (r) => this.#finishInFlightCloseWithError(r));
  }
  #processWrite(chunk) {
    this.#inFlightWriteRequest = this.#writeRequests.shift();
    const sinkWritePromise = this.#writeAlgorithm(chunk);
    uponPromise(sinkWritePromise, () => {
      this.#finishInFlightWrite();
      this.#dequeue();
      if (!this.#closeQueuedOrInFlight() && this.#state === 'writable') this.#updateBackpressure(this.#getBackpressure());
      this.#advanceQueueIfNeeded();
    }, (reason) => {
      if (this.#state === 'writable') this.#clearAlgorithms();
      this.#finishInFlightWriteWithError(reason);
    });
  }
  static {
    writableOps = {
      is: (s) => #state in s,
      locked: (s) => s.#writer !== undefined,
      attach: (s, writer) => { s.#writer = writer; },
      detach: (s) => { s.#writer = undefined; },
      state: (s) => s.#state,
      storedError: (s) => s.#storedError,
      backpressure: (s) => s.#backpressure,
      closeQueuedOrInFlight: (s) => s.#closeQueuedOrInFlight(),
      writerDesiredSize: (s) => s.#writerDesiredSize(),
      writerWrite: (s, writer, chunk) => s.#writerWrite(writer, chunk),
      close: (s) => s.#close(),
      abort: (s, reason) => s.#abort(reason),
      controllerError: (s, e) => s.#controllerError(e),
      errorIfNeeded: (s, e) => s.#controllerErrorIfNeeded(e),
    };
  }
}

// WritableStreamDefaultWriterCloseWithErrorPropagation
function writerCloseWithErrorPropagation(writer) {
  const stream = writerOps.stream(writer);
  const state = writableOps.state(stream);
  if (writableOps.closeQueuedOrInFlight(stream) || state === 'closed') return Promise.resolve(undefined);
  if (state === 'errored') return Promise.reject(writableOps.storedError(stream));
  return writableOps.close(stream);
}

// --- TransformStream ---
// The state of a TransformStream and its controller, shared by the
// algorithms below: { readable, writable, readableController, backpressure,
// backpressureChange, transformAlgorithm, flushAlgorithm, cancelAlgorithm,
// finish, readableStarted, readableErrored, readableError }.

// The readable side's stored error is not reachable from here, but every
// error of that side goes through this function (or the start rejection,
// recorded in the constructor).
function transformReadableError(ts, e) {
  if (streamOps.state(ts.readable) !== 'readable') return;
  ts.readableErrored = true;
  ts.readableError = e;
  streamOps.error(ts.readable, e);
}
// TransformStreamError
function transformStreamError(ts, e) {
  transformReadableError(ts, e);
  transformErrorWritableAndUnblockWrite(ts, e);
}
function transformErrorWritableAndUnblockWrite(ts, e) {
  transformClearAlgorithms(ts);
  writableOps.errorIfNeeded(ts.writable, e);
  transformUnblockWrite(ts);
}
function transformUnblockWrite(ts) {
  if (ts.backpressure) transformSetBackpressure(ts, false);
}
function transformSetBackpressure(ts, backpressure) {
  if (ts.backpressureChange !== undefined) ts.backpressureChange.resolve(undefined);
  ts.backpressureChange = newDeferred();
  ts.backpressure = backpressure;
}
function transformClearAlgorithms(ts) {
  ts.transformAlgorithm = undefined;
  ts.flushAlgorithm = undefined;
  ts.cancelAlgorithm = undefined;
}
// !ReadableStreamDefaultControllerShouldCallPull
function transformReadableHasBackpressure(ts) {
  const rs = ts.readable;
  if (!streamOps.canCloseOrEnqueue(rs) || !ts.readableStarted) return true;
  if (streamOps.readerKind(rs) !== null && streamOps.numReadRequests(rs) > 0) return false;
  return !(streamOps.desiredSize(rs) > 0);
}
// TransformStreamDefaultControllerEnqueue
function transformEnqueue(ts, chunk) {
  if (!streamOps.canCloseOrEnqueue(ts.readable)) throw new TypeError('The readable side is closed or errored');
  try {
    streamOps.enqueue(ts.readable, chunk);
  } catch (e) {
    // A throwing size() errored the readable side with its exception,
    // unless size() had already errored it (through controller.error()).
    if (!ts.readableErrored) { ts.readableErrored = true; ts.readableError = e; }
    transformErrorWritableAndUnblockWrite(ts, e);
    throw ts.readableError;
  }
  if (transformReadableHasBackpressure(ts) && !ts.backpressure) transformSetBackpressure(ts, true);
}
function transformTerminate(ts) {
  if (streamOps.canCloseOrEnqueue(ts.readable)) streamOps.close(ts.readable);
  transformErrorWritableAndUnblockWrite(ts, new TypeError('The transform stream was terminated'));
}
// TransformStreamDefaultControllerPerformTransform
function transformPerform(ts, chunk) {
  const transform = ts.transformAlgorithm;
  const promise = transform === undefined ? Promise.resolve(undefined) : transform(chunk);
  return uponPromise(promise, undefined, (r) => { transformStreamError(ts, r); throw r; });
}
// TransformStreamDefaultSinkWriteAlgorithm: a write waiting for the readable
// side to want data fails if the writable side started erroring meanwhile.
function transformSinkWrite(ts, chunk) {
  if (ts.backpressure) {
    return uponPromise(ts.backpressureChange.promise, () => {
      if (writableOps.state(ts.writable) === 'erroring') throw writableOps.storedError(ts.writable);
      return transformPerform(ts, chunk);
    });
  }
  return transformPerform(ts, chunk);
}
// TransformStreamDefaultSinkAbortAlgorithm: transformer.cancel() runs
// first; the readable side errors with its failure, or else with the reason.
function transformSinkAbort(ts, reason) {
  if (ts.finish !== undefined) return ts.finish.promise;
  const finish = ts.finish = newDeferred();
  const cancel = ts.cancelAlgorithm;
  const cancelPromise = cancel === undefined ? Promise.resolve(undefined) : cancel(reason);
  transformClearAlgorithms(ts);
  uponPromise(cancelPromise, () => {
    if (streamOps.state(ts.readable) === 'errored') finish.reject(ts.readableError);
    else { transformReadableError(ts, reason); finish.resolve(undefined); }
  }, (r) => {
    transformReadableError(ts, r);
    finish.reject(r);
  });
  return finish.promise;
}
// TransformStreamDefaultSinkCloseAlgorithm
function transformSinkClose(ts) {
  if (ts.finish !== undefined) return ts.finish.promise;
  const finish = ts.finish = newDeferred();
  const flush = ts.flushAlgorithm;
  const flushPromise = flush === undefined ? Promise.resolve(undefined) : flush();
  transformClearAlgorithms(ts);
  uponPromise(flushPromise, () => {
    if (streamOps.state(ts.readable) === 'errored') { finish.reject(ts.readableError); return; }
    if (streamOps.canCloseOrEnqueue(ts.readable)) streamOps.close(ts.readable);
    finish.resolve(undefined);
  }, (r) => {
    transformReadableError(ts, r);
    finish.reject(r);
  });
  return finish.promise;
}
// TransformStreamDefaultSourcePullAlgorithm
function transformSourcePull(ts) {
  transformSetBackpressure(ts, false);
  return ts.backpressureChange.promise;
}
// TransformStreamDefaultSourceCancelAlgorithm: the mirror of the abort.
function transformSourceCancel(ts, reason) {
  if (ts.finish !== undefined) return ts.finish.promise;
  const finish = ts.finish = newDeferred();
  const cancel = ts.cancelAlgorithm;
  const cancelPromise = cancel === undefined ? Promise.resolve(undefined) : cancel(reason);
  transformClearAlgorithms(ts);
  uponPromise(cancelPromise, () => {
    if (writableOps.state(ts.writable) === 'errored') { finish.reject(writableOps.storedError(ts.writable)); return; }
    writableOps.errorIfNeeded(ts.writable, reason);
    transformUnblockWrite(ts);
    finish.resolve(undefined);
  }, (r) => {
    writableOps.errorIfNeeded(ts.writable, r);
    transformUnblockWrite(ts);
    finish.reject(r);
  });
  return finish.promise;
}

class TransformStreamDefaultController {
  #ts;
  constructor(token, ts) {
    if (token !== streamToken) throw new TypeError('Illegal constructor');
    this.#ts = ts;
  }
  get desiredSize() { return streamOps.desiredSize(this.#ts.readable); }
  enqueue(chunk = undefined) { transformEnqueue(this.#ts, chunk); }
  error(reason = undefined) { transformStreamError(this.#ts, reason); }
  terminate() { transformTerminate(this.#ts); }
}

// A TransformStream's internal slots (compressionTransform waits on its
// backpressure).
let transformSlots;

class TransformStream {
  #ts;
  constructor(transformer = undefined, writableStrategy = undefined, readableStrategy = undefined) {
    const what = "Failed to construct 'TransformStream'";
    const writableInit = queuingStrategyInit(writableStrategy, what);
    const readableInit = queuingStrategyInit(readableStrategy, what);
    const t = transformer === null ? undefined : transformer;
    const { cancel, flush, readableType, start, transform, writableType } = dictionaryMembers(t,
      [['cancel', true], ['flush', true], ['readableType', false], ['start', true], ['transform', true], ['writableType', false]], what);
    if (readableType !== undefined) throw new RangeError(`${what}: invalid readableType`);
    if (writableType !== undefined) throw new RangeError(`${what}: invalid writableType`);
    const readableHWM = extractHighWaterMark(readableInit, 0, what);
    const readableSize = extractSizeAlgorithm(readableInit);
    const writableHWM = extractHighWaterMark(writableInit, 1, what);
    const writableSize = extractSizeAlgorithm(writableInit);
    const startPromise = newDeferred();
    // InitializeTransformStream
    const ts = {
      readable: undefined, writable: undefined, readableController: undefined,
      backpressure: undefined, backpressureChange: undefined, finish: undefined,
      readableStarted: false, readableErrored: false, readableError: undefined,
    };
    this.#ts = ts;
    ts.writable = new WritableStream(streamToken, {
      start: () => startPromise.promise,
      write: (chunk) => transformSinkWrite(ts, chunk),
      close: () => transformSinkClose(ts),
      abort: (reason) => transformSinkAbort(ts, reason),
      highWaterMark: writableHWM,
      size: writableSize,
    });
    // The readable side's start, like the writable side's, waits on "a
    // promise resolved with" startPromise.
    const readableStart = promiseResolvedWith(startPromise.promise);
    ts.readable = new ReadableStream({
      start: (c) => { ts.readableController = c; return readableStart; },
      pull: () => transformSourcePull(ts),
      cancel: (reason) => transformSourceCancel(ts, reason),
    }, { highWaterMark: readableHWM, size: readableInit.size === undefined ? undefined : (chunk) => readableSize(chunk) });
    uponPromise(readableStart, () => { ts.readableStarted = true; }, (r) => {
      if (!ts.readableErrored) { ts.readableErrored = true; ts.readableError = r; }
    });
    transformSetBackpressure(ts, true);
    // SetUpTransformStreamDefaultControllerFromTransformer
    const controller = new TransformStreamDefaultController(streamToken, ts);
    ts.transformAlgorithm = transform
      ? (chunk) => promiseCall(transform, t, [chunk, controller])
      : (chunk) => { try { transformEnqueue(ts, chunk); return Promise.resolve(undefined); } catch (e) { return Promise.reject(e); } };
    ts.flushAlgorithm = flush ? () => promiseCall(flush, t, [controller]) : resolvedUndefined;
    ts.cancelAlgorithm = cancel ? (reason) => promiseCall(cancel, t, [reason]) : resolvedUndefined;
    startPromise.resolve(start ? Reflect.apply(start, t, [controller]) : undefined);
  }
  get readable() { return this.#ts.readable; }
  get writable() { return this.#ts.writable; }
  static { transformSlots = (stream) => stream.#ts; }
}

// --- pipeTo / pipeThrough ---
const readerClosedGetter = Object.getOwnPropertyDescriptor(ReadableStreamDefaultReader.prototype, 'closed').get;
const readerReleaseLock = ReadableStreamDefaultReader.prototype.releaseLock;
const signalAbortedGetter = Object.getOwnPropertyDescriptor(AbortSignal.prototype, 'aborted').get;
const signalReasonGetter = Object.getOwnPropertyDescriptor(AbortSignal.prototype, 'reason').get;

function isReadableStream(x) {
  try { streamOps.state(x); return true; } catch { return false; }
}
function isAbortSignal(x) {
  try { Reflect.apply(signalAbortedGetter, x, []); return true; } catch { return false; }
}
// The StreamPipeOptions dictionary, members in order.
function streamPipeOptions(options, what) {
  if (options === undefined || options === null) return { preventAbort: false, preventCancel: false, preventClose: false, signal: undefined };
  if (typeof options !== 'object' && typeof options !== 'function') throw new TypeError(`${what}: options is not an object`);
  const preventAbort = !!options.preventAbort;
  const preventCancel = !!options.preventCancel;
  const preventClose = !!options.preventClose;
  const signal = options.signal;
  if (signal !== undefined && !isAbortSignal(signal)) throw new TypeError(`${what}: signal is not an AbortSignal`);
  return { preventAbort, preventCancel, preventClose, signal };
}

// ReadableStream.prototype.pipeTo: every failure is a rejected promise.
function readableStreamPipeToMethod(stream, argumentCount, destination, options) {
  const what = "Failed to execute 'pipeTo' on 'ReadableStream'";
  try {
    if (!isReadableStream(stream)) throw new TypeError(`${what}: Illegal invocation`);
    requiredArguments(argumentCount, 1, what);
    if (!isWritableStream(destination)) throw new TypeError(`${what}: parameter 1 is not of type 'WritableStream'.`);
    const o = streamPipeOptions(options, what);
    if (streamOps.readerKind(stream) !== null) throw new TypeError(`${what}: the stream is locked`);
    if (writableOps.locked(destination)) throw new TypeError(`${what}: the destination is locked`);
    return readableStreamPipeTo(stream, destination, o.preventClose, o.preventAbort, o.preventCancel, o.signal);
  } catch (e) {
    return Promise.reject(e);
  }
}

// ReadableStream.prototype.pipeThrough
function readableStreamPipeThroughMethod(stream, argumentCount, transform, options) {
  const what = "Failed to execute 'pipeThrough' on 'ReadableStream'";
  if (!isReadableStream(stream)) throw new TypeError(`${what}: Illegal invocation`);
  requiredArguments(argumentCount, 1, what);
  // The ReadableWritablePair dictionary: readable, then writable (required).
  if (transform !== undefined && transform !== null && typeof transform !== 'object' && typeof transform !== 'function') {
    throw new TypeError(`${what}: parameter 1 is not an object`);
  }
  const readable = transform == null ? undefined : transform.readable;
  if (readable === undefined) throw new TypeError(`${what}: required member readable is undefined`);
  if (!isReadableStream(readable)) throw new TypeError(`${what}: readable is not of type 'ReadableStream'`);
  const writable = transform.writable;
  if (writable === undefined) throw new TypeError(`${what}: required member writable is undefined`);
  if (!isWritableStream(writable)) throw new TypeError(`${what}: writable is not of type 'WritableStream'`);
  const o = streamPipeOptions(options, what);
  if (streamOps.readerKind(stream) !== null) throw new TypeError(`${what}: the stream is locked`);
  if (writableOps.locked(writable)) throw new TypeError(`${what}: the writable side is locked`);
  markHandled(readableStreamPipeTo(stream, writable, o.preventClose, o.preventAbort, o.preventCancel, o.signal));
  return readable;
}

// Resolves when all the promises fulfil; rejects with the first rejection.
function waitForAll(promises) {
  const d = newDeferred();
  let remaining = promises.length;
  if (remaining === 0) d.resolve(undefined);
  for (const p of promises) uponPromise(p, () => { if (--remaining === 0) d.resolve(undefined); }, (e) => d.reject(e));
  return d.promise;
}

// ReadableStreamPipeTo. Reads and writes go through the internal
// algorithms; the four "propagation" conditions are watched independently of
// the read/write loop, so a destination with backpressure still notices a
// closing or erroring source.
function readableStreamPipeTo(source, dest, preventClose, preventAbort, preventCancel, signal) {
  const reader = new ReadableStreamDefaultReader(source);
  const writer = new WritableStreamDefaultWriter(dest);
  const result = newDeferred();
  let shuttingDown = false;
  let finalized = false;
  let currentWrite = Promise.resolve(undefined);

  const finalize = (hasError, error) => {
    finalized = true;
    writerOps.release(writer);
    Reflect.apply(readerReleaseLock, reader, []);
    if (hasError) result.reject(error); else result.resolve(undefined);
  };
  // Chunks already read are written (the loop writes each as it is read)
  // and their writes waited for, before the action.
  const waitForWritesToFinish = () => {
    const last = currentWrite;
    return uponPromise(last, () => (last !== currentWrite ? waitForWritesToFinish() : undefined));
  };
  const afterPendingWrites = (steps) => {
    if (writableOps.state(dest) === 'writable' && !writableOps.closeQueuedOrInFlight(dest)) uponPromise(waitForWritesToFinish(), steps);
    else steps();
  };
  const shutdownWithAction = (action, hasError, originalError) => {
    if (shuttingDown) return;
    shuttingDown = true;
    afterPendingWrites(() => {
      let p;
      try { p = action(); } catch (e) { p = Promise.reject(e); }
      uponPromise(p, () => finalize(hasError, originalError), (newError) => finalize(true, newError));
    });
  };
  const shutdown = (hasError, error) => {
    if (shuttingDown) return;
    shuttingDown = true;
    afterPendingWrites(() => finalize(hasError, error));
  };

  if (signal !== undefined) {
    const abortAlgorithm = () => {
      if (finalized) return; // the algorithm cannot be removed from the signal
      const error = Reflect.apply(signalReasonGetter, signal, []);
      shutdownWithAction(() => {
        const actions = [];
        if (!preventAbort) actions.push(writableOps.state(dest) === 'writable' ? writableOps.abort(dest, error) : Promise.resolve(undefined));
        if (!preventCancel) actions.push(streamOps.state(source) === 'readable' ? streamOps.cancel(source, error) : Promise.resolve(undefined));
        return waitForAll(actions);
      }, true, error);
    };
    if (Reflect.apply(signalAbortedGetter, signal, [])) {
      abortAlgorithm();
      return result.promise;
    }
    addAbortAlgorithm(signal, abortAlgorithm);
  }

  const readerClosed = Reflect.apply(readerClosedGetter, reader, []);
  const writerClosed = writerOps.closedPromise(writer);
  // Errors propagate forward: source errored.
  const onSourceErrored = (storedError) => {
    if (!preventAbort) shutdownWithAction(() => writableOps.abort(dest, storedError), true, storedError);
    else shutdown(true, storedError);
  };
  if (streamOps.state(source) === 'errored') onSourceErrored(streamOps.storedError(source));
  else uponPromise(readerClosed, () => onSourceClosed(), onSourceErrored);
  // Errors propagate backward: destination errored.
  const onDestErrored = (storedError) => {
    if (!preventCancel) shutdownWithAction(() => streamOps.cancel(source, storedError), true, storedError);
    else shutdown(true, storedError);
  };
  if (writableOps.state(dest) === 'errored') onDestErrored(writableOps.storedError(dest));
  else uponPromise(writerClosed, undefined, onDestErrored);
  // Closing propagates forward: source closed.
  const onSourceClosed = () => {
    if (!preventClose) shutdownWithAction(() => writerCloseWithErrorPropagation(writer), false);
    else shutdown(false);
  };
  if (streamOps.state(source) === 'closed') onSourceClosed();
  // Closing propagates backward: destination closing or closed.
  if (writableOps.closeQueuedOrInFlight(dest) || writableOps.state(dest) === 'closed') {
    const destClosed = new TypeError('The destination stream is closing or closed');
    if (!preventCancel) shutdownWithAction(() => streamOps.cancel(source, destClosed), true, destClosed);
    else shutdown(true, destClosed);
  }

  // The loop: read only while the destination wants chunks (writer.ready),
  // write each chunk as soon as it is read.
  const pipeStep = () => {
    if (shuttingDown) return;
    uponPromise(writerOps.readyPromise(writer), () => {
      if (shuttingDown) return;
      uponPromise(streamOps.read(source), (r) => {
        if (r.done) return; // noticed through the reader's closed promise
        currentWrite = uponPromise(writableOps.writerWrite(dest, writer, r.value), undefined, noop);
        pipeStep();
      }, noop);
    }, noop);
  };
  pipeStep();
  return result.promise;
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
// (de)compression runs in the host (compression.rs), which takes at most
// 64 KiB of input and gives at most 64 KiB of output per call. A chunk goes
// over in such pieces and its output comes back a piece at a time. Up to
// CODER_QUEUE pieces (1 MiB) may wait in the readable side, so a write with
// a moderate output resolves before that is read, as in any TransformStream;
// beyond that, the next piece is decoded only once the reader has taken
// them: a small body that expands to gigabytes is decoded as fast as it is
// read, never held whole here or in the host.
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
    if (!String(e && e.message).startsWith('DOMException:QuotaExceededError:')) throw e;
  }
  native.collectGarbage();
  for (const [id, owner] of coderOwners) if (owner.deref() === undefined) dropCoder(id);
  return native.coderNew(format, decompress);
}

function compressionTransform(format, decompress, what) {
  requiredArguments(format === undefined ? 0 : 1, 1, `Failed to construct '${what}'`);
  const name = String(format);
  let id;
  try { id = newCoder(name, decompress); } catch (e) { throw cryptoError(e); }
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
        throw cryptoError(e); // a QuotaExceededError from the host, or the TypeError
      }
    },
    async flush(controller) {
      try {
        native.coderFinish(coder());
        await drain(controller);
      } catch (e) {
        throw cryptoError(e);
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

for (const cls of [WritableStream, WritableStreamDefaultWriter, WritableStreamDefaultController, TransformStream,
  TransformStreamDefaultController, TextEncoderStream, TextDecoderStream, CompressionStream, DecompressionStream]) {
  Object.defineProperty(cls.prototype, Symbol.toStringTag, { value: cls.name, configurable: true });
}
