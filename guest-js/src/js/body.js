// The Body mixin (Fetch Standard) shared by Request and Response. A body is
// bytes, the incoming request's body still in the host, or a ReadableStream
// (read to the end when consumed; the response to the client is buffered).
const bodyInternals = Symbol('body');
const INCOMING_BODY = 'incoming'; // the request body still in the host

// "Extract a body": [bytes or null, content type or null].
function extractBody(init) {
  if (init === null || init === undefined) return [null, null];
  if (typeof init === 'string') return [native.utf8Encode(init.toWellFormed()), 'text/plain;charset=UTF-8'];
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
  return [native.utf8Encode(s.toWellFormed()), 'text/plain;charset=UTF-8'];
}

// A body source's bytes, reading the incoming request body from the host.
function sourceBytes(source) {
  return source === INCOMING_BODY ? new Uint8Array(native.readRequestBody()) : source;
}

function newBodyState(source) {
  return { source, used: false };
}

function bodyHasContent(state) {
  return state.source !== null;
}

// Takes the body's bytes, marking it used; rejects if it was used already.
function consumeBody(target, what) {
  const state = target[bodyInternals];
  if (state.used) {
    return Promise.reject(new TypeError(`Failed to execute '${what}' on '${target.constructor.name}': body stream already read`));
  }
  if (state.source === null) return Promise.resolve(new Uint8Array(0));
  if (state.source instanceof ReadableStream) {
    if (state.source.locked || streamOps.disturbed(state.source)) {
      return Promise.reject(new TypeError(`Failed to execute '${what}' on '${target.constructor.name}': body stream already read`));
    }
    state.used = true;
    return readAllBytes(state.source);
  }
  state.used = true;
  try {
    const bytes = sourceBytes(state.source);
    state.source = new Uint8Array(0);
    return Promise.resolve(bytes);
  } catch (err) {
    return Promise.reject(err);
  }
}

const BodyMixin = {
  get bodyUsed() {
    const state = this[bodyInternals];
    return state.used || (state.source instanceof ReadableStream && streamOps.disturbed(state.source));
  },
  // The body as a stream, made on first use from the bytes.
  get body() {
    const state = this[bodyInternals];
    if (state.source === null) return null;
    if (!(state.source instanceof ReadableStream)) {
      let pending = state.used ? new Uint8Array(0) : state.source;
      state.source = new ReadableStream({
        pull(controller) {
          const bytes = sourceBytes(pending);
          pending = null;
          if (bytes.length) controller.enqueue(bytes);
          controller.close();
        },
      }, { highWaterMark: 0 });
    }
    return state.source;
  },
  arrayBuffer() {
    return consumeBody(this, 'arrayBuffer').then((b) =>
      b.byteOffset === 0 && b.byteLength === b.buffer.byteLength ? b.buffer : b.slice().buffer);
  },
  bytes() {
    return consumeBody(this, 'bytes').then((b) => (b.byteOffset === 0 && b.byteLength === b.buffer.byteLength ? b : b.slice()));
  },
  text() {
    return consumeBody(this, 'text').then((b) => (b.length ? new TextDecoder().decode(b) : ''));
  },
  json() {
    return this.text().then((t) => JSON.parse(t));
  },
  blob() {
    const type = this.headers.get('content-type');
    return consumeBody(this, 'blob').then((b) => {
      const blob = new Blob([], { type: type === null ? '' : type });
      blob[blobBytes] = b.slice();
      return blob;
    });
  },
  formData() {
    const type = this.headers.get('content-type');
    return consumeBody(this, 'formData').then((b) => bodyToFormData(b, type));
  },
};

function mixinBody(cls) {
  for (const key of Object.getOwnPropertyNames(BodyMixin)) {
    Object.defineProperty(cls.prototype, key, Object.getOwnPropertyDescriptor(BodyMixin, key));
  }
}

// A copy of a body for clone(): the incoming body is read from the host now,
// so both copies can be consumed.
function cloneBodyState(target) {
  const state = target[bodyInternals];
  if (state.used) throw new TypeError(`Failed to execute 'clone' on '${target.constructor.name}': body has already been used`);
  state.source = sourceBytes(state.source);
  if (state.source instanceof ReadableStream) {
    const [mine, theirs] = state.source.tee();
    state.source = mine;
    return newBodyState(theirs);
  }
  return newBodyState(state.source === null ? null : state.source.slice());
}
