// Readable byte streams, BYOB readers and requests, from the Streams
// Standard's algorithms (§4.7–4.10): what a view is filled with, when reads
// resolve, which buffers are transferred, and every error the standard names.
const bytesOf = (view) => Array.from(new Uint8Array(view.buffer, view.byteOffset, view.byteLength));

test('a BYOB read is answered through byobRequest.respond()', async () => {
  let request;
  const rs = new ReadableStream({
    type: 'bytes',
    pull(c) {
      request = c.byobRequest;
      request.view[0] = 1; request.view[1] = 2; request.view[2] = 3;
      request.respond(3);
    },
  });
  const reader = rs.getReader({ mode: 'byob' });
  assert(reader instanceof ReadableStreamBYOBReader);
  const mine = new Uint8Array(8);
  const { value, done } = await reader.read(mine);
  assertEq(done, false);
  assert(value instanceof Uint8Array);
  assertEq(value.byteLength, 3);
  assertEq(value.buffer.byteLength, 8, 'the same memory, transferred');
  assertEq(bytesOf(value), [1, 2, 3]);
  assert(mine.buffer.detached, 'the view passed to read() is detached');
  assert(request.view === null, 'the request is invalidated once answered');
  assertThrows(() => request.respond(1), 'TypeError');
});

test('enqueued chunks fill BYOB views, across chunks and respecting min', async () => {
  let controller;
  const rs = new ReadableStream({ type: 'bytes', start(c) { controller = c; } });
  controller.enqueue(new Uint8Array([1, 2]));
  controller.enqueue(new Uint8Array([3, 4, 5]));
  assertEq(controller.desiredSize, -5, 'hwm 0 minus 5 queued bytes');
  const reader = rs.getReader({ mode: 'byob' });
  const first = await reader.read(new Uint8Array(4));
  assertEq(bytesOf(first.value), [1, 2, 3, 4]);
  let settled = false;
  const pending = reader.read(new Uint8Array(4), { min: 3 }).then((r) => { settled = true; return r; });
  await null; await null;
  assert(!settled, 'one byte is not the three asked for');
  controller.enqueue(new Uint8Array([6, 7]));
  const second = await pending;
  assertEq(bytesOf(second.value), [5, 6, 7]);
});

test('views of wider elements get whole elements; the rest stays queued', async () => {
  let controller;
  const rs = new ReadableStream({ type: 'bytes', start(c) { controller = c; } });
  controller.enqueue(new Uint8Array([1, 0, 2]));
  const reader = rs.getReader({ mode: 'byob' });
  const { value } = await reader.read(new Uint16Array(4));
  assert(value instanceof Uint16Array);
  assertEq(value.length, 1);
  assertEq(value[0], 1);
  controller.enqueue(new Uint8Array([0]));
  const next = await reader.read(new Uint16Array(1));
  assertEq(next.value[0], 2);
  const dv = await (async () => { controller.enqueue(new Uint8Array([9])); return reader.read(new DataView(new ArrayBuffer(2))); })();
  assert(dv.value instanceof DataView);
  assertEq(dv.value.getUint8(0), 9);
});

test('closing in the middle of an element errors the stream', async () => {
  let controller;
  const rs = new ReadableStream({ type: 'bytes', start(c) { controller = c; } });
  const reader = rs.getReader({ mode: 'byob' });
  const read = reader.read(new Uint16Array(2));
  await null;
  controller.byobRequest.view[0] = 1;
  controller.byobRequest.respond(1);
  assertThrows(() => controller.close(), 'TypeError');
  await assertRejects(read, 'TypeError');
  await assertRejects(reader.closed, 'TypeError');
});

