// The Body mixin (Fetch Standard) shared by Request and Response. A body is
// bytes, a string (a Response made from one, until the body is read), a
// body still in the host (HostBody: the incoming request's, or a fetch
// response's), or a ReadableStream.
import * as native from 'nano:native';
import { bufferSourceBytes, isBufferSource } from '../webidl/webidl.js';
import { TextDecoder } from '../encoding/encoding.js';
import { URLSearchParams } from '../url/url.js';
import { ReadableStream, ReadableStreamDefaultReader, readAllBytes, streamOps } from '../streams/readable.js';
import { lazySources } from '../streams/pipe.js';
import { claimPendingPipe } from '../streams/transform.js';
import { markHandled, uponPromise } from '../streams/promises.js';
import { Blob, blobBytes } from '../blob/blob.js';
import { FormData, bodyToFormData, encodeMultipart } from './form_data.js';

const bodyInternals = Symbol('body');

// A body the host streams in (see bodies.rs): read a chunk at a time as a
// ReadableStream pulls, or all at once for text()/arrayBuffer()/…, so it is
// never held twice and never held whole when streamed.
class HostBody {
  // id 0 is the incoming request's body, opened on first read. `read`: JS
  // has asked for some of it (so it can no longer be forwarded whole).
  constructor(id) { this.id = id; this.error = null; this.read = false; }
}
const hostBodyReads = new Map(); // body id -> { body, resolve, reject }
const sinkWaits = new Map(); // sink id -> { resolve, reject }

// The intrinsic, as the prelude found it: whatever an app changes.
const isView = ArrayBuffer.isView;

// What has arrived of `body` now (bodies.rs `read`): the next chunk (null
// at the end), or with `all` the whole rest if its end is here too;
// undefined if it must be waited for (`hostBodyRead`); a rejected promise
// if the body failed or is no longer there.
function readHostBodyNow(body, all) {
  if (body.error !== null) return Promise.reject(body.error);
  body.read = true;
  try {
    if (body.id === 0) body.id = native.requestBody();
    return native.bodyRead(body.id, all);
  } catch (err) {
    return Promise.reject(err);
  }
}

// The answer to the read asked for last, from the event loop.
function hostBodyRead(body) {
  return new Promise((resolve, reject) => {
    hostBodyReads.set(body.id, { body, resolve, reject });
  });
}

// The next chunk (null at the end), or with `all` the rest in one piece,
// as `{ chunk }` with no prototype: a promise resolved with it consults no
// `then` an app may have put on Object.prototype.
function readHostBody(body, all) {
  const chunk = readHostBodyNow(body, all);
  if (chunk === undefined) return hostBodyRead(body);
  return chunk === null || isView(chunk) ? Promise.resolve({ __proto__: null, chunk }) : chunk;
}

// Stops receiving `body` (cancelled stream, aborted fetch).
function cancelHostBody(body, reason) {
  if (body.error !== null) return;
  body.error = reason ?? new TypeError('The body was cancelled');
  if (body.id === 0) return; // never opened: the host drops it with the request
  native.bodyCancel(body.id);
  const read = hostBodyReads.get(body.id);
  if (read !== undefined) {
    hostBodyReads.delete(body.id);
    read.reject(body.error);
  }
}

// The platform's own streams take null-prototype dictionaries: getters an
// app defines on Object.prototype (start, type, size, …) are never read.
const NO_HIGH_WATER_MARK = Object.freeze({ __proto__: null, highWaterMark: 0 });

// Host bodies' streams, to their body (see forwardableBody).
const hostStreams = new WeakMap();

function hostBodyStream(body) {
  const stream = new ReadableStream({
    __proto__: null,
    type: 'bytes',
    pull(controller) {
      return uponPromise(readHostBody(body, false), ({ chunk }) => {
        if (chunk === null) controller.close();
        else controller.enqueue(chunk);
      });
    },
    cancel(reason) { cancelHostBody(body, reason); },
  }, NO_HIGH_WATER_MARK);
  hostStreams.set(stream, body);
  lazySources.add(stream);
  return stream;
}

// The host body behind `stream` if none of it was read: the stream itself,
// or the source of a pipe waiting on it (an identity TransformStream's
// readable side, as in `body.pipeTo(writable); return new Response(readable)`).
function forwardableBody(stream) {
  const direct = hostStreams.get(stream);
  if (direct !== undefined) return direct.read ? null : direct;
  const source = claimPendingPipe(stream);
  const body = source === undefined ? undefined : hostStreams.get(source);
  return body === undefined || body.read ? null : body;
}

