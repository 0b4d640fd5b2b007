// ReadableStream (WHATWG Streams): default controller and reader, async
// iteration, tee, ReadableStream.from, queuing strategies. Bodies use it.
// Byte streams (controller, BYOB reader) are in byte.js, WritableStream in
// writable.js, TransformStream in transform.js, pipeTo in pipe.js.
import { concatBytes, requiredArguments } from '../webidl/webidl.js';
import { ReadableStreamBYOBReader, byteStreamTee, setUpByteController, startByteController } from './byte.js';
import { readableStreamPipeThroughMethod, readableStreamPipeToMethod } from './pipe.js';
import { markHandled, newDeferred, settleEach, uponPromise } from './promises.js';

const streamToken = Symbol('stream');

// The QueuingStrategyInit dictionary's one required member.
function strategyHighWaterMark(init, argumentCount, what) {
  requiredArguments(argumentCount, 1, `Failed to construct '${what}'`);
  if (init == null || init.highWaterMark === undefined) throw new TypeError(`Failed to construct '${what}': highWaterMark is required`);
  return Number(init.highWaterMark);
}

class CountQueuingStrategy {
  #hwm;
  constructor(init) { this.#hwm = strategyHighWaterMark(init, arguments.length, 'CountQueuingStrategy'); }
  get highWaterMark() { return this.#hwm; }
  get size() { return countSize; }
}
// The standard's size functions are methods: named `size`, no prototype,
// not constructors.
const countSize = ({ size() { return 1; } }).size;

class ByteLengthQueuingStrategy {
  #hwm;
  constructor(init) { this.#hwm = strategyHighWaterMark(init, arguments.length, 'ByteLengthQueuingStrategy'); }
  get highWaterMark() { return this.#hwm; }
  get size() { return byteLengthSize; }
}
const byteLengthSize = ({ size(chunk) { return chunk.byteLength; } }).size;

class ReadableStreamDefaultController {
  #stream;
  constructor(token, stream) {
    if (token !== streamToken) throw new TypeError('Illegal constructor');
    this.#stream = stream;
  }
  get desiredSize() { return streamOps.desiredSize(this.#stream); }
  close() {
    if (!streamOps.canCloseOrEnqueue(this.#stream)) throw new TypeError('The stream is not in a state that permits close');
    streamOps.close(this.#stream);
  }
  enqueue(chunk = undefined) {
    if (!streamOps.canCloseOrEnqueue(this.#stream)) throw new TypeError('The stream is not in a state that permits enqueue');
    streamOps.enqueue(this.#stream, chunk);
  }
  error(e = undefined) { streamOps.error(this.#stream, e); }
}

// The state of the standard's ReadableStreamGenericReader mixin, shared by
// both reader classes: the stream read from (null once released) and the
// `closed` promise the stream settles. The stream holds this, not the reader.
class GenericReader {
  constructor(stream, kind, what) {
    if (!(stream instanceof ReadableStream)) throw new TypeError(`Failed to construct '${what}': parameter 1 is not of type 'ReadableStream'.`);
    if (stream.locked) throw new TypeError('This stream is already locked to a reader');
    if (kind === 'byob' && streamOps.byteController(stream) === null) {
      throw new TypeError('A BYOB reader needs a readable byte stream (type: "bytes")');
    }
    this.kind = kind;
    this.closedPromise = new Promise((resolve, reject) => { this.resolveClosed = resolve; this.rejectClosed = reject; });
    markHandled(this.closedPromise);
    this.stream = stream;
    streamOps.attach(stream, this);
  }
  // null once release() replaced a settled `closed`: the new one, rejected
  // with a new TypeError, is made when first read (a pipe releases its
  // reader and never reads it; making an error builds its stack).
  get closed() {
    if (this.closedPromise === null) this.closedPromise = markHandled(Promise.reject(new TypeError('The reader was released')));
    return this.closedPromise;
  }
  // Resolves `closed`, or rejects it with `error` (which may be undefined).
  settle(rejected, error) {
    if (rejected) this.rejectClosed(error);
    else this.resolveClosed(undefined);
  }
  cancel(reason) {
    if (this.stream === null) return Promise.reject(new TypeError('The reader has been released'));
    return streamOps.cancel(this.stream, reason);
  }
  release() {
    if (this.stream === null) return;
    if (streamOps.state(this.stream) === 'readable') {
      const error = new TypeError('The reader was released');
      this.rejectClosed(error);
      streamOps.detach(this.stream, error);
    } else {
      this.closedPromise = null;
      streamOps.detach(this.stream, undefined);
    }
    this.stream = null;
  }
}

class ReadableStreamDefaultReader {
  #reader;
  constructor(stream) {
    requiredArguments(arguments.length, 1, "Failed to construct 'ReadableStreamDefaultReader'");
    this.#reader = new GenericReader(stream, 'default', 'ReadableStreamDefaultReader');
  }
  get closed() { return this.#reader.closed; }
  read() {
    const stream = this.#reader.stream;
    if (stream === null) return Promise.reject(new TypeError('The reader has been released'));
    return streamOps.read(stream);
  }
  cancel(reason = undefined) { return this.#reader.cancel(reason); }
  releaseLock() { this.#reader.release(); }
}

let streamOps;

// A read's result: an ordinary object for an app's reader.read(), a
// null-prototype one for the platform's own reads (pipeTo, tee, bodies).
// Resolving a promise with an object looks up its `then`: the standard's
// internal reads are callbacks, so a patched Object.prototype.then must not
// see (or replace) their chunks.
function readResult(request, value, done) {
  return request.internal ? { __proto__: null, value, done } : { value, done };
}

class ReadableStream {
  #state = 'readable';
  #storedError = undefined;
  #reader = null;
  #readRequests = [];
  #readIntoRequests = []; // of a BYOB reader
  #closeWatchers = []; // internal: settled when the stream closes or errors
  #disturbed = false;
  #controller;
  #byteController = null; // a byte stream's controller state (byte.js)
  #queue = [];
  #queueSize = 0;
  #hwm;
  #size;
  #started = false;
  #pulling = false;
  #pullAgain = false;
  #closeRequested = false;
  #pullAlgorithm;
  #cancelAlgorithm;

  constructor(underlyingSource, strategy) {
    // CreateReadableStream (a TransformStream's readable side): the
    // algorithms and the start result given, as they are, with the
    // strategy already validated.
    if (underlyingSource === streamToken) {
      const a = strategy;
      this.#setUpDefault(a.highWaterMark, a.size, a.pull, a.cancel);
      this.#startDefault(a.startResult);
      return;
    }
    // WebIDL: `optional object underlyingSource` and the QueuingStrategy
    // dictionary are converted first, then the UnderlyingSource dictionary;
    // members are read once, in order.
    if (underlyingSource === null) throw new TypeError("Failed to construct 'ReadableStream': parameter 1 is not an object.");
    if (strategy !== undefined && strategy !== null && typeof strategy !== 'object' && typeof strategy !== 'function') {
      throw new TypeError("Failed to construct 'ReadableStream': parameter 2 is not of type 'QueuingStrategy'.");
    }
    const s = strategy == null ? { __proto__: null } : strategy;
    const strategyHwm = s.highWaterMark;
    const size = s.size;
    if (size !== undefined && typeof size !== 'function') throw new TypeError("Failed to construct 'ReadableStream': size must be a function");
    const source = underlyingSource === undefined ? {} : underlyingSource;
    // Each member read, then checked, in order (into locals: no dictionary
    // object, no loop, both of which cost per stream).
    const autoAllocateChunkSize = source.autoAllocateChunkSize;
    const cancel = source.cancel;
    if (cancel !== undefined && typeof cancel !== 'function') throw new TypeError("Failed to construct 'ReadableStream': cancel must be a function");
    const pull = source.pull;
    if (pull !== undefined && typeof pull !== 'function') throw new TypeError("Failed to construct 'ReadableStream': pull must be a function");
    const start = source.start;
    if (start !== undefined && typeof start !== 'function') throw new TypeError("Failed to construct 'ReadableStream': start must be a function");
    const type = source.type;
    if (type !== undefined && String(type) !== 'bytes') {
      throw new TypeError(`Failed to construct 'ReadableStream': '${type}' is not a valid ReadableStreamType`);
    }
    const bytes = type !== undefined;
    if (bytes && size !== undefined) throw new RangeError("Failed to construct 'ReadableStream': a byte stream cannot have a size function");
    const hwm = strategyHwm === undefined ? (bytes ? 0 : 1) : Number(strategyHwm);
    if (Number.isNaN(hwm) || hwm < 0) throw new RangeError("Failed to construct 'ReadableStream': invalid highWaterMark");
    if (bytes) {
      const state = setUpByteController(this, source, autoAllocateChunkSize, pull, cancel, hwm);
      this.#controller = state.controller;
      this.#byteController = state;
      startByteController(state, source, start);
      return;
    }
    this.#setUpDefault(
      hwm, size,
      pull ? () => Reflect.apply(pull, source, [this.#controller]) : () => undefined,
      cancel ? (reason) => Reflect.apply(cancel, source, [reason]) : () => undefined);
    this.#startDefault(start ? Reflect.apply(start, source, [this.#controller]) : undefined);
  }

  // SetUpReadableStreamDefaultController, up to the start algorithm.
  #setUpDefault(hwm, size, pullAlgorithm, cancelAlgorithm) {
    this.#hwm = hwm;
    this.#size = size;
    this.#controller = new ReadableStreamDefaultController(streamToken, this);
    this.#pullAlgorithm = pullAlgorithm;
    this.#cancelAlgorithm = cancelAlgorithm;
  }
  // ... and from its result on.
  #startDefault(startResult) {
    uponPromise(Promise.resolve(startResult), () => {
      this.#started = true;
      this.#pullIfNeeded();
    }, (e) => this.#error(e));
  }

  get locked() { return this.#reader !== null; }

  getReader(options = undefined) {
    if (options !== undefined && options !== null && typeof options !== 'object' && typeof options !== 'function') {
      throw new TypeError("Failed to execute 'getReader' on 'ReadableStream': parameter 1 is not of type 'ReadableStreamGetReaderOptions'.");
    }
    const mode = options == null ? undefined : options.mode;
    if (mode !== undefined) {
      if (String(mode) === 'byob') return new ReadableStreamBYOBReader(this);
      throw new TypeError(`Failed to execute 'getReader' on 'ReadableStream': invalid mode ${mode}`);
    }
    return new ReadableStreamDefaultReader(this);
  }

  cancel(reason = undefined) {
    if (this.locked) return Promise.reject(new TypeError('Cannot cancel a stream that is locked to a reader'));
    return this.#cancel(reason);
  }

  // "ReadableStreamDefaultTee": one read feeds both branches (a byte
  // stream's tee is in byte.js).
  tee() {
    if (this.locked) throw new TypeError("Failed to execute 'tee' on 'ReadableStream': the stream is locked");
    if (this.#byteController !== null) return byteStreamTee(this);
    const stream = this;
    new ReadableStreamDefaultReader(this); // locks the stream; read internally
    const canceled = [false, false];
    const reasons = [undefined, undefined];
    let resolveCancel;
    const cancelPromise = new Promise((resolve) => { resolveCancel = resolve; });
    let reading = false;
    let readAgain = false;
    const branches = [];
    const pull = () => {
      if (reading) { readAgain = true; return Promise.resolve(); }
      reading = true;
      uponPromise(streamOps.read(stream, true), ({ value, done }) => {
        if (done) {
          reading = false;
          for (let i = 0; i < 2; i++) {
            if (!canceled[i] && streamOps.canCloseOrEnqueue(branches[i])) streamOps.close(branches[i]);
          }
          if (!canceled[0] || !canceled[1]) resolveCancel(undefined);
          return;
        }
        readAgain = false;
        // The internal enqueue: a branch errored meanwhile takes nothing.
        for (let i = 0; i < 2; i++) {
          if (!canceled[i] && streamOps.canCloseOrEnqueue(branches[i])) streamOps.enqueue(branches[i], value);
        }
        reading = false;
        if (readAgain) pull();
      }, () => { reading = false; });
      return Promise.resolve();
    };
    const cancelBranch = (i) => (reason) => {
      canceled[i] = true;
      reasons[i] = reason;
      if (canceled[0] && canceled[1]) resolveCancel(streamOps.cancel(stream, reasons));
      return cancelPromise;
    };
    for (let i = 0; i < 2; i++) {
      // Null-prototype dictionaries: nothing is read from Object.prototype.
      const source = { __proto__: null, pull, cancel: cancelBranch(i) };
      branches.push(new ReadableStream(source, { __proto__: null, highWaterMark: 1 }));
    }
    uponPromise(streamOps.closedPromise(stream), undefined, (e) => {
      for (let i = 0; i < 2; i++) if (!canceled[i]) streamOps.error(branches[i], e);
      if (!canceled[0] || !canceled[1]) resolveCancel(undefined);
    });
    return [branches[0], branches[1]];
  }

  // WebIDL async iteration: the iterators share a prototype; next() and
  // return() are chained so they run in call order.
  values(options = undefined) {
    if (options !== undefined && options !== null && typeof options !== 'object' && typeof options !== 'function') {
      throw new TypeError("Failed to execute 'values' on 'ReadableStream': parameter 1 is not of type 'ReadableStreamIteratorOptions'.");
    }
    const preventCancel = options != null && !!options.preventCancel;
    const reader = new ReadableStreamDefaultReader(this);
    const iterator = Object.create(ReadableStreamAsyncIteratorPrototype);
    iteratorStates.set(iterator, { stream: this, reader, preventCancel, ongoing: null, finished: false });
    return iterator;
  }

  pipeTo(destination, options = undefined) {
    return readableStreamPipeToMethod(this, arguments.length, destination, options);
  }
  pipeThrough(transform, options = undefined) {
    return readableStreamPipeThroughMethod(this, arguments.length, transform, options);
  }

  // "ReadableStreamFromIterable": GetIterator(async), falling back to a
  // sync iterator whose values are awaited (CreateAsyncFromSyncIterator).
  static from(asyncIterable) {
    const what = "Failed to execute 'from' on 'ReadableStream'";
    let method = asyncIterable == null ? undefined : asyncIterable[Symbol.asyncIterator];
    let sync = false;
    if (method === undefined || method === null) {
      method = asyncIterable == null ? undefined : asyncIterable[Symbol.iterator];
      sync = true;
    }
    if (typeof method !== 'function') throw new TypeError(`${what}: the argument is not iterable`);
    const iterator = Reflect.apply(method, asyncIterable, []);
    if (iterator === null || (typeof iterator !== 'object' && typeof iterator !== 'function')) {
      throw new TypeError(`${what}: the iterator is not an object`);
    }
    const next = iterator.next;
    const isObject = (v) => v !== null && (typeof v === 'object' || typeof v === 'function');
    return new ReadableStream({
      __proto__: null,
      pull(controller) {
        return uponPromise(Promise.resolve(Reflect.apply(next, iterator, [])), (result) => {
          if (!isObject(result)) throw new TypeError(`${what}: the iterator result is not an object`);
          if (result.done) { controller.close(); return undefined; }
          if (!sync) { controller.enqueue(result.value); return undefined; }
          return uponPromise(Promise.resolve(result.value), (v) => { controller.enqueue(v); });
        });
      },
      cancel(reason) {
        let ret;
        try {
          ret = iterator.return;
          if (ret !== undefined && ret !== null && typeof ret !== 'function') throw new TypeError(`${what}: iterator.return is not a function`);
        } catch (e) { return Promise.reject(e); }
        if (ret === undefined || ret === null) return Promise.resolve();
        let result;
        try { result = Reflect.apply(ret, iterator, [reason]); } catch (e) { return Promise.reject(e); }
        return uponPromise(Promise.resolve(result), (r) => {
          if (!isObject(r)) throw new TypeError(`${what}: iterator.return() did not give an object`);
        });
      },
    }, { __proto__: null, highWaterMark: 0 });
  }

  // --- the standard's internal algorithms ---
  #desiredSize() {
    if (this.#state === 'errored') return null;
    if (this.#state === 'closed') return 0;
    return this.#hwm - this.#queueSize;
  }
  #canCloseOrEnqueue() { return !this.#closeRequested && this.#state === 'readable'; }
  #shouldPull() {
    if (!this.#canCloseOrEnqueue() || !this.#started) return false;
    if (this.#reader !== null && this.#readRequests.length > 0) return true;
    return this.#desiredSize() > 0;
  }
  #pullIfNeeded() {
    if (!this.#shouldPull()) return;
    if (this.#pulling) { this.#pullAgain = true; return; }
    this.#pulling = true;
    // A throwing pull is a rejected promise: the error lands a microtask
    // later, after the chunk being read is delivered (as the standard has it).
    let result;
    try { result = this.#pullAlgorithm(); } catch (e) { result = Promise.reject(e); }
    uponPromise(Promise.resolve(result), () => {
      this.#pulling = false;
      if (this.#pullAgain) { this.#pullAgain = false; this.#pullIfNeeded(); }
    }, (e) => this.#error(e));
  }
  #enqueue(chunk) {
    if (this.#reader !== null && this.#readRequests.length > 0) {
      const request = this.#readRequests.shift();
      request.resolve(readResult(request, chunk, false));
    } else {
      let size = 1;
      if (this.#size !== undefined) {
        try { size = Number(this.#size(chunk)); } catch (e) { this.#error(e); throw e; }
      }
      if (Number.isNaN(size) || size < 0 || size === Infinity) {
        const e = new RangeError('The size of a chunk must be a finite, non-negative number');
        this.#error(e);
        throw e;
      }
      this.#queue.push([chunk, size]);
      this.#queueSize += size;
    }
    this.#pullIfNeeded();
  }
  #close() {
    this.#closeRequested = true;
    if (this.#queue.length === 0) this.#finishClose();
  }
  #finishClose() {
    if (this.#state !== 'readable') return;
    this.#state = 'closed';
    settleEach(this.#readRequests, (request) => request.resolve(readResult(request, undefined, true)));
    if (this.#reader !== null) this.#reader.settle(false);
    settleEach(this.#closeWatchers, (watcher) => watcher.resolve());
  }
  #error(e) {
    if (this.#state !== 'readable') return;
    this.#state = 'errored';
    this.#storedError = e;
    this.#queue = [];
    this.#queueSize = 0;
    if (this.#reader !== null) this.#reader.settle(true, e);
    settleEach(this.#readRequests, (request) => request.reject(e));
    settleEach(this.#readIntoRequests, (request) => request.reject(e));
    settleEach(this.#closeWatchers, (watcher) => watcher.reject(e));
  }
  #read(internal) {
    this.#disturbed = true;
    if (this.#state === 'closed') return Promise.resolve(readResult({ internal }, undefined, true));
    if (this.#state === 'errored') return Promise.reject(this.#storedError);
    if (this.#byteController !== null) {
      return new Promise((resolve, reject) => this.#byteController.pullSteps({ resolve, reject, internal }));
    }
    if (this.#queue.length > 0) {
      const entry = this.#queue.shift(); // [chunk, size], indexed: no array iterator
      const chunk = entry[0], size = entry[1];
      this.#queueSize -= size;
      if (this.#queueSize < 0) this.#queueSize = 0; // rounding errors only
      if (this.#closeRequested && this.#queue.length === 0) this.#finishClose();
      else this.#pullIfNeeded();
      return Promise.resolve(readResult({ internal }, chunk, false));
    }
    const promise = new Promise((resolve, reject) => this.#readRequests.push({ resolve, reject, internal }));
    this.#pullIfNeeded();
    return promise;
  }
  #cancel(reason) {
    this.#disturbed = true;
    if (this.#state === 'closed') return Promise.resolve(undefined);
    if (this.#state === 'errored') return Promise.reject(this.#storedError);
    this.#queue = [];
    this.#queueSize = 0;
    this.#finishClose();
    settleEach(this.#readIntoRequests, (request) => request.resolve(readResult(request, undefined, true)));
    let result;
    const cancel = this.#byteController !== null ? (r) => this.#byteController.cancelSteps(r) : this.#cancelAlgorithm;
    try { result = cancel(reason); } catch (e) { return Promise.reject(e); }
    return uponPromise(Promise.resolve(result), () => undefined);
  }
  static {
    streamOps = {
      desiredSize: (s) => s.#desiredSize(),
      canCloseOrEnqueue: (s) => s.#canCloseOrEnqueue(),
      close: (s) => s.#close(),
      enqueue: (s, chunk) => s.#enqueue(chunk),
      error: (s, e) => s.#error(e),
      // `internal`: a read by the platform, not by an app's reader.
      read: (s, internal = false) => s.#read(internal),
      markDisturbed: (s) => { s.#disturbed = true; },
      cancel: (s, reason) => s.#cancel(reason),
      state: (s) => s.#state,
      storedError: (s) => s.#storedError,
      disturbed: (s) => s.#disturbed,
      queued: (s) => s.#queue.length,
      attach: (s, reader) => {
        s.#reader = reader;
        if (s.#state === 'closed') reader.settle(false);
        else if (s.#state === 'errored') reader.settle(true, s.#storedError);
      },
      // `error` undefined: a new TypeError, if a read waits.
      detach: (s, error) => {
        if (s.#byteController !== null) s.#byteController.releaseSteps();
        if (s.#readRequests.length !== 0 || s.#readIntoRequests.length !== 0) {
          const e = error ?? new TypeError('The reader was released');
          settleEach(s.#readRequests, (request) => request.reject(e));
          settleEach(s.#readIntoRequests, (request) => request.reject(e));
        }
        s.#reader = null;
      },
      // For the byte stream controller and the BYOB reader.
      byteController: (s) => s.#byteController,
      readerKind: (s) => (s.#reader === null ? null : s.#reader.kind),
      numReadRequests: (s) => s.#readRequests.length,
      numReadIntoRequests: (s) => s.#readIntoRequests.length,
      addReadRequest: (s, request) => s.#readRequests.push(request),
      addReadIntoRequest: (s, request) => s.#readIntoRequests.push(request),
      shiftReadRequest: (s) => s.#readRequests.shift(),
      fulfillReadRequest: (s, chunk, done) => {
        const request = s.#readRequests.shift();
        request.resolve(done ? readResult(request, undefined, true) : readResult(request, chunk, false));
      },
      fulfillReadIntoRequest: (s, chunk, done) => {
        const request = s.#readIntoRequests.shift();
        request.resolve(readResult(request, chunk, done));
      },
      closeStream: (s) => s.#finishClose(),
      // Settles when the stream closes or errors (tee watches its source).
      closedPromise: (s) => new Promise((resolve, reject) => {
        if (s.#state === 'closed') resolve();
        else if (s.#state === 'errored') reject(s.#storedError);
        else s.#closeWatchers.push({ resolve, reject });
      }),
      errorStream: (s, e) => s.#error(e),
      readInto: (s, view, min, internal = false) => {
        s.#disturbed = true;
        if (s.#state === 'errored') return Promise.reject(s.#storedError);
        return new Promise((resolve, reject) => s.#byteController.pullInto(view, min, { resolve, reject, internal }));
      },
    };
  }
}
const AsyncIteratorPrototype = Object.getPrototypeOf(Object.getPrototypeOf(async function* () {}).prototype);
Object.defineProperty(ReadableStream.prototype, Symbol.asyncIterator, {
  value: ReadableStream.prototype.values, writable: true, configurable: true,
});
// The original method: an app replacing it must not change iteration.
const defaultReaderReleaseLock = ReadableStreamDefaultReader.prototype.releaseLock;
// Captured for pipe.js too, before user code can patch the prototype.
const readerClosedGetter = Object.getOwnPropertyDescriptor(ReadableStreamDefaultReader.prototype, 'closed').get;
const releaseReader = (reader) => Reflect.apply(defaultReaderReleaseLock, reader, []);
// Per-iterator state: the reader, and the promise of the last next()/return().
const iteratorStates = new WeakMap();
const ReadableStreamAsyncIteratorPrototype = Object.create(AsyncIteratorPrototype, {
  next: {
    writable: true, configurable: true, enumerable: true,
    value: ({ next() {
      const state = iteratorStates.get(this);
      if (state === undefined) return Promise.reject(new TypeError('next() called on an object that is not a ReadableStream iterator'));
      const step = () => {
        if (state.finished) return Promise.resolve({ value: undefined, done: true });
        // An internal read: its result object is not the one next() gives.
        return uponPromise(streamOps.read(state.stream, true), ({ value, done }) => {
          state.ongoing = null;
          if (!done) return { value, done: false };
          state.finished = true;
          releaseReader(state.reader);
          return { value: undefined, done: true };
        }, (e) => {
          state.ongoing = null;
          state.finished = true;
          releaseReader(state.reader);
          throw e;
        });
      };
      state.ongoing = state.ongoing === null ? step() : uponPromise(state.ongoing, step, step);
      return state.ongoing;
    } }).next,
  },
  return: {
    writable: true, configurable: true, enumerable: true,
    value: ({ return(value) {
      const state = iteratorStates.get(this);
      if (state === undefined) return Promise.reject(new TypeError('return() called on an object that is not a ReadableStream iterator'));
      const step = () => {
        if (state.finished) return Promise.resolve({ value, done: true });
        state.finished = true;
        if (state.preventCancel) {
          releaseReader(state.reader);
          return Promise.resolve({ value, done: true });
        }
        const cancelled = streamOps.cancel(state.stream, value);
        releaseReader(state.reader);
        return uponPromise(cancelled, () => ({ value, done: true }));
      };
      state.ongoing = state.ongoing === null ? step() : uponPromise(state.ongoing, step, step);
      return state.ongoing;
    } }).return,
  },
  [Symbol.toStringTag]: { value: 'ReadableStream AsyncIterator', configurable: true },
});
for (const cls of [ReadableStream, ReadableStreamDefaultReader, ReadableStreamDefaultController, CountQueuingStrategy, ByteLengthQueuingStrategy]) {
  Object.defineProperty(cls.prototype, Symbol.toStringTag, { value: cls.name, configurable: true });
}

// All chunks of a byte stream, joined (for body consumption), in a
// null-prototype box: the promise is resolved with no object whose `then`
// an app could have patched (see readResult).
function readAllBytes(stream) {
  new ReadableStreamDefaultReader(stream); // locks the stream; read internally
  const chunks = [];
  const done = newDeferred();
  const step = () => uponPromise(streamOps.read(stream, true), (result) => {
    if (result.done) {
      done.resolve({ __proto__: null, bytes: concatBytes(chunks) });
      return;
    }
    if (!(result.value instanceof Uint8Array)) {
      const err = new TypeError('A body stream must produce Uint8Array chunks');
      markHandled(streamOps.cancel(stream, err));
      done.reject(err);
      return;
    }
    chunks.push(result.value);
    step();
  }, (e) => done.reject(e));
  step();
  return done.promise;
}

// WebIDL's length (no default parameters: in QuickJS each costs about what
// a call does, and streams are made per request).
Object.defineProperty(ReadableStream, 'length', { value: 0 });

export { ByteLengthQueuingStrategy, CountQueuingStrategy, GenericReader, ReadableStream, ReadableStreamDefaultController, ReadableStreamDefaultReader, defaultReaderReleaseLock, readAllBytes, readResult, readerClosedGetter, streamOps, streamToken };