test('close with a pending BYOB read, then respond(0): done with an empty view', async () => {
  let controller;
  const rs = new ReadableStream({ type: 'bytes', start(c) { controller = c; } });
  const reader = rs.getReader({ mode: 'byob' });
  const read = reader.read(new Int32Array(2));
  await null;
  controller.close();
  assertThrows(() => controller.byobRequest.respond(1), 'TypeError', 'only 0 bytes once closed');
  controller.byobRequest.respond(0);
  const { value, done } = await read;
  assertEq(done, true);
  assert(value instanceof Int32Array);
  assertEq(value.length, 0);
  assertEq(value.buffer.byteLength, 8);
  await reader.closed;
  const after = await reader.read(new Uint8Array(1));
  assertEq(after.done, true);
});

test('respondWithNewView and its checks', async () => {
  const rs = new ReadableStream({
    type: 'bytes',
    pull(c) {
      const v = c.byobRequest.view;
      assertThrows(() => c.byobRequest.respondWithNewView(new Uint8Array(v.buffer.byteLength + 1)), 'RangeError', 'a buffer of another size');
      assertThrows(() => c.byobRequest.respondWithNewView(new Uint8Array(v.buffer, 1, 1)), 'RangeError', 'another offset');
      const filled = new Uint8Array(v.buffer, v.byteOffset, 2);
      filled.set([7, 8]);
      c.byobRequest.respondWithNewView(filled);
    },
  });
  const { value } = await rs.getReader({ mode: 'byob' }).read(new Uint8Array(5));
  assertEq(bytesOf(value), [7, 8]);
});

test('autoAllocateChunkSize gives default readers a byobRequest', async () => {
  let seen = 0;
  const rs = new ReadableStream({
    type: 'bytes',
    autoAllocateChunkSize: 16,
    pull(c) {
      seen = c.byobRequest.view.byteLength;
      c.byobRequest.view.set([5, 6, 7]);
      c.byobRequest.respond(3);
    },
  });
  const { value } = await rs.getReader().read();
  assertEq(seen, 16);
  assert(value instanceof Uint8Array);
  assertEq(bytesOf(value), [5, 6, 7]);
  assertThrows(() => new ReadableStream({ type: 'bytes', autoAllocateChunkSize: 0 }), 'TypeError');
});

test('a default reader on a byte stream gets the enqueued chunks, transferred', async () => {
  let controller;
  const rs = new ReadableStream({ type: 'bytes', start(c) { controller = c; } });
  const chunk = new Uint8Array([1, 2, 3]);
  controller.enqueue(chunk);
  assert(chunk.buffer.detached, 'enqueue transfers the chunk');
  const reader = rs.getReader();
  assertEq(bytesOf((await reader.read()).value), [1, 2, 3]);
  const pending = reader.read();
  controller.enqueue(new Uint8Array([4]));
  assertEq(bytesOf((await pending).value), [4]);
  controller.close();
  assertEq((await reader.read()).done, true);
});

test('errors the standard names', async () => {
  assertThrows(() => new ReadableStream().getReader({ mode: 'byob' }), 'TypeError', 'BYOB needs a byte stream');
  assertThrows(() => new ReadableStream({ type: 'bytes' }, { size() { return 1; } }), 'RangeError');
  assertThrows(() => new ReadableStream({ type: 'bits' }), 'TypeError', 'an IDL enum');
  let controller;
  const rs = new ReadableStream({ type: 'bytes', start(c) { controller = c; } });
  assertThrows(() => controller.enqueue('text'), 'TypeError');
  assertThrows(() => controller.enqueue(new Uint8Array(0)), 'TypeError');
  const reader = rs.getReader({ mode: 'byob' });
  await assertRejects(reader.read(new Uint8Array(0)), 'TypeError');
  await assertRejects(reader.read([1, 2]), 'TypeError');
  await assertRejects(reader.read(new Uint8Array(2), { min: 0 }), 'TypeError');
  await assertRejects(reader.read(new Uint16Array(2), { min: 3 }), 'RangeError');
  const read = reader.read(new Uint8Array(4));
  await null;
  assertThrows(() => controller.byobRequest.respond(5), 'RangeError', 'more than the view holds');
  assertThrows(() => controller.byobRequest.respond(0), 'TypeError', '0 while readable');
  assertThrows(() => new ReadableStreamBYOBRequest(), 'TypeError');
  assertThrows(() => new ReadableByteStreamController(), 'TypeError');
  controller.error(new RangeError('boom'));
  await assertRejects(read, 'RangeError');
  await assertRejects(reader.read(new Uint8Array(1)), 'RangeError', 'the stored error');
});