// Writes `source` to host sink `id` (the response to the client, or a
// fetch's request body), a chunk at a time and only as fast as the host takes
// them; ends or aborts the sink. `source` is a ReadableStream, or a HostBody
// that never became one (`return await fetch(…)`). A response whose client
// stopped reading is the client's doing: `source` is cancelled with the
// sink's error as for any failure, but the promise resolves to the error's
// message (the event loop logs it at INFO) and the error, wherever the app
// lets it go unhandled, is not reported as the app's (see `isClientGone`).
async function pumpToSink(id, source, toClient = false) {
  const host = source instanceof HostBody ? source : null;
  // The platform's own reads: an app's patched getReader or
  // Object.prototype.then sees nothing (see readResult).
  if (host === null) new ReadableStreamDefaultReader(source);
  let writing = false;
  try {
    // A host body that JS never read goes to the sink in the host, its
    // bytes never through JS. Then the source is read as below: it sees the
    // host body's end (or failure) as it would have, and a stream closes (or
    // errors) through the standard's steps.
    const body = host ?? forwardableBody(source);
    if (body !== null && body.error === null) {
      if (body.id === 0) body.id = native.requestBody();
      body.read = true;
      writing = true;
      native.sinkForward(id, body.id);
      await new Promise((resolve, reject) => sinkWaits.set(id, { resolve, reject }));
      writing = false;
    }
    if (host !== null) {
      // Its end (a null chunk: the forward took the rest), or its failure.
      await readHostBody(host, false);
    } else {
      for (;;) {
        const { value, done } = await streamOps.read(source, true);
        if (done) break;
        if (!(value instanceof Uint8Array)) throw new TypeError('A body stream must produce Uint8Array chunks');
        writing = true;
        if (!native.sinkWrite(id, value)) await new Promise((resolve, reject) => sinkWaits.set(id, { resolve, reject }));
        writing = false;
      }
    }
    writing = true;
    native.sinkClose(id);
  } catch (err) {
    native.sinkAbort(id);
    const clientGone = toClient && writing;
    if (clientGone) clientGoneErrors.add(err);
    if (host !== null) cancelHostBody(host, err);
    else markHandled(streamOps.cancel(source, err));
    if (clientGone) return err.message;
    throw err;
  }
}

// The errors a response's sink failed with (always TypeErrors it made).
const clientGoneErrors = new WeakSet();
function isClientGone(reason) {
  return typeof reason === 'object' && reason !== null && clientGoneErrors.has(reason);
}

// Hooks (see hooks.js): host body events.
function bodyData(id, chunk) {
  const read = hostBodyReads.get(id);
  if (read === undefined) return;
  hostBodyReads.delete(id);
  read.resolve({ __proto__: null, chunk });
}
// Drops sink `id` unfinished (an aborted fetch's upload): a pump waiting
// on it fails with `reason`, and cancels its source.
function abortSink(id, reason) {
  native.sinkAbort(id);
  rejectSinkWait(id, reason);
}
function sinkDrained(id) {
  const wait = sinkWaits.get(id);
  if (wait === undefined) return;
  sinkWaits.delete(id);
  wait.resolve();
}
function bodyFailed(id, message) {
  const err = new TypeError(`The body could not be transferred: ${message}`);
  const read = hostBodyReads.get(id);
  if (read !== undefined) {
    hostBodyReads.delete(id);
    read.body.error = err;
    read.reject(err);
  }
  rejectSinkWait(id, err);
}
// A pump waiting for sink `id` to drain fails with `err`.
function rejectSinkWait(id, err) {
  const wait = sinkWaits.get(id);
  if (wait === undefined) return;
  sinkWaits.delete(id);
  wait.reject(err);
}

// "Extract a body": [bytes or null, content type or null].
function extractBody(init) {
  if (init === null || init === undefined) return [null, null];
  if (typeof init === 'string') return [native.utf8Encode(init), 'text/plain;charset=UTF-8'];
  if (isBufferSource(init)) return [bufferSourceBytes(init).slice(), null];
  if (init instanceof URLSearchParams) {
    return [native.utf8Encode(init.toString()), 'application/x-www-form-urlencoded;charset=UTF-8'];
  }
  if (init instanceof Blob) return [init[blobBytes].slice(), init.type === '' ? null : init.type];
  if (init instanceof FormData) return encodeMultipart(init);
  if (init instanceof ReadableStream) {
    if (init.locked || streamOps.disturbed(init)) throw new TypeError('The body stream is locked or has been read');
    return [init, null];
  }
  const s = String(init);
  return [native.utf8Encode(s), 'text/plain;charset=UTF-8'];
}

// A body source as a stream (a body still in the host streams from it).
function sourceStream(source) {
  return source instanceof HostBody ? hostBodyStream(source) : source;
}

// `source`: null, bytes (a Uint8Array), a string (a Response made from
// one, until its body is read: see settleStringBody), a HostBody or a
// ReadableStream.
// Written out inline where every request passes (the Response constructor,
// makeIncomingRequest): keep those in step.
function newBodyState(source) {
  return { source, used: false };
}

// A string source becomes its UTF-8 bytes (lone surrogates replaced by
// utf8Encode, as the standard's extraction does) the first time the body
// is read.
function settleStringBody(state) {
  if (typeof state.source === 'string') state.source = native.utf8Encode(state.source);
}

function bodyHasContent(state) {
  return state.source !== null;
}

