// WritableStream (WHATWG Streams) with its default writer and controller.
// The internal algorithms follow the standard's; their names are in the comments.
import { dictionaryMembers, requiredArguments } from '../webidl/webidl.js';
import { AbortController } from '../events/events.js';
import {
  markHandled, newDeferred, noop, promiseResolvedWith, resolvedUndefined, settleEach, settledDeferred, sinkCall, uponPromise,
} from './promises.js';
import { streamToken } from './readable.js';

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
let writableOps;
let writerOps;
// The UnderlyingSink dictionary's members, in order; true for callbacks.
const UNDERLYING_SINK_MEMBERS = [['abort', true], ['close', true], ['start', true], ['type', false], ['write', true]];

class WritableStreamDefaultController {
  // Made when the signal is first read or the stream aborted: most streams
  // are neither, and an AbortController costs as much as the rest of a
  // TransformStream's setup. The signal is the same object either way.
  #stream; #abortController = null;
  constructor(token, stream) {
    if (token !== streamToken) throw new TypeError('Illegal constructor');
    this.#stream = stream;
  }
  #controller() {
    if (this.#abortController === null) this.#abortController = new AbortController();
    return this.#abortController;
  }
  get signal() { return this.#controller().signal; }
  error(e = undefined) {
    if (writableOps.state(this.#stream) !== 'writable') return;
    writableOps.controllerError(this.#stream, e);
  }
  static _abort(controller, reason) { controller.#controller().abort(reason); }
}
const abortWritableSignal = WritableStreamDefaultController._abort;
delete WritableStreamDefaultController._abort;

// A settled deferred (see newDeferred) whose promise, rejected with the
// error its writer's release shares between `ready` and `closed`, is made
// when first read.
class ReleasedPromise {
  constructor(released) { this.pending = false; this.released = released; this.made = undefined; }
  get promise() {
    if (this.made === undefined) {
      this.released.error ??= new TypeError('The writer has been released');
      this.made = markHandled(Promise.reject(this.released.error));
    }
    return this.made;
  }
  resolve() {}
  reject() {}
}

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
  // WritableStreamDefaultWriterRelease: both promises reject with one
  // error. When neither is pending, both are replaced by rejected ones,
  // made when first read (a pipe releases its writer and never reads them;
  // making an error builds its stack).
  #release() {
    if (this.#readyPromise.pending || this.#closedPromise.pending) {
      const releasedError = new TypeError('The writer has been released');
      this.#ensureReadyRejected(releasedError);
      this.#ensureClosedRejected(releasedError);
    } else {
      const released = { error: undefined };
      this.#readyPromise = new ReleasedPromise(released);
      this.#closedPromise = new ReleasedPromise(released);
    }
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

  constructor(underlyingSink, strategy) {
    // CreateWritableStream (TransformStream's writable side): algorithms given.
    if (underlyingSink === streamToken) {
      const a = strategy;
      this.#setUp(a.start, a.write, a.close, a.abort, a.highWaterMark, a.size);
      return;
    }
    const what = "Failed to construct 'WritableStream'";
    const init = queuingStrategyInit(strategy, what);
    const sink = underlyingSink === null ? undefined : underlyingSink;
    const { abort, close, start, type, write } = dictionaryMembers(sink, UNDERLYING_SINK_MEMBERS, what);
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
    settleEach(this.#writeRequests, (request) => request.reject(storedError));
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
      // Nothing written yet that the sink has not finished with.
      idle: (s) => s.#queue.length === 0 && !s.#hasOperationMarkedInFlight(),
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

for (const cls of [WritableStream, WritableStreamDefaultWriter, WritableStreamDefaultController]) {
  Object.defineProperty(cls.prototype, Symbol.toStringTag, { value: cls.name, configurable: true });
}

// WebIDL's length (no default parameters: see ReadableStream).
Object.defineProperty(WritableStream, 'length', { value: 0 });

export { WritableStream, WritableStreamDefaultController, WritableStreamDefaultWriter, extractHighWaterMark, extractSizeAlgorithm, isWritableStream, queuingStrategyInit, writableOps, writerCloseWithErrorPropagation, writerOps };