test('releaseLock rejects pending reads; bytes already written are kept', async () => {
  let controller;
  const rs = new ReadableStream({ type: 'bytes', start(c) { controller = c; } });
  const byob = rs.getReader({ mode: 'byob' });
  const read = byob.read(new Uint8Array(4));
  await null;
  const request = controller.byobRequest;
  request.view.set([42]);
  byob.releaseLock();
  await assertRejects(read, 'TypeError');
  request.respond(1);
  const { value } = await rs.getReader().read();
  assertEq(bytesOf(value), [42]);
});

test('cancel resolves a pending BYOB read as done', async () => {
  let cancelled;
  const rs = new ReadableStream({ type: 'bytes', cancel(reason) { cancelled = reason; } });
  const reader = rs.getReader({ mode: 'byob' });
  const read = reader.read(new Uint8Array(4));
  await reader.cancel('stop');
  assertEq(cancelled, 'stop');
  assertEq((await read).done, true);
});

test('tee of a byte stream: byte-stream branches with their own copies', async () => {
  let controller;
  const rs = new ReadableStream({ type: 'bytes', start(c) { controller = c; } });
  const [a, b] = rs.tee();
  controller.enqueue(new Uint8Array([1, 2, 3]));
  controller.close();
  const ra = a.getReader({ mode: 'byob' });
  const { value: va } = await ra.read(new Uint8Array(8));
  const { value: vb } = await b.getReader().read();
  assert(va.buffer !== vb.buffer, 'each branch owns its bytes');
  va[0] = 99;
  assertEq(bytesOf(vb), [1, 2, 3]);
  assertEq((await ra.read(new Uint8Array(1))).done, true);
  // A default stream's tee hands both branches the same chunk object.
  const chunk = { n: 1 };
  const [c, d] = new ReadableStream({ start(ctl) { ctl.enqueue(chunk); } }).tee();
  assert((await c.getReader().read()).value === chunk && (await d.getReader().read()).value === chunk);
});

test('bodies and blobs are byte streams', async () => {
  const reader = new Response('hello world').body.getReader({ mode: 'byob' });
  const first = await reader.read(new Uint8Array(5));
  assertEq(new TextDecoder().decode(first.value), 'hello');
  const rest = await reader.read(new Uint8Array(16));
  assertEq(new TextDecoder().decode(rest.value), ' world');
  assertEq((await reader.read(new Uint8Array(1))).done, true);
  const blobReader = new Blob(['abc']).stream().getReader({ mode: 'byob' });
  assertEq(new TextDecoder().decode((await blobReader.read(new Uint8Array(2))).value), 'ab');
  assertEq(new TextDecoder().decode((await blobReader.read(new Uint8Array(2))).value), 'c');
});

test('a WebAssembly memory is not transferable: byte streams refuse views on it', async () => {
  // Streams transfer the buffers they take (read(view), enqueue(chunk));
  // the JS API gives a memory's buffer a detach key, so it cannot be.
  const memory = new WebAssembly.Memory({ initial: 1 });
  const reader = new ReadableStream({ type: 'bytes', pull() {} }).getReader({ mode: 'byob' });
  await assertRejects(reader.read(new Uint8Array(memory.buffer, 0, 1)), 'TypeError');
  let enqueued = null;
  new ReadableStream({
    type: 'bytes',
    start(controller) {
      try {
        controller.enqueue(new Uint8Array(memory.buffer, 0, 1));
        enqueued = 'accepted';
      } catch (err) {
        enqueued = err.name;
      }
    },
  });
  assertEq(enqueued, 'TypeError');
  // The memory is still whole.
  assertEq(memory.buffer.byteLength, 65536);
});
