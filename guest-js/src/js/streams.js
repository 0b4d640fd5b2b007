// ReadableStream (WHATWG Streams): default controller and reader, async
// iteration, tee, ReadableStream.from, queuing strategies. Bodies use it.
// Byte streams (controller, BYOB reader) are in byte_streams.js, WritableStream
// and TransformStream in writable_streams.js.
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
function countSize() { return 1; }

class ByteLengthQueuingStrategy {
  #hwm;
  constructor(init) { this.#hwm = strategyHighWaterMark(init, arguments.length, 'ByteLengthQueuingStrategy'); }
  get highWaterMark() { return this.#hwm; }
  get size() { return byteLengthSize; }
}
function byteLengthSize(chunk) { return chunk.byteLength; }

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

class ReadableStreamDefaultReader {
  #stream = null;
  #closed;
  #resolveClosed;
  #rejectClosed;
  constructor(stream) {
    requiredArguments(arguments.length, 1, "Failed to construct 'ReadableStreamDefaultReader'");
    if (!(stream instanceof ReadableStream)) throw new TypeError("Failed to construct 'ReadableStreamDefaultReader': parameter 1 is not of type 'ReadableStream'.");
    if (stream.locked) throw new TypeError('This stream is already locked to a reader');
    this.#closed = new Promise((resolve, reject) => { this.#resolveClosed = resolve; this.#rejectClosed = reject; });
    this.#closed.catch(() => {});
    this.#stream = stream;
    streamOps.attach(stream, this);
  }
  get closed() { return this.#closed; }
  read() {
    if (this.#stream === null) return Promise.reject(new TypeError('The reader has been released'));
    return streamOps.read(this.#stream);
  }
  cancel(reason = undefined) {
    if (this.#stream === null) return Promise.reject(new TypeError('The reader has been released'));
    return streamOps.cancel(this.#stream, reason);
  }
  releaseLock() {
    if (this.#stream === null) return;
    const stream = this.#stream;
    const error = new TypeError('The reader was released');
    if (streamOps.state(stream) === 'readable') this.#rejectClosed(error);
    else {
      this.#closed = Promise.reject(error);
      this.#closed.catch(() => {});
    }
    streamOps.detach(stream, error);
    this.#stream = null;
  }
  static _settle(reader, error) {
    if (error === undefined) reader.#resolveClosed(undefined);
    else reader.#rejectClosed(error);
  }
}
const settleDefaultReaderClosed = ReadableStreamDefaultReader._settle;
delete ReadableStreamDefaultReader._settle;
function settleReaderClosed(reader, error) {
  if (reader instanceof ReadableStreamBYOBReader) settleByobReaderClosed(reader, error);
  else settleDefaultReaderClosed(reader, error);
}

let streamOps;

class ReadableStream {
  #state = 'readable';
  #storedError = undefined;
  #reader = null;
  #readRequests = [];
  #readIntoRequests = []; // of a BYOB reader
  #disturbed = false;
  #controller;
  #byteController = null; // a byte stream's controller state (byte_streams.js)
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

  constructor(underlyingSource = undefined, strategy = undefined) {
    const source = underlyingSource == null ? {} : underlyingSource;
    const s = strategy == null ? {} : strategy;
    if (source.type !== undefined && String(source.type) !== 'bytes') {
      throw new RangeError(`Failed to construct 'ReadableStream': invalid type ${source.type}`);
    }
    const bytes = source.type !== undefined;
    if (bytes && s.size !== undefined) throw new RangeError("Failed to construct 'ReadableStream': a byte stream cannot have a size function");
    const hwm = s.highWaterMark === undefined ? (bytes ? 0 : 1) : Number(s.highWaterMark);
    if (Number.isNaN(hwm) || hwm < 0) throw new RangeError("Failed to construct 'ReadableStream': invalid highWaterMark");
    if (s.size !== undefined && typeof s.size !== 'function') throw new TypeError("Failed to construct 'ReadableStream': size must be a function");
    for (const name of ['start', 'pull', 'cancel']) {
      if (source[name] !== undefined && typeof source[name] !== 'function') {
        throw new TypeError(`Failed to construct 'ReadableStream': ${name} must be a function`);
      }
    }
    if (bytes) {
      const [controller, state, start] = setUpByteController(this, source, hwm);
      this.#controller = controller;
      this.#byteController = state;
      start();
      return;
    }
    this.#hwm = hwm;
    this.#size = s.size;
    this.#controller = new ReadableStreamDefaultController(streamToken, this);
    this.#pullAlgorithm = source.pull ? () => source.pull.call(source, this.#controller) : () => undefined;
    this.#cancelAlgorithm = source.cancel ? (reason) => source.cancel.call(source, reason) : () => undefined;
    const startResult = source.start ? source.start.call(source, this.#controller) : undefined;
    Promise.resolve(startResult).then(() => {
      this.#started = true;
      this.#pullIfNeeded();
    }, (e) => this.#error(e));
  }

  get locked() { return this.#reader !== null; }

  getReader(options = undefined) {
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

  // Branches of a byte stream are byte streams and get their own copy of
  // each chunk ("ReadableByteStreamTee" clones for the second branch).
  tee() {
    const bytes = this.#byteController !== null;
    const reader = this.getReader();
    let canceled = [false, false];
    let reasons = [undefined, undefined];
    let resolveCancel;
    const cancelPromise = new Promise((resolve) => { resolveCancel = resolve; });
    let reading = false;
    const branches = [];
    const pull = () => {
      if (reading) return Promise.resolve();
      reading = true;
      return reader.read().then(({ value, done }) => {
        reading = false;
        // Copied before the first branch takes (transfers) the original.
        const chunks = [value, bytes && !done && !canceled[0] && !canceled[1] ? value.slice() : value];
        for (let i = 0; i < 2; i++) {
          if (canceled[i]) continue;
          if (done) {
            branches[i].controller.close();
            // A BYOB read waiting on a closed byte branch ends empty.
            if (bytes && branches[i].controller.byobRequest !== null) branches[i].controller.byobRequest.respond(0);
          } else branches[i].controller.enqueue(chunks[i]);
        }
        if (done && !(canceled[0] && canceled[1])) resolveCancel(undefined);
      }, (e) => {
        reading = false;
        for (let i = 0; i < 2; i++) if (!canceled[i]) branches[i].controller.error(e);
        resolveCancel(undefined);
      });
    };
    const cancelBranch = (i) => (reason) => {
      canceled[i] = true;
      reasons[i] = reason;
      if (canceled[0] && canceled[1]) resolveCancel(reader.cancel(reasons));
      return cancelPromise;
    };
    for (let i = 0; i < 2; i++) {
      const branch = {};
      branch.stream = new ReadableStream({
        type: bytes ? 'bytes' : undefined,
        start(controller) { branch.controller = controller; },
        pull,
        cancel: cancelBranch(i),
      }, { highWaterMark: 0 });
      branches.push(branch);
    }
    reader.closed.catch((e) => {
      for (let i = 0; i < 2; i++) if (!canceled[i]) branches[i].controller.error(e);
    });
    return [branches[0].stream, branches[1].stream];
  }

  values(options = undefined) {
    const preventCancel = options != null && !!options.preventCancel;
    const reader = this.getReader();
    let finished = false;
    const iterator = Object.create(AsyncIteratorPrototype, {
      next: {
        value: () => {
          if (finished) return Promise.resolve({ value: undefined, done: true });
          return reader.read().then((result) => {
            if (result.done) { finished = true; reader.releaseLock(); }
            return result;
          }, (e) => { finished = true; reader.releaseLock(); throw e; });
        },
      },
      return: {
        value: (value) => {
          if (finished) return Promise.resolve({ value, done: true });
          finished = true;
          if (preventCancel) { reader.releaseLock(); return Promise.resolve({ value, done: true }); }
          const cancelled = reader.cancel(value);
          reader.releaseLock();
          return cancelled.then(() => ({ value, done: true }));
        },
      },
    });
    return iterator;
  }
  [Symbol.asyncIterator](options = undefined) { return this.values(options); }

  pipeTo(destination, options = undefined) {
    return readableStreamPipeToMethod(this, arguments.length, destination, options);
  }
  pipeThrough(transform, options = undefined) {
    return readableStreamPipeThroughMethod(this, arguments.length, transform, options);
  }

  static from(asyncIterable) {
    if (asyncIterable instanceof ReadableStream) return asyncIterable;
    const method = asyncIterable == null ? undefined : (asyncIterable[Symbol.asyncIterator] ?? asyncIterable[Symbol.iterator]);
    if (typeof method !== 'function') throw new TypeError("Failed to execute 'from' on 'ReadableStream': the argument is not iterable");
    const iterator = method.call(asyncIterable);
    return new ReadableStream({
      async pull(controller) {
        const { value, done } = await iterator.next();
        if (done) controller.close();
        else controller.enqueue(await value);
      },
      async cancel(reason) {
        if (typeof iterator.return === 'function') await iterator.return(reason);
      },
    }, { highWaterMark: 0 });
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
    let result;
    try { result = this.#pullAlgorithm(); } catch (e) { this.#error(e); return; }
    Promise.resolve(result).then(() => {
      this.#pulling = false;
      if (this.#pullAgain) { this.#pullAgain = false; this.#pullIfNeeded(); }
    }, (e) => this.#error(e));
  }
  #enqueue(chunk) {
    if (this.#reader !== null && this.#readRequests.length > 0) {
      this.#readRequests.shift().resolve({ value: chunk, done: false });
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
    for (const request of this.#readRequests.splice(0)) request.resolve({ value: undefined, done: true });
    if (this.#reader !== null) settleReaderClosed(this.#reader, undefined);
  }
  #error(e) {
    if (this.#state !== 'readable') return;
    this.#state = 'errored';
    this.#storedError = e;
    this.#queue = [];
    this.#queueSize = 0;
    for (const request of this.#readRequests.splice(0)) request.reject(e);
    for (const request of this.#readIntoRequests.splice(0)) request.reject(e);
    if (this.#reader !== null) settleReaderClosed(this.#reader, e);
  }
  #read() {
    this.#disturbed = true;
    if (this.#state === 'closed') return Promise.resolve({ value: undefined, done: true });
    if (this.#state === 'errored') return Promise.reject(this.#storedError);
    if (this.#byteController !== null) {
      return new Promise((resolve, reject) => this.#byteController.pullSteps({ resolve, reject }));
    }
    if (this.#queue.length > 0) {
      const [chunk, size] = this.#queue.shift();
      this.#queueSize -= size;
      if (this.#queue.length === 0) this.#queueSize = 0;
      if (this.#closeRequested && this.#queue.length === 0) this.#finishClose();
      else this.#pullIfNeeded();
      return Promise.resolve({ value: chunk, done: false });
    }
    const promise = new Promise((resolve, reject) => this.#readRequests.push({ resolve, reject }));
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
    for (const request of this.#readIntoRequests.splice(0)) request.resolve({ value: undefined, done: true });
    let result;
    const cancel = this.#byteController !== null ? (r) => this.#byteController.cancelSteps(r) : this.#cancelAlgorithm;
    try { result = cancel(reason); } catch (e) { return Promise.reject(e); }
    return Promise.resolve(result).then(() => undefined);
  }
  static {
    streamOps = {
      desiredSize: (s) => s.#desiredSize(),
      canCloseOrEnqueue: (s) => s.#canCloseOrEnqueue(),
      close: (s) => s.#close(),
      enqueue: (s, chunk) => s.#enqueue(chunk),
      error: (s, e) => s.#error(e),
      read: (s) => s.#read(),
      cancel: (s, reason) => s.#cancel(reason),
      state: (s) => s.#state,
      disturbed: (s) => s.#disturbed,
      attach: (s, reader) => {
        s.#reader = reader;
        if (s.#state === 'closed') settleReaderClosed(reader, undefined);
        else if (s.#state === 'errored') settleReaderClosed(reader, s.#storedError);
      },
      detach: (s, error) => {
        if (s.#byteController !== null) s.#byteController.releaseSteps();
        for (const request of s.#readRequests.splice(0)) request.reject(error);
        for (const request of s.#readIntoRequests.splice(0)) request.reject(error);
        s.#reader = null;
      },
      // For the byte stream controller and the BYOB reader.
      byteController: (s) => s.#byteController,
      readerKind: (s) => (s.#reader === null ? null : s.#reader instanceof ReadableStreamBYOBReader ? 'byob' : 'default'),
      numReadRequests: (s) => s.#readRequests.length,
      numReadIntoRequests: (s) => s.#readIntoRequests.length,
      addReadRequest: (s, request) => s.#readRequests.push(request),
      addReadIntoRequest: (s, request) => s.#readIntoRequests.push(request),
      shiftReadRequest: (s) => s.#readRequests.shift(),
      fulfillReadRequest: (s, chunk, done) => {
        s.#readRequests.shift().resolve(done ? { value: undefined, done: true } : { value: chunk, done: false });
      },
      fulfillReadIntoRequest: (s, chunk, done) => s.#readIntoRequests.shift().resolve({ value: chunk, done }),
      closeStream: (s) => s.#finishClose(),
      errorStream: (s, e) => s.#error(e),
      readInto: (s, view, min) => {
        s.#disturbed = true;
        if (s.#state === 'errored') return Promise.reject(s.#storedError);
        return new Promise((resolve, reject) => s.#byteController.pullInto(view, min, { resolve, reject }));
      },
    };
  }
}
const AsyncIteratorPrototype = Object.getPrototypeOf(Object.getPrototypeOf(async function* () {}).prototype);
for (const cls of [ReadableStream, ReadableStreamDefaultReader, ReadableStreamDefaultController, CountQueuingStrategy, ByteLengthQueuingStrategy]) {
  Object.defineProperty(cls.prototype, Symbol.toStringTag, { value: cls.name, configurable: true });
}

// All chunks of a byte stream, joined (for body consumption).
async function readAllBytes(stream) {
  const reader = stream.getReader();
  const chunks = [];
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    if (!(value instanceof Uint8Array)) {
      const err = new TypeError('A body stream must produce Uint8Array chunks');
      reader.cancel(err);
      throw err;
    }
    chunks.push(value);
  }
  return concatBytes(chunks);
}
