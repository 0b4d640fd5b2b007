// Promise helpers of the Streams standard ("upon fulfillment", "mark as
// handled", ...), shared by every stream type.
import * as native from 'nano:native';

// Promise reactions through the intrinsic `then` (natively, streams/mod.rs),
// so that user code that patches Promise.prototype.then or Symbol.species
// cannot observe the internals.
const uponPromise = native.uponPromise;
const markHandled = native.markHandled;
const noop = () => {};
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
    // Indexed: destructuring runs the array iterator (costly in QuickJS).
    const resolve = this.settle[0];
    this.settle = undefined;
    resolve(v);
  }
  reject(e) {
    if (!this.pending) return;
    this.pending = false;
    const reject = this.settle[1];
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
// readable.js: where a sink's and a source's promises race (a pipe's abort
// and cancel) they must take the same number of jobs.
function promiseCall(fn, thisArg, args) {
  try { return promiseResolvedWith(Reflect.apply(fn, thisArg, args)); } catch (e) { return Promise.reject(e); }
}
function sinkCall(fn, thisArg, args) {
  try { return Promise.resolve(Reflect.apply(fn, thisArg, args)); } catch (e) { return Promise.reject(e); }
}
const resolvedUndefined = () => Promise.resolve(undefined);
// Empties a list of pending requests and settles each with `settle`: a
// snapshot (requests added meanwhile wait for later), taken only when there
// is one, in an indexed loop (a for-of runs the array iterator, and most of
// these lists are empty: both cost in QuickJS).
function settleEach(list, settle) {
  if (list.length === 0) return;
  const requests = list.splice(0);
  for (let i = 0; i < requests.length; i++) settle(requests[i]);
}

export {
  markHandled, newDeferred, noop, promiseCall, promiseResolvedWith, resolvedUndefined, settleEach, settledDeferred, sinkCall, uponPromise,
};
