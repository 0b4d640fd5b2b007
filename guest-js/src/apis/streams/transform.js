// TransformStream (WHATWG Streams) and its default controller.
// The state of a TransformStream and its controller, shared by the
// algorithms below: { readable, writable, backpressure,
// backpressureChange, transformAlgorithm, flushAlgorithm, cancelAlgorithm,
// finish, readableStarted, readableErrored, readableError }.
import * as native from 'nano:native';
import { dictionaryMembers } from '../webidl/webidl.js';
import { newDeferred, promiseCall, promiseResolvedWith, resolvedUndefined, uponPromise } from './promises.js';
import { ReadableStream, streamOps, streamToken } from './readable.js';
import { WritableStream, extractHighWaterMark, extractSizeAlgorithm, queuingStrategyInit, writableOps } from './writable.js';

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
// TransformStreamDefaultSourcePullAlgorithm. The readable side wants data:
// a pipe into the writable side that waited for this starts now (see
// deferPipe).
function transformSourcePull(ts) {
  const start = ts.pendingPipe;
  if (start !== undefined) { ts.pendingPipe = undefined; start(); }
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
// The Transformer dictionary's members, in order; true for callbacks.
const TRANSFORMER_MEMBERS = [
  ['cancel', true], ['flush', true], ['readableType', false], ['start', true], ['transform', true], ['writableType', false],
];

// Identity transforms (no transformer member, no size function), by either
// side: what a pipe from a host body into one, read by a response, can skip.
const identities = new WeakMap();

// A pipe from `source` (whose reads nothing can observe) into `writable`
// waits to start until the transform's readable side first wants data, if
// `writable` is an identity transform's with nothing written or wanted yet.
// The response pump can then claim it and move the source's bytes in the
// host instead (claimPendingPipe); the pipe still closes or errors
// everything as the standard says, from the source's end on. A pipe nobody
// claims or reads from starts when the event loop has nothing else to run
// (startDeferredPipes), so it settles as the standard's would (e.g. from an
// empty body). Returns whether it waits.
function deferPipe(writable, source, start) {
  const ts = identities.get(writable);
  if (ts === undefined || ts.writable !== writable || ts.pendingPipe !== undefined) return false;
  if (!ts.backpressure || !writableOps.idle(writable) || streamOps.queued(ts.readable) !== 0) return false;
  ts.pendingPipe = start;
  ts.pendingSource = source;
  deferredPipes.push(ts);
  native.pipeDeferred();
  return true;
}
// The pipe into `writable` shut down before it started: nothing to claim.
function dropDeferredPipe(writable) {
  const ts = identities.get(writable);
  if (ts === undefined || ts.writable !== writable) return;
  ts.pendingPipe = undefined;
  ts.pendingSource = undefined;
}
// Transforms whose pipe waits, for startDeferredPipes.
let deferredPipes = [];

// The source of the pipe waiting on `readable` (an identity transform's
// readable side, nothing queued), which the caller now moves itself (the
// pipe starts when the readable side is next read); or undefined.
function claimPendingPipe(readable) {
  const ts = identities.get(readable);
  if (ts === undefined || ts.pendingPipe === undefined || ts.pipeClaimed) return undefined;
  if (streamOps.state(readable) !== 'readable' || streamOps.queued(readable) !== 0) return undefined;
  ts.pipeClaimed = true;
  return ts.pendingSource;
}

// Hook (hooks.js): the event loop is about to wait on the host; pipes that
// still wait for a reader nobody claimed start now.
function startDeferredPipes() {
  const list = deferredPipes;
  deferredPipes = [];
  for (let i = 0; i < list.length; i++) {
    const ts = list[i];
    const start = ts.pendingPipe;
    if (start === undefined || ts.pipeClaimed) continue;
    ts.pendingPipe = undefined;
    start();
  }
}

class TransformStream {
  #ts;
  constructor(transformer, writableStrategy, readableStrategy) {
    const what = "Failed to construct 'TransformStream'";
    const writableInit = queuingStrategyInit(writableStrategy, what);
    const readableInit = queuingStrategyInit(readableStrategy, what);
    const t = transformer === null ? undefined : transformer;
    const { cancel, flush, readableType, start, transform, writableType } = dictionaryMembers(t, TRANSFORMER_MEMBERS, what);
    if (readableType !== undefined) throw new RangeError(`${what}: invalid readableType`);
    if (writableType !== undefined) throw new RangeError(`${what}: invalid writableType`);
    const readableHWM = extractHighWaterMark(readableInit, 0, what);
    const readableSize = extractSizeAlgorithm(readableInit);
    const writableHWM = extractHighWaterMark(writableInit, 1, what);
    const writableSize = extractSizeAlgorithm(writableInit);
    const startPromise = newDeferred();
    // InitializeTransformStream
    const ts = {
      readable: undefined, writable: undefined,
      backpressure: undefined, backpressureChange: undefined, finish: undefined,
      readableStarted: false, readableErrored: false, readableError: undefined,
      pendingPipe: undefined, pendingSource: undefined, pipeClaimed: false,
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
    ts.readable = new ReadableStream(streamToken, {
      startResult: readableStart,
      pull: () => transformSourcePull(ts),
      cancel: (reason) => transformSourceCancel(ts, reason),
      highWaterMark: readableHWM,
      size: readableInit.size === undefined ? undefined : (chunk) => readableSize(chunk),
    });
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
    if (!start && !transform && !flush && !cancel && readableInit.size === undefined && writableInit.size === undefined) {
      identities.set(ts.writable, ts);
      identities.set(ts.readable, ts);
    }
    startPromise.resolve(start ? Reflect.apply(start, t, [controller]) : undefined);
  }
  get readable() { return this.#ts.readable; }
  get writable() { return this.#ts.writable; }
  static { transformSlots = (stream) => stream.#ts; }
}

for (const cls of [TransformStream, TransformStreamDefaultController]) {
  Object.defineProperty(cls.prototype, Symbol.toStringTag, { value: cls.name, configurable: true });
}

// WebIDL's length (no default parameters: see ReadableStream).
Object.defineProperty(TransformStream, 'length', { value: 0 });

export {
  TransformStream, TransformStreamDefaultController, claimPendingPipe, deferPipe, dropDeferredPipe, startDeferredPipes, transformSlots,
};
