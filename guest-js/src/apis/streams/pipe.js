// ReadableStream pipeTo / pipeThrough (WHATWG Streams).
import { requiredArguments } from '../webidl/webidl.js';
import { addAbortAlgorithm, signalAbortedGetter, signalReasonGetter } from '../events/events.js';
import { markHandled, newDeferred, noop, uponPromise } from './promises.js';
import { ReadableStreamDefaultReader, defaultReaderReleaseLock, readerClosedGetter, streamOps } from './readable.js';
import { WritableStreamDefaultWriter, isWritableStream, writableOps, writerCloseWithErrorPropagation, writerOps } from './writable.js';
import { deferPipe, dropDeferredPipe } from './transform.js';

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
  // The source counts as read from now (a Response's bodyUsed turns true).
  streamOps.markDisturbed(source);
  const result = newDeferred();
  let shuttingDown = false;
  let finalized = false;
  let currentWrite = Promise.resolve(undefined);

  const finalize = (hasError, error) => {
    finalized = true;
    writerOps.release(writer);
    Reflect.apply(defaultReaderReleaseLock, reader, []);
    if (hasError) result.reject(error); else result.resolve(undefined);
  };
  // Chunks already read are written (the loop writes each as it is read)
  // and their writes waited for, before the action.
  // Continuation callbacks, not a promise chain: resolving a promise with
  // another would call (a patched) Promise.prototype.then. `steps` runs a
  // microtask after the last write settles.
  const waitForWritesToFinish = (steps) => {
    const last = currentWrite;
    uponPromise(last, () => {
      if (last !== currentWrite) waitForWritesToFinish(steps);
      else uponPromise(Promise.resolve(undefined), steps);
    });
  };
  const afterPendingWrites = (steps) => {
    if (writableOps.state(dest) === 'writable' && !writableOps.closeQueuedOrInFlight(dest)) waitForWritesToFinish(steps);
    else steps();
  };
  const shutdownWithAction = (action, hasError, originalError) => {
    if (shuttingDown) return;
    shuttingDown = true;
    dropDeferredPipe(dest);
    afterPendingWrites(() => {
      let p;
      try { p = action(); } catch (e) { p = Promise.reject(e); }
      uponPromise(p, () => finalize(hasError, originalError), (newError) => finalize(true, newError));
    });
  };
  const shutdown = (hasError, error) => {
    if (shuttingDown) return;
    shuttingDown = true;
    dropDeferredPipe(dest);
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
      uponPromise(streamOps.read(source, true), (r) => {
        if (r.done) return; // noticed through the reader's closed promise
        currentWrite = uponPromise(writableOps.writerWrite(dest, writer, r.value), undefined, noop);
        pipeStep();
      }, noop);
    }, noop);
  };
  // From a source whose reads have no effect an app can see (a host body)
  // into an identity TransformStream, the loop starts when the transform's
  // readable side first wants data (see deferPipe).
  if (!lazySources.has(source) || streamOps.state(source) !== 'readable' || !deferPipe(dest, source, pipeStep)) pipeStep();
  return result.promise;
}

// Streams whose reads nothing outside the platform can observe.
const lazySources = new WeakSet();

export { lazySources, readableStreamPipeThroughMethod, readableStreamPipeToMethod };
