// Readable byte streams (WHATWG Streams §4.7–4.10): the byte stream
// controller, BYOB readers and requests. The algorithms follow the standard
// step by step (names in comments); the stream side is in readable.js and
// reached through streamOps.
import { requiredArguments } from '../webidl/webidl.js';
import { uponPromise } from './promises.js';
import { GenericReader, ReadableStream, ReadableStreamDefaultReader, readResult, streamOps } from './readable.js';

const byteToken = Symbol('byteStream');

// "TransferArrayBuffer": the chunk now belongs to the stream.
function transferBuffer(buffer) {
  if (buffer.detached) throw new TypeError('The ArrayBuffer is detached');
  return buffer.transfer();
}

const VIEW_TYPES = [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array,
  Float32Array, Float64Array, BigInt64Array, BigUint64Array];
function viewConstructorOf(view) {
  for (const ctor of VIEW_TYPES) if (view instanceof ctor) return ctor;
  return DataView;
}

class ReadableStreamBYOBRequest {
  #controller;
  #view;
  constructor(token, controller, view) {
    if (token !== byteToken) throw new TypeError('Illegal constructor');
    this.#controller = controller;
    this.#view = view;
  }
  get view() { return this.#view; }
  respond(bytesWritten) {
    requiredArguments(arguments.length, 1, "Failed to execute 'respond' on 'ReadableStreamBYOBRequest'");
    const n = toIndex(bytesWritten, 'respond');
    if (this.#controller === undefined) throw new TypeError('This BYOB request has been invalidated');
    if (this.#view.buffer.detached) throw new TypeError('The view\'s buffer has been detached');
    this.#controller[byteToken].respond(n);
  }
  respondWithNewView(view) {
    requiredArguments(arguments.length, 1, "Failed to execute 'respondWithNewView' on 'ReadableStreamBYOBRequest'");
    if (!ArrayBuffer.isView(view)) throw new TypeError("Failed to execute 'respondWithNewView': parameter 1 is not an ArrayBufferView");
    if (this.#controller === undefined) throw new TypeError('This BYOB request has been invalidated');
    if (view.buffer.detached) throw new TypeError('The view\'s buffer has been detached');
    this.#controller[byteToken].respondWithNewView(view);
  }
  static _invalidate(request) {
    request.#controller = undefined;
    request.#view = null;
  }
}
const invalidateByobRequest = ReadableStreamBYOBRequest._invalidate;
delete ReadableStreamBYOBRequest._invalidate;

// WebIDL [EnforceRange] unsigned long long, as respond() takes.
function toIndex(value, what) {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new TypeError(`Failed to execute '${what}': ${value} is not a valid byte count`);
  return Math.trunc(n);
}

// The controller's state lives in an internal object so the public class
// exposes only the standard's members.
class ByteControllerState {
  constructor(stream, controller, pull, cancel, hwm, autoAllocateChunkSize) {
    this.stream = stream;
    this.controller = controller;
    this.pullAlgorithm = pull;
    this.cancelAlgorithm = cancel;
    this.hwm = hwm;
    this.autoAllocateChunkSize = autoAllocateChunkSize;
    this.byobRequest = null;
    this.closeRequested = false;
    this.pullAgain = false;
    this.pulling = false;
    this.started = false;
    this.pendingPullIntos = [];
    this.queue = [];
    this.queueTotalSize = 0;
  }

  // --- ReadableByteStreamController abstract operations ---
  desiredSize() {
    const state = streamOps.state(this.stream);
    if (state === 'errored') return null;
    if (state === 'closed') return 0;
    return this.hwm - this.queueTotalSize;
  }
  clearAlgorithms() {
    this.pullAlgorithm = undefined;
    this.cancelAlgorithm = undefined;
  }
  invalidateByobRequest() {
    if (this.byobRequest === null) return;
    invalidateByobRequest(this.byobRequest);
    this.byobRequest = null;
  }
  clearPendingPullIntos() {
    this.invalidateByobRequest();
    this.pendingPullIntos = [];
  }
  resetQueue() {
    this.queue = [];
    this.queueTotalSize = 0;
  }
  shouldCallPull() {
    if (streamOps.state(this.stream) !== 'readable' || this.closeRequested || !this.started) return false;
    const kind = streamOps.readerKind(this.stream);
    if (kind === 'default' && streamOps.numReadRequests(this.stream) > 0) return true;
    if (kind === 'byob' && streamOps.numReadIntoRequests(this.stream) > 0) return true;
    return this.desiredSize() > 0;
  }
  callPullIfNeeded() {
    if (!this.shouldCallPull()) return;
    if (this.pulling) { this.pullAgain = true; return; }
    this.pulling = true;
    let result;
    try { result = this.pullAlgorithm(); } catch (e) { result = Promise.reject(e); }
    uponPromise(Promise.resolve(result), () => {
      this.pulling = false;
      if (this.pullAgain) { this.pullAgain = false; this.callPullIfNeeded(); }
    }, (e) => this.error(e));
  }
  error(e) {
    if (streamOps.state(this.stream) !== 'readable') return;
    this.clearPendingPullIntos();
    this.resetQueue();
    this.clearAlgorithms();
    streamOps.errorStream(this.stream, e);
  }
  close() {
    if (this.closeRequested || streamOps.state(this.stream) !== 'readable') return;
    if (this.queueTotalSize > 0) { this.closeRequested = true; return; }
    if (this.pendingPullIntos.length > 0) {
      const first = this.pendingPullIntos[0];
      if (first.bytesFilled % first.elementSize !== 0) {
        const e = new TypeError('The stream closed in the middle of an element of the BYOB view');
        this.error(e);
        throw e;
      }
    }
    this.clearAlgorithms();
    streamOps.closeStream(this.stream);
  }
  enqueueChunkToQueue(buffer, byteOffset, byteLength) {
    this.queue.push({ buffer, byteOffset, byteLength });
    this.queueTotalSize += byteLength;
  }
  enqueueClonedChunkToQueue(buffer, byteOffset, byteLength) {
    let clone;
    try { clone = buffer.slice(byteOffset, byteOffset + byteLength); } catch (e) { this.error(e); throw e; }
    this.enqueueChunkToQueue(clone, 0, byteLength);
  }
  enqueueDetachedPullIntoToQueue(descriptor) {
    if (descriptor.bytesFilled > 0) this.enqueueClonedChunkToQueue(descriptor.buffer, descriptor.byteOffset, descriptor.bytesFilled);
    this.shiftPendingPullInto();
  }
  shiftPendingPullInto() {
    return this.pendingPullIntos.shift();
  }
  enqueue(chunk) {
    const stream = this.stream;
    if (this.closeRequested || streamOps.state(stream) !== 'readable') return;
    const { buffer, byteOffset, byteLength } = chunk;
    if (buffer.detached) throw new TypeError("Failed to execute 'enqueue': the chunk's buffer is detached");
    const transferred = transferBuffer(buffer);
    if (this.pendingPullIntos.length > 0) {
      const first = this.pendingPullIntos[0];
      if (first.buffer.detached) throw new TypeError("Failed to execute 'enqueue': the BYOB request's buffer is detached");
      this.invalidateByobRequest();
      first.buffer = transferBuffer(first.buffer);
      if (first.readerType === 'none') this.enqueueDetachedPullIntoToQueue(first);
    }
    const kind = streamOps.readerKind(stream);
    if (kind === 'default') {
      this.processReadRequestsUsingQueue();
      if (streamOps.numReadRequests(stream) === 0) {
        this.enqueueChunkToQueue(transferred, byteOffset, byteLength);
      } else {
        if (this.pendingPullIntos.length > 0) this.shiftPendingPullInto();
        streamOps.fulfillReadRequest(stream, new Uint8Array(transferred, byteOffset, byteLength), false);
      }
    } else if (kind === 'byob') {
      this.enqueueChunkToQueue(transferred, byteOffset, byteLength);
      for (const d of this.processPullIntoDescriptorsUsingQueue()) this.commitPullIntoDescriptor(d);
    } else {
      this.enqueueChunkToQueue(transferred, byteOffset, byteLength);
    }
    this.callPullIfNeeded();
  }
  fillPullIntoDescriptorFromQueue(d) {
    const maxBytesToCopy = Math.min(this.queueTotalSize, d.byteLength - d.bytesFilled);
    const maxBytesFilled = d.bytesFilled + maxBytesToCopy;
    let totalBytesToCopyRemaining = maxBytesToCopy;
    let ready = false;
    const maxAlignedBytes = maxBytesFilled - (maxBytesFilled % d.elementSize);
    if (maxAlignedBytes >= d.minimumFill) {
      totalBytesToCopyRemaining = maxAlignedBytes - d.bytesFilled;
      ready = true;
    }
    while (totalBytesToCopyRemaining > 0) {
      const head = this.queue[0];
      const bytesToCopy = Math.min(totalBytesToCopyRemaining, head.byteLength);
      const destStart = d.byteOffset + d.bytesFilled;
      new Uint8Array(d.buffer, destStart, bytesToCopy).set(new Uint8Array(head.buffer, head.byteOffset, bytesToCopy));
      if (head.byteLength === bytesToCopy) this.queue.shift();
      else { head.byteOffset += bytesToCopy; head.byteLength -= bytesToCopy; }
      this.queueTotalSize -= bytesToCopy;
      d.bytesFilled += bytesToCopy;
      totalBytesToCopyRemaining -= bytesToCopy;
    }
    return ready;
  }
  fillReadRequestFromQueue(request) {
    const entry = this.queue.shift();
    this.queueTotalSize -= entry.byteLength;
    this.handleQueueDrain();
    request.resolve(readResult(request, new Uint8Array(entry.buffer, entry.byteOffset, entry.byteLength), false));
  }
  handleQueueDrain() {
    if (this.queueTotalSize === 0 && this.closeRequested) {
      this.clearAlgorithms();
      streamOps.closeStream(this.stream);
    } else {
      this.callPullIfNeeded();
    }
  }
  processReadRequestsUsingQueue() {
    while (streamOps.numReadRequests(this.stream) > 0) {
      if (this.queueTotalSize === 0) return;
      this.fillReadRequestFromQueue(streamOps.shiftReadRequest(this.stream));
    }
  }
  processPullIntoDescriptorsUsingQueue() {
    const filled = [];
    while (this.pendingPullIntos.length > 0) {
      if (this.queueTotalSize === 0) break;
      const d = this.pendingPullIntos[0];
      if (this.fillPullIntoDescriptorFromQueue(d)) {
        this.shiftPendingPullInto();
        filled.push(d);
      }
    }
    return filled;
  }
  convertPullIntoDescriptor(d) {
    const buffer = transferBuffer(d.buffer);
    return new d.viewConstructor(buffer, d.byteOffset, d.bytesFilled / d.elementSize);
  }
  commitPullIntoDescriptor(d) {
    const done = streamOps.state(this.stream) === 'closed';
    const view = this.convertPullIntoDescriptor(d);
    if (d.readerType === 'default') streamOps.fulfillReadRequest(this.stream, view, done);
    else streamOps.fulfillReadIntoRequest(this.stream, view, done);
  }
  getByobRequest() {
    if (this.byobRequest === null && this.pendingPullIntos.length > 0) {
      const first = this.pendingPullIntos[0];
      const view = new Uint8Array(first.buffer, first.byteOffset + first.bytesFilled, first.byteLength - first.bytesFilled);
      this.byobRequest = new ReadableStreamBYOBRequest(byteToken, this.controller, view);
    }
    return this.byobRequest;
  }
  respond(bytesWritten) {
    const first = this.pendingPullIntos[0];
    if (streamOps.state(this.stream) === 'closed') {
      if (bytesWritten !== 0) throw new TypeError('bytesWritten must be 0 once the stream is closed');
    } else {
      if (bytesWritten === 0) throw new TypeError('bytesWritten must be greater than 0 while the stream is readable');
      if (first.bytesFilled + bytesWritten > first.byteLength) throw new RangeError('bytesWritten is larger than the view');
    }
    first.buffer = transferBuffer(first.buffer);
    this.respondInternal(bytesWritten);
  }
  respondWithNewView(view) {
    const first = this.pendingPullIntos[0];
    if (streamOps.state(this.stream) === 'closed') {
      if (view.byteLength !== 0) throw new TypeError('The view must be empty once the stream is closed');
    } else if (view.byteLength === 0) {
      throw new TypeError('The view must not be empty while the stream is readable');
    }
    if (first.byteOffset + first.bytesFilled !== view.byteOffset) throw new RangeError('The view does not start where the request\'s view does');
    if (first.bufferByteLength !== view.buffer.byteLength) throw new RangeError('The view\'s buffer differs in length from the request\'s');
    if (first.bytesFilled + view.byteLength > first.byteLength) throw new RangeError('The view is larger than the request\'s');
    const length = view.byteLength;
    first.buffer = transferBuffer(view.buffer);
    this.respondInternal(length);
  }
  respondInternal(bytesWritten) {
    const first = this.pendingPullIntos[0];
    this.invalidateByobRequest();
    if (streamOps.state(this.stream) === 'closed') {
      if (first.readerType === 'none') this.shiftPendingPullInto();
      if (streamOps.readerKind(this.stream) === 'byob') {
        const filled = [];
        while (filled.length < streamOps.numReadIntoRequests(this.stream)) filled.push(this.shiftPendingPullInto());
        for (const d of filled) this.commitPullIntoDescriptor(d);
      }
    } else {
      this.respondInReadableState(bytesWritten, first);
    }
    this.callPullIfNeeded();
  }
  respondInReadableState(bytesWritten, d) {
    d.bytesFilled += bytesWritten;
    if (d.readerType === 'none') {
      this.enqueueDetachedPullIntoToQueue(d);
      for (const f of this.processPullIntoDescriptorsUsingQueue()) this.commitPullIntoDescriptor(f);
      return;
    }
    if (d.bytesFilled < d.minimumFill) return;
    this.shiftPendingPullInto();
    const remainder = d.bytesFilled % d.elementSize;
    if (remainder > 0) {
      const end = d.byteOffset + d.bytesFilled;
      this.enqueueClonedChunkToQueue(d.buffer, end - remainder, remainder);
    }
    d.bytesFilled -= remainder;
    const filled = this.processPullIntoDescriptorsUsingQueue();
    this.commitPullIntoDescriptor(d);
    for (const f of filled) this.commitPullIntoDescriptor(f);
  }
  // "ReadableByteStreamControllerPullInto"
  pullInto(view, min, request) {
    const ctor = viewConstructorOf(view);
    const elementSize = ctor === DataView ? 1 : ctor.BYTES_PER_ELEMENT;
    const { byteOffset, byteLength } = view; // before the transfer detaches the view
    let buffer;
    try { buffer = transferBuffer(view.buffer); } catch (e) { request.reject(e); return; }
    const d = {
      buffer, bufferByteLength: buffer.byteLength, byteOffset, byteLength,
      bytesFilled: 0, minimumFill: min * elementSize, elementSize, viewConstructor: ctor, readerType: 'byob',
    };
    if (this.pendingPullIntos.length > 0) {
      this.pendingPullIntos.push(d);
      streamOps.addReadIntoRequest(this.stream, request);
      return;
    }
    if (streamOps.state(this.stream) === 'closed') {
      request.resolve(readResult(request, new ctor(d.buffer, d.byteOffset, 0), true));
      return;
    }
    if (this.queueTotalSize > 0) {
      if (this.fillPullIntoDescriptorFromQueue(d)) {
        const filled = this.convertPullIntoDescriptor(d);
        this.handleQueueDrain();
        request.resolve(readResult(request, filled, false));
        return;
      }
      if (this.closeRequested) {
        const e = new TypeError('The stream closed in the middle of an element of the BYOB view');
        this.error(e);
        request.reject(e);
        return;
      }
    }
    this.pendingPullIntos.push(d);
    streamOps.addReadIntoRequest(this.stream, request);
    this.callPullIfNeeded();
  }
  // [[PullSteps]]: a default reader's read().
  pullSteps(request) {
    if (this.queueTotalSize > 0) {
      this.fillReadRequestFromQueue(request);
      return;
    }
    if (this.autoAllocateChunkSize !== undefined) {
      let buffer;
      try { buffer = new ArrayBuffer(this.autoAllocateChunkSize); } catch (e) { request.reject(e); return; }
      this.pendingPullIntos.push({
        buffer, bufferByteLength: buffer.byteLength, byteOffset: 0, byteLength: buffer.byteLength, bytesFilled: 0,
        minimumFill: 1, elementSize: 1, viewConstructor: Uint8Array, readerType: 'default',
      });
    }
    streamOps.addReadRequest(this.stream, request);
    this.callPullIfNeeded();
  }
  // [[CancelSteps]]
  cancelSteps(reason) {
    this.clearPendingPullIntos();
    this.resetQueue();
    const cancel = this.cancelAlgorithm;
    this.clearAlgorithms();
    return cancel(reason);
  }
  // [[ReleaseSteps]]
  releaseSteps() {
    if (this.pendingPullIntos.length === 0) return;
    const first = this.pendingPullIntos[0];
    first.readerType = 'none';
    this.pendingPullIntos = [first];
  }
}

class ReadableByteStreamController {
  constructor(token, state) {
    if (token !== byteToken) throw new TypeError('Illegal constructor');
    Object.defineProperty(this, byteToken, { value: state });
  }
  get byobRequest() { return this[byteToken].getByobRequest(); }
  get desiredSize() { return this[byteToken].desiredSize(); }
  close() {
    const c = this[byteToken];
    if (c.closeRequested) throw new TypeError('The stream is already closing');
    if (streamOps.state(c.stream) !== 'readable') throw new TypeError('The stream is not readable');
    c.close();
  }
  enqueue(chunk) {
    requiredArguments(arguments.length, 1, "Failed to execute 'enqueue' on 'ReadableByteStreamController'");
    if (!ArrayBuffer.isView(chunk)) throw new TypeError("Failed to execute 'enqueue': parameter 1 is not an ArrayBufferView");
    if (chunk.byteLength === 0) throw new TypeError("Failed to execute 'enqueue': the chunk is empty");
    if (chunk.buffer.byteLength === 0) throw new TypeError("Failed to execute 'enqueue': the chunk's buffer is empty or detached");
    const c = this[byteToken];
    if (c.closeRequested) throw new TypeError('The stream is closing');
    if (streamOps.state(c.stream) !== 'readable') throw new TypeError('The stream is not readable');
    c.enqueue(chunk);
  }
  error(e = undefined) { this[byteToken].error(e); }
}

// "SetUpReadableByteStreamControllerFromUnderlyingSource"
// `members` is the UnderlyingSource dictionary, read once by the constructor.
function setUpByteController(stream, source, autoAllocateChunkSize, pull, cancel, hwm) {
  if (autoAllocateChunkSize !== undefined) {
    autoAllocateChunkSize = Number(autoAllocateChunkSize);
    if (!Number.isFinite(autoAllocateChunkSize) || Math.trunc(autoAllocateChunkSize) <= 0) {
      throw new TypeError("Failed to construct 'ReadableStream': autoAllocateChunkSize must be a positive integer");
    }
    autoAllocateChunkSize = Math.trunc(autoAllocateChunkSize);
  }
  const state = new ByteControllerState(
    stream, null,
    pull ? () => Reflect.apply(pull, source, [state.controller]) : () => undefined,
    cancel ? (reason) => Reflect.apply(cancel, source, [reason]) : () => undefined,
    hwm, autoAllocateChunkSize,
  );
  state.controller = new ReadableByteStreamController(byteToken, state);
  return state;
}
// Runs the underlying source's start(); pulls once it has settled.
function startByteController(state, source, start) {
  const startResult = start ? Reflect.apply(start, source, [state.controller]) : undefined;
  uponPromise(Promise.resolve(startResult), () => {
    state.started = true;
    state.callPullIfNeeded();
  }, (e) => state.error(e));
}

class ReadableStreamBYOBReader {
  #reader;
  constructor(stream) {
    requiredArguments(arguments.length, 1, "Failed to construct 'ReadableStreamBYOBReader'");
    this.#reader = new GenericReader(stream, 'byob', 'ReadableStreamBYOBReader');
  }
  get closed() { return this.#reader.closed; }
  read(view, options = undefined) {
    if (!ArrayBuffer.isView(view)) return Promise.reject(new TypeError("Failed to execute 'read' on 'ReadableStreamBYOBReader': parameter 1 is not an ArrayBufferView"));
    if (view.byteLength === 0) return Promise.reject(new TypeError("Failed to execute 'read': the view is empty"));
    if (view.buffer.byteLength === 0) return Promise.reject(new TypeError("Failed to execute 'read': the view's buffer is empty"));
    if (view.buffer.detached) return Promise.reject(new TypeError("Failed to execute 'read': the view's buffer is detached"));
    let min = 1;
    if (options != null && options.min !== undefined) {
      min = Number(options.min);
      if (!Number.isFinite(min) || min < 0) return Promise.reject(new TypeError("Failed to execute 'read': min must be a non-negative integer"));
      min = Math.trunc(min);
    }
    if (min === 0) return Promise.reject(new TypeError("Failed to execute 'read': min must be greater than 0"));
    const length = view instanceof DataView ? view.byteLength : view.length;
    if (min > length) return Promise.reject(new RangeError("Failed to execute 'read': min is larger than the view"));
    const stream = this.#reader.stream;
    if (stream === null) return Promise.reject(new TypeError('The reader has been released'));
    return streamOps.readInto(stream, view, min);
  }
  cancel(reason = undefined) { return this.#reader.cancel(reason); }
  releaseLock() { this.#reader.release(); }
}

for (const cls of [ReadableByteStreamController, ReadableStreamBYOBReader, ReadableStreamBYOBRequest]) {
  Object.defineProperty(cls.prototype, Symbol.toStringTag, { value: cls.name, configurable: true });
}

// "ReadableByteStreamTee": a branch with a pending BYOB read is pulled
// through a BYOB reader into that branch's own view; the other branch gets
// a copy. The source's reader switches between default and BYOB as the
// branches' reads require.
function byteStreamTee(stream) {
  let reader = new ReadableStreamDefaultReader(stream);
  let reading = false;
  const readAgain = [false, false];
  const canceled = [false, false];
  const reasons = [undefined, undefined];
  const branches = [null, null];
  let resolveCancel;
  const cancelPromise = new Promise((resolve) => { resolveCancel = resolve; });
  const state = (i) => streamOps.byteController(branches[i]);
  const errorBoth = (e) => { state(0).error(e); state(1).error(e); };

  const forwardReaderError = (thisReader) => {
    uponPromise(thisReader.closed, undefined, (e) => {
      if (thisReader !== reader) return;
      errorBoth(e);
      if (!canceled[0] || !canceled[1]) resolveCancel(undefined);
    });
  };
  // After a read: pull again for a branch that asked while reading.
  const pullAgain = () => {
    reading = false;
    if (readAgain[0]) pull(0);
    else if (readAgain[1]) pull(1);
  };
  // Copies a chunk for the other branch; on failure both branches error.
  const cloneFor = (chunk) => {
    try { return new Uint8Array(chunk.buffer.slice(chunk.byteOffset, chunk.byteOffset + chunk.byteLength)); } catch (e) {
      errorBoth(e);
      resolveCancel(streamOps.cancel(stream, e));
      return null;
    }
  };
  const pullWithDefaultReader = () => {
    if (reader instanceof ReadableStreamBYOBReader) {
      reader.releaseLock();
      reader = new ReadableStreamDefaultReader(stream);
      forwardReaderError(reader);
    }
    // The reader holds the lock; the read is internal (see readResult).
    uponPromise(streamOps.read(stream, true), ({ value: chunk, done }) => {
      if (done) {
        reading = false;
        for (let i = 0; i < 2; i++) if (!canceled[i]) state(i).close();
        for (let i = 0; i < 2; i++) if (state(i).pendingPullIntos.length > 0) state(i).respond(0);
        if (!canceled[0] || !canceled[1]) resolveCancel(undefined);
        return;
      }
      readAgain[0] = readAgain[1] = false;
      let second = chunk;
      if (!canceled[0] && !canceled[1]) {
        second = cloneFor(chunk);
        if (second === null) return;
      }
      if (!canceled[0]) state(0).enqueue(chunk);
      if (!canceled[1]) state(1).enqueue(second);
      pullAgain();
    }, () => { reading = false; });
  };
  const pullWithByobReader = (view, i) => {
    if (!(reader instanceof ReadableStreamBYOBReader)) {
      reader.releaseLock();
      reader = new ReadableStreamBYOBReader(stream);
      forwardReaderError(reader);
    }
    const other = 1 - i;
    // An internal read (see readResult), as the tee's other reads.
    uponPromise(streamOps.readInto(stream, view, 1, true), ({ value: chunk, done }) => {
      if (done) {
        reading = false;
        if (!canceled[i]) state(i).close();
        if (!canceled[other]) state(other).close();
        if (chunk !== undefined) {
          if (!canceled[i]) state(i).respondWithNewView(chunk);
          if (!canceled[other] && state(other).pendingPullIntos.length > 0) state(other).respond(0);
        }
        if (!canceled[i] || !canceled[other]) resolveCancel(undefined);
        return;
      }
      readAgain[0] = readAgain[1] = false;
      if (!canceled[other]) {
        const copy = cloneFor(chunk);
        if (copy === null) return;
        if (!canceled[i]) state(i).respondWithNewView(chunk);
        state(other).enqueue(copy);
      } else if (!canceled[i]) {
        state(i).respondWithNewView(chunk);
      }
      pullAgain();
    }, () => { reading = false; });
  };
  const pull = (i) => {
    if (reading) { readAgain[i] = true; return Promise.resolve(); }
    reading = true;
    const request = state(i).getByobRequest();
    if (request === null) pullWithDefaultReader();
    else pullWithByobReader(request.view, i);
    return Promise.resolve();
  };
  const cancelBranch = (i) => (reason) => {
    canceled[i] = true;
    reasons[i] = reason;
    if (canceled[1 - i]) resolveCancel(streamOps.cancel(stream, reasons));
    return cancelPromise;
  };
  for (let i = 0; i < 2; i++) {
    branches[i] = new ReadableStream({ __proto__: null, type: 'bytes', pull: () => pull(i), cancel: cancelBranch(i) });
  }
  forwardReaderError(reader);
  return branches;
}

export { ReadableByteStreamController, ReadableStreamBYOBReader, ReadableStreamBYOBRequest, byteStreamTee, setUpByteController, startByteController };