// Takes the body's bytes, marking it used: the bytes (a Uint8Array) when
// they are all here now, else a promise of `{ bytes }` with no prototype
// (see readHostBody), rejected if the body was used already or fails.
function takeBody(target, what) {
  const state = target[bodyInternals];
  settleStringBody(state);
  if (state.used) {
    return Promise.reject(new TypeError(`Failed to execute '${what}' on '${target.constructor.name}': body stream already read`));
  }
  if (state.source === null) return new Uint8Array(0);
  if (state.source instanceof ReadableStream) {
    if (state.source.locked || streamOps.disturbed(state.source)) {
      return Promise.reject(new TypeError(`Failed to execute '${what}' on '${target.constructor.name}': body stream already read`));
    }
    state.used = true;
    return readAllBytes(state.source);
  }
  state.used = true;
  const source = state.source;
  state.source = new Uint8Array(0);
  if (source instanceof HostBody) {
    const bytes = readHostBodyNow(source, true); // the bytes, or a rejection
    if (bytes !== undefined) return bytes;
    return uponPromise(hostBodyRead(source), ({ chunk }) => ({ __proto__: null, bytes: chunk }));
  }
  return source;
}

// `takeBody` as a promise of `{ bytes }` (fetch's upload).
function consumeBody(target, what) {
  const taken = takeBody(target, what);
  return isView(taken) ? Promise.resolve({ __proto__: null, bytes: taken }) : taken;
}

// A read of the Body mixin: `convert` of the body's bytes, as a promise.
// Bytes that are all here are converted now (no reaction job in between):
// most request bodies, and a fetch response's once it has arrived.
function readBody(target, what, convert) {
  const taken = takeBody(target, what);
  if (!isView(taken)) return uponPromise(taken, ({ bytes }) => convert(bytes));
  try {
    return Promise.resolve(convert(taken));
  } catch (err) {
    return Promise.reject(err);
  }
}

function bytesToArrayBuffer(b) {
  return b.byteOffset === 0 && b.byteLength === b.buffer.byteLength ? b.buffer : b.slice().buffer;
}
function bytesToBytes(b) {
  return b.byteOffset === 0 && b.byteLength === b.buffer.byteLength ? b : b.slice();
}
function bytesToText(b) {
  return b.length ? new TextDecoder().decode(b) : '';
}
function bytesToJSON(b) {
  return JSON.parse(b.length ? new TextDecoder().decode(b) : '');
}

const BodyMixin = {
  get bodyUsed() {
    const state = this[bodyInternals];
    return state.used || (state.source instanceof ReadableStream && streamOps.disturbed(state.source));
  },
  // The body as a stream, made on first use from the bytes.
  get body() {
    const state = this[bodyInternals];
    settleStringBody(state);
    if (state.source === null) return null;
    if (state.source instanceof HostBody && !state.used) {
      state.source = hostBodyStream(state.source);
    } else if (!(state.source instanceof ReadableStream)) {
      let pending = state.used ? new Uint8Array(0) : state.source;
      state.source = new ReadableStream({
        __proto__: null,
        type: 'bytes',
        pull(controller) {
          if (pending.length) controller.enqueue(pending);
          pending = null;
          controller.close();
        },
      }, NO_HIGH_WATER_MARK);
      // A body already consumed had its stream read to the end: locked
      // and disturbed, so getReader() throws as the standard has it.
      if (state.used) {
        new ReadableStreamDefaultReader(state.source);
        streamOps.markDisturbed(state.source);
      }
    }
    return state.source;
  },
  arrayBuffer() {
    return readBody(this, 'arrayBuffer', bytesToArrayBuffer);
  },
  bytes() {
    return readBody(this, 'bytes', bytesToBytes);
  },
  text() {
    return readBody(this, 'text', bytesToText);
  },
  json() {
    return readBody(this, 'json', bytesToJSON);
  },
  blob() {
    const type = this.headers.get('content-type');
    return readBody(this, 'blob', (b) => {
      const blob = new Blob([], { type: type === null ? '' : type });
      blob[blobBytes] = b.slice();
      return blob;
    });
  },
  formData() {
    const type = this.headers.get('content-type');
    return readBody(this, 'formData', (b) => bodyToFormData(b, type));
  },
};

function mixinBody(cls) {
  for (const key of Object.getOwnPropertyNames(BodyMixin)) {
    Object.defineProperty(cls.prototype, key, Object.getOwnPropertyDescriptor(BodyMixin, key));
  }
}

// A copy of a body for clone(): a stream is teed (as the standard says),
// bytes are copied.
function cloneBodyState(target) {
  const state = target[bodyInternals];
  if (state.used) throw new TypeError(`Failed to execute 'clone' on '${target.constructor.name}': body has already been used`);
  state.source = sourceStream(state.source);
  if (state.source instanceof ReadableStream) {
    const [mine, theirs] = state.source.tee();
    state.source = mine;
    return newBodyState(theirs);
  }
  return newBodyState(state.source === null ? null : state.source.slice());
}

export {
  HostBody, abortSink, bodyData, bodyFailed, bodyInternals, cancelHostBody, cloneBodyState, consumeBody, extractBody, isClientGone,
  mixinBody, newBodyState, pumpToSink, sinkDrained,
};
