// ReadableStream, from the Streams Standard's algorithms: queueing,
// backpressure through desiredSize and pull, cancellation, errors, tee,
// async iteration, and bodies made of streams.
const enc = (s) => new TextEncoder().encode(s);

test('enqueue, read, close; reader and lock', async () => {
  let controller;
  const rs = new ReadableStream({ start(c) { controller = c; } });
  controller.enqueue('a');
  controller.enqueue('b');
  const reader = rs.getReader();
  assert(rs.locked);
  assertThrows(() => rs.getReader(), 'TypeError', 'one reader at a time');
  assertEq(await reader.read(), { value: 'a', done: false });
  assertEq(await reader.read(), { value: 'b', done: false });
  const pending = reader.read();
  controller.close();
  assertEq(await pending, { value: undefined, done: true });
  await reader.closed;
  assertThrows(() => controller.enqueue('c'), 'TypeError', 'enqueue after close');
  reader.releaseLock();
  assert(!rs.locked);
  assertEq(await rs.getReader().read(), { value: undefined, done: true });
});

test('releaseLock of a reader of a closed or errored stream: closed becomes a new rejected promise', async () => {
  const closedStream = new ReadableStream({ start(c) { c.close(); } });
  const reader = closedStream.getReader();
  const before = reader.closed;
  await before;
  reader.releaseLock();
  assert(reader.closed !== before, 'a new promise');
  assert(reader.closed === reader.closed, 'the same promise each time');
  await assertRejects(reader.closed, 'TypeError');
  await assertRejects(reader.read(), 'TypeError');
  const failure = new Error('boom');
  const erroredStream = new ReadableStream({ start(c) { c.error(failure); } });
  const errored = erroredStream.getReader();
  assert((await assertRejects(errored.closed, 'Error')) === failure);
  errored.releaseLock();
  const e = await assertRejects(errored.closed, 'TypeError');
  assert(e !== failure, 'the release error, not the stream\'s');
});

test('pull is called as the consumer reads (backpressure)', async () => {
  const pulls = [];
  let n = 0;
  const rs = new ReadableStream({
    pull(c) { pulls.push(c.desiredSize); c.enqueue(++n); if (n === 5) c.close(); },
  }, new CountQueuingStrategy({ highWaterMark: 2 }));
  await null; await null; await null;
  assertEq(n, 2, 'fills the queue up to the high-water mark, then waits');
  const seen = [];
  for await (const v of rs) seen.push(v);
  assertEq(seen, [1, 2, 3, 4, 5]);
  assertEq(pulls[0], 2);
  const sized = new ReadableStream({ start(c) { c.enqueue(new Uint8Array(10)); assertEq(c.desiredSize, 6); } },
    new ByteLengthQueuingStrategy({ highWaterMark: 16 }));
  assert(sized instanceof ReadableStream);
});

test('errors and cancellation', async () => {
  const boom = new Error('boom');
  const rs = new ReadableStream({ start(c) { c.error(boom); } });
  const reader = rs.getReader();
  await assertRejects(reader.read(), 'Error');
  await assertRejects(reader.closed, 'Error');
  let cancelReason;
  const cancellable = new ReadableStream({ pull(c) { c.enqueue(1); }, cancel(r) { cancelReason = r; } });
  await cancellable.cancel('enough');
  assertEq(cancelReason, 'enough');
  assertEq(await cancellable.getReader().read(), { value: undefined, done: true });
  const locked = new ReadableStream();
  locked.getReader();
  await assertRejects(locked.cancel(), 'TypeError');
  assertThrows(() => new ReadableStream({ start: 1 }), 'TypeError');
  assertThrows(() => new ReadableStream({}, { highWaterMark: -1 }), 'RangeError');
  const failingPull = new ReadableStream({ pull() { throw new RangeError('pull failed'); } });
  await assertRejects(failingPull.getReader().read(), 'RangeError');
});

test('async iteration: return cancels unless preventCancel', async () => {
  let cancelled = 0;
  const make = () => new ReadableStream({ pull(c) { c.enqueue('x'); }, cancel() { cancelled++; } });
  for await (const v of make()) { assertEq(v, 'x'); break; }
  assertEq(cancelled, 1);
  const kept = make();
  for await (const v of kept.values({ preventCancel: true })) { assertEq(v, 'x'); break; }
  assertEq(cancelled, 1);
  assert(!kept.locked, 'the lock is released');
});

test('tee: both branches see every chunk; cancel needs both', async () => {
  let cancelReason;
  let n = 0;
  const rs = new ReadableStream({
    pull(c) { if (n < 3) c.enqueue(new Uint8Array([n++])); else c.close(); },
    cancel(r) { cancelReason = r; },
  });
  const [a, b] = rs.tee();
  const readAll = async (s) => { const out = []; for await (const v of s) out.push(v[0]); return out; };
  const [ra, rb] = await Promise.all([readAll(a), readAll(b)]);
  assertEq([ra, rb], [[0, 1, 2], [0, 1, 2]]);
  const src = new ReadableStream({ pull(c) { c.enqueue(1); }, cancel(r) { cancelReason = r; } });
  const [x, y] = src.tee();
  // A branch's cancel settles only once both branches are cancelled.
  const xCancelled = x.cancel('x reason');
  assertEq(cancelReason, undefined, 'one branch cancelled does not cancel the source');
  const yReader = y.getReader();
  assertEq((await yReader.read()).value, 1, 'the other branch still reads');
  yReader.releaseLock();
  await y.cancel('y reason');
  await xCancelled;
  assertEq(cancelReason, ['x reason', 'y reason']);
});

test('ReadableStream.from', async () => {
  async function* gen() { yield 'a'; yield 'b'; }
  const out = [];
  for await (const v of ReadableStream.from(gen())) out.push(v);
  assertEq(out, ['a', 'b']);
  const fromArray = [];
  for await (const v of ReadableStream.from([1, 2])) fromArray.push(v);
  assertEq(fromArray, [1, 2]);
  assertThrows(() => ReadableStream.from(5), 'TypeError');
});

test('bodies as streams', async () => {
  const res = new Response(new ReadableStream({
    start(c) { c.enqueue(enc('hello ')); c.enqueue(enc('stream')); c.close(); },
  }));
  assert(!res.bodyUsed);
  assertEq(await res.text(), 'hello stream');
  assert(res.bodyUsed);
  const viaBody = new Response('from bytes');
  const reader = viaBody.body.getReader();
  assert(viaBody.body === viaBody.body, 'the same stream each time');
  const { value } = await reader.read();
  assertEq(new TextDecoder().decode(value), 'from bytes');
  assert(viaBody.bodyUsed, 'reading the stream uses the body');
  await assertRejects(viaBody.text(), 'TypeError');
  assertEq(new Response(null).body, null);
  const bad = new Response(new ReadableStream({ start(c) { c.enqueue('not bytes'); c.close(); } }));
  await assertRejects(bad.text(), 'TypeError');
  const original = new Response(new ReadableStream({ start(c) { c.enqueue(enc('twice')); c.close(); } }));
  const copy = original.clone();
  assertEq([await original.text(), await copy.text()], ['twice', 'twice']);
});

test('WritableStream: write order, backpressure through ready and desiredSize', async () => {
  const log = [];
  let release;
  const ws = new WritableStream({
    write(chunk) { log.push(`start ${chunk}`); return new Promise((resolve) => { release = () => { log.push(`end ${chunk}`); resolve(); }; }); },
    close() { log.push('close'); },
  }, new CountQueuingStrategy({ highWaterMark: 2 }));
  const writer = ws.getWriter();
  assert(ws.locked);
  await writer.ready;
  assertEq(writer.desiredSize, 2);
  let firstDone = false;
  const first = writer.write('a').then(() => { firstDone = true; });
  writer.write('b');
  assertEq(writer.desiredSize, 0);
  let ready = false;
  writer.ready.then(() => { ready = true; });
  await null; await null;
  assert(!ready, 'ready waits while the queue is full');
  assert(!firstDone, 'write() resolves only when the sink is done with the chunk');
  release();
  await first;
  await null;
  assert(ready, 'ready resolves when the queue drains');
  await null; await null;
  release();
  const closed = writer.close();
  await closed;
  assertEq(log, ['start a', 'end a', 'start b', 'end b', 'close']);
  await assertRejects(writer.write('late'), 'TypeError', 'write after close');
});

test('WritableStream: sink errors and abort', async () => {
  const ws = new WritableStream({ write() { throw new RangeError('sink failed'); } });
  const writer = ws.getWriter();
  await assertRejects(writer.write('x'), 'RangeError');
  await assertRejects(writer.closed, 'RangeError');
  await assertRejects(writer.write('y'), 'RangeError', 'the stream stays errored');
  let abortReason;
  let signalAborted = false;
  const abortable = new WritableStream({
    start(controller) { controller.signal.addEventListener('abort', () => { signalAborted = true; }); },
    abort(reason) { abortReason = reason; },
  });
  await abortable.abort('stop');
  assertEq(abortReason, 'stop');
  assert(signalAborted, 'the controller signal aborts');
  assertThrows(() => new WritableStream({ write: 5 }), 'TypeError');
});

test('TransformStream, pipeThrough, pipeTo', async () => {
  const upper = new TransformStream({
    transform(chunk, controller) { controller.enqueue(String(chunk).toUpperCase()); },
    flush(controller) { controller.enqueue('!'); },
  });
  const out = [];
  for await (const v of ReadableStream.from(['a', 'b']).pipeThrough(upper)) out.push(v);
  assertEq(out, ['A', 'B', '!']);
  const identity = new TransformStream();
  const writer = identity.writable.getWriter();
  let written = false;
  writer.write('x').then(() => { written = true; });
  await null; await null; await null;
  assert(!written, 'a write waits until the readable side is read (backpressure)');
  const reader = identity.readable.getReader();
  assertEq((await reader.read()).value, 'x');
  // The write settles a few jobs after the transform has run.
  await new Promise((r) => setTimeout(r, 0));
  assert(written);
  const sink = [];
  await ReadableStream.from([1, 2, 3]).pipeTo(new WritableStream({ write(c) { sink.push(c); } }));
  assertEq(sink, [1, 2, 3]);
  let closedDest = false;
  await ReadableStream.from([1]).pipeTo(new WritableStream({ close() { closedDest = true; } }), { preventClose: true });
  assert(!closedDest, 'preventClose');
  let aborted;
  const failing = new ReadableStream({ pull() { throw new Error('source broke'); } });
  await assertRejects(failing.pipeTo(new WritableStream({ abort(r) { aborted = r; } })), 'Error');
  assertEq(aborted && aborted.message, 'source broke', 'source errors abort the destination');
  const controller = new AbortController();
  const slow = new ReadableStream({
    // The pipe may cancel the stream while a pull is waiting on its timer.
    pull(c) { return new Promise((r) => setTimeout(() => { try { c.enqueue(1); } catch {} r(); }, 10)); },
  });
  const piping = slow.pipeTo(new WritableStream(), { signal: controller.signal });
  setTimeout(() => controller.abort(), 25);
  await assertRejects(piping, 'AbortError');
});

test('TextEncoderStream and TextDecoderStream', async () => {
  const bytes = [];
  for await (const chunk of ReadableStream.from(['a', '\ud83d', '\ude00b']).pipeThrough(new TextEncoderStream())) bytes.push(...chunk);
  assertEq(bytes, [0x61, 0xf0, 0x9f, 0x98, 0x80, 0x62], 'a surrogate pair split across chunks');
  const text = [];
  const source = ReadableStream.from([new Uint8Array([0xe2, 0x82]), new Uint8Array([0xac])]);
  for await (const s of source.pipeThrough(new TextDecoderStream())) text.push(s);
  assertEq(text.join(''), '€');
  assertEq(new TextDecoderStream().encoding, 'utf-8');
});

test('CompressionStream and DecompressionStream', async () => {
  const collect = async (stream) => {
    const parts = [];
    for await (const chunk of stream) parts.push(...chunk);
    return new Uint8Array(parts);
  };
  const text = 'nano '.repeat(2000);
  for (const format of ['gzip', 'deflate', 'deflate-raw', 'brotli']) {
    const compressed = await collect(ReadableStream.from([new TextEncoder().encode(text)]).pipeThrough(new CompressionStream(format)));
    assert(compressed.length < 200, `${format} compresses (${compressed.length} bytes)`);
    // Fed back one byte at a time.
    const pieces = Array.from(compressed, (b) => new Uint8Array([b]));
    const restored = await collect(ReadableStream.from(pieces).pipeThrough(new DecompressionStream(format)));
    assertEq(new TextDecoder().decode(restored), text, format);
  }
  const gz = await collect(ReadableStream.from([new TextEncoder().encode('hi')]).pipeThrough(new CompressionStream('gzip')));
  assertEq([gz[0], gz[1]], [0x1f, 0x8b], 'gzip magic');
  const corrupt = ReadableStream.from([new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8])]).pipeThrough(new DecompressionStream('gzip'));
  await assertRejects(collect(corrupt), 'TypeError', 'corrupt input');
  const truncated = ReadableStream.from([gz.subarray(0, gz.length - 4)]).pipeThrough(new DecompressionStream('gzip'));
  await assertRejects(collect(truncated), 'TypeError', 'truncated input');
  // Brotli made by Node's zlib (brotliCompressSync) decodes here.
  const fromNode = Uint8Array.from(atob('G+cD+B2pU588XIOIudGpMLl8Y0urUmqrEfaRvNyxfQA='), (c) => c.charCodeAt(0));
  const decoded = await collect(ReadableStream.from([fromNode]).pipeThrough(new DecompressionStream('brotli')));
  assertEq(new TextDecoder().decode(decoded), 'nano streams brotli '.repeat(50));
  const brokenBrotli = ReadableStream.from([fromNode.subarray(0, 10)]).pipeThrough(new DecompressionStream('brotli'));
  await assertRejects(collect(brokenBrotli), 'TypeError', 'truncated brotli');
  assertThrows(() => new CompressionStream('zstd'), 'TypeError');
  assertThrows(() => new CompressionStream(), 'TypeError');
  const strings = ReadableStream.from(['not bytes']).pipeThrough(new CompressionStream('gzip'));
  await assertRejects(collect(strings), 'TypeError');
});

test('DecompressionStream: output waits for the reader beyond 1 MiB, in pieces of at most 64 KiB', async () => {
  const gzip = async (bytes) =>
    new Uint8Array(await new Response(new Blob([bytes]).stream().pipeThrough(new CompressionStream('gzip'))).arrayBuffer());
  // As in any TransformStream, a write is transformed once a read asks;
  // up to 1 MiB of its output then waits in the stream, and the write resolves.
  const text = 'nano '.repeat(200000);
  const ds = new DecompressionStream('gzip');
  const writer = ds.writable.getWriter();
  const reader = ds.readable.getReader();
  const first = reader.read();
  await writer.write(await gzip(new TextEncoder().encode(text)));
  writer.close();
  const parts = [(await first).value];
  for (let r = await reader.read(); !r.done; r = await reader.read()) parts.push(r.value);
  assertEq(await new Blob(parts).text(), text);
  // 16 MiB of zeros from 16 KB: decoded only as it is read.
  const bomb = await gzip(new Uint8Array(16 << 20));
  const ds2 = new DecompressionStream('gzip');
  const writer2 = ds2.writable.getWriter();
  const reader2 = ds2.readable.getReader();
  let written = false;
  writer2.write(bomb).then(() => { written = true; });
  writer2.close();
  let total = (await reader2.read()).value.length, largest = total;
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert(!written, 'the write waits for the reader');
  for (let r = await reader2.read(); !r.done; r = await reader2.read()) {
    total += r.value.length;
    largest = Math.max(largest, r.value.length);
  }
  assertEq([total, largest, written], [16 << 20, 64 << 10, true]);
});

test('tee: a chunk read before the source errors still reaches the branches', async () => {
  const boom = new Error('boom');
  const rs = new ReadableStream({ start(c) { c.enqueue('a'); c.enqueue('b'); }, pull() { throw boom; } });
  const [b1, b2] = rs.tee();
  const r1 = b1.getReader();
  const r2 = b2.getReader();
  assertEq(await r1.read(), { value: 'a', done: false });
  assertEq(await r1.read(), { value: 'b', done: false });
  await assertRejects(r1.read(), 'Error', 'then the error');
  assert((await r1.closed.catch((e) => e)) === boom);
  assert((await r2.read().catch((e) => e)) === boom, 'the other branch errors too (its queue is dropped)');
  // Both branches pull ahead by one chunk (high-water mark 1): one read feeds both.
  let pulls = 0;
  const counted = new ReadableStream({ pull(c) { c.enqueue(++pulls); } }, { highWaterMark: 0 });
  counted.tee();
  await null; await null; await null;
  assertEq(pulls, 1, 'one read feeds both branches');
});

test('async iteration: next() and return() run in call order; a finished iterator stays done', async () => {
  const rs = new ReadableStream({ start(c) { c.enqueue(1); c.enqueue(2); } });
  const it = rs.values();
  assert(Object.getPrototypeOf(it) === Object.getPrototypeOf(new ReadableStream().values()), 'one shared prototype');
  assert(!Object.hasOwn(it, 'next'));
  assert(ReadableStream.prototype[Symbol.asyncIterator] === ReadableStream.prototype.values);
  const first = it.next();
  const ret = it.return('bye');
  assertEq(await first, { value: 1, done: false });
  assertEq(await ret, { value: 'bye', done: true });
  assertEq(await it.next(), { value: undefined, done: true });
  assert(!rs.locked, 'return() released the lock');
  const failing = new ReadableStream({ pull(c) { c.error(new RangeError('no')); } });
  const it2 = failing.values();
  await assertRejects(it2.next(), 'RangeError');
  assertEq(await it2.next(), { value: undefined, done: true }, 'done after an error');
});

test('ReadableStream.from checks what the iterator gives', async () => {
  assertThrows(() => ReadableStream.from({ [Symbol.iterator]: () => 42 }), 'TypeError', 'an iterator that is not an object');
  const bad = ReadableStream.from({ [Symbol.asyncIterator]: () => ({ next: () => 'nope' }) });
  await assertRejects(bad.getReader().read(), 'TypeError', 'a result that is not an object');
  // Values of a sync iterable are awaited; those of an async one are not.
  const sync = await ReadableStream.from([Promise.resolve(1)]).getReader().read();
  assertEq(sync.value, 1);
  const p = Promise.resolve(2);
  const asyncOne = ReadableStream.from({ [Symbol.asyncIterator]: () => ({ next: async () => ({ value: p, done: false }) }) });
  assert((await asyncOne.getReader().read()).value === p);
  const noReturn = ReadableStream.from({ [Symbol.asyncIterator]: () => ({ next: async () => ({ done: false }), return: 5 }) });
  await assertRejects(noReturn.cancel(), 'TypeError', 'a return that is not callable');
});

test('constructor and getReader conversions', async () => {
  assertThrows(() => new ReadableStream(null), 'TypeError');
  assertThrows(() => new ReadableStream({ type: 'nope' }), 'TypeError');
  assertThrows(() => new ReadableStream().getReader(5), 'TypeError');
  const order = [];
  const strategy = { get highWaterMark() { order.push('strategy'); return 1; } };
  const source = { get start() { order.push('source'); return undefined; } };
  new ReadableStream(source, strategy);
  assertEq(order, ['strategy', 'source'], 'the strategy is converted first');
  const size = new CountQueuingStrategy({ highWaterMark: 1 }).size;
  assertEq(size.name, 'size');
  assert(!('prototype' in size), 'size is a method, not a constructor');
  let closedWith = 'pending';
  const rs = new ReadableStream({ start(c) { c.error(undefined); } });
  await rs.getReader().closed.then(() => { closedWith = 'resolved'; }, (e) => { closedWith = `rejected with ${e}`; });
  assertEq(closedWith, 'rejected with undefined', 'an undefined error still rejects');
});

// Object.prototype.then as the Web Platform Tests patch it: it records and
// replaces whatever a promise is resolved with.
function interceptThen() {
  const intercepted = [];
  let calls = 0;
  Object.prototype.then = function (resolve) {
    if (!this.done) intercepted.push(this.value);
    const replacement = Object.create(null);
    replacement.done = ++calls === 3;
    replacement.value = calls;
    resolve(replacement);
    if (replacement.done) delete Object.prototype.then;
  };
  return intercepted;
}
function recordingSink(events) {
  return new WritableStream({ write(chunk) { events.push('write', chunk); }, close() { events.push('close'); } });
}

test('pipeTo and tee read through the standard, not a patched Object.prototype.then', async () => {
  const events = [];
  const rs = new ReadableStream({ start(c) { c.enqueue('a'); c.close(); } });
  const intercepted = interceptThen();
  try { await rs.pipeTo(recordingSink(events)); } finally { delete Object.prototype.then; }
  assertEq(intercepted, [], 'piping');
  assertEq(events, ['write', 'a', 'close']);
  const teeEvents = [];
  const [branch1, branch2] = new ReadableStream({ start(c) { c.enqueue('a'); c.close(); } }).tee();
  const teeIntercepted = interceptThen();
  try { await branch1.pipeTo(recordingSink(teeEvents)); } finally { delete Object.prototype.then; }
  branch2.cancel();
  assertEq(teeIntercepted, [], 'tee');
  assertEq(teeEvents, ['write', 'a', 'close']);
  // An app's own reader still gets ordinary result objects.
  const result = await new ReadableStream({ start(c) { c.enqueue(1); } }).getReader().read();
  assertEq(Object.getPrototypeOf(result), Object.prototype);
});

test('TransformStream and pipeThrough read through the standard, not a patched Object.prototype.then', async () => {
  const events = [];
  const upper = new TransformStream({ transform(chunk, c) { c.enqueue(chunk.toUpperCase()); }, flush(c) { c.enqueue('END'); } });
  const source = new ReadableStream({ start(c) { c.enqueue('a'); c.enqueue('b'); c.close(); } });
  const intercepted = interceptThen();
  try { await source.pipeThrough(upper).pipeTo(recordingSink(events)); } finally { delete Object.prototype.then; }
  assertEq(intercepted, [], 'pipeThrough a TransformStream');
  assertEq(events, ['write', 'A', 'write', 'B', 'write', 'END', 'close']);
  // Written by an app's writer, piped on by the platform.
  const ts = new TransformStream();
  const writerEvents = [];
  const writer = ts.writable.getWriter();
  const teeIntercepted = interceptThen();
  try {
    const [branch1, branch2] = ts.readable.tee();
    const piped = branch1.pipeTo(recordingSink(writerEvents));
    branch2.cancel();
    await writer.write('x');
    await writer.close();
    await piped;
  } finally { delete Object.prototype.then; }
  assertEq(teeIntercepted, [], 'a TransformStream written by a writer, teed and piped');
  assertEq(writerEvents, ['write', 'x', 'close']);
});

// Where the standard reacts to a promise ("upon fulfillment", "reacting
// to") it uses PerformPromiseThen, which a patched Promise.prototype.then
// does not replace. (Where it resolves a promise with another, as
// TransformStream's start and ReadableStream.from do, the patched then is
// called by the standard itself, so those are left out here.)
test("the streams' own reactions do not call a patched Promise.prototype.then", async () => {
  const then = Promise.prototype.then;
  let calls = 0;
  // Counts, then runs the original: only the app's own code may call it.
  Promise.prototype.then = function (...args) { calls++; return Reflect.apply(then, this, args); };
  const out = [];
  try {
    let n = 0;
    const counter = new ReadableStream({ pull(c) { if (++n > 2) c.close(); else c.enqueue(n * 2); } });
    await counter.pipeTo(new WritableStream({ write(chunk) { out.push(chunk); } }));
    const bytes = new ReadableStream({ type: 'bytes', start(c) { c.enqueue(new Uint8Array([7])); c.close(); } });
    const [left, right] = bytes.tee();
    const reader = left.getReader({ mode: 'byob' });
    const view = await reader.read(new Uint8Array(4));
    const end = await reader.read(new Uint8Array(4));
    out.push([...view.value], end.done);
    // Settles once the tee has read the source's end.
    await right.cancel();
    for await (const chunk of new ReadableStream({ start(c) { c.enqueue('it'); c.close(); } })) out.push(chunk);
  } finally { Promise.prototype.then = then; }
  assertEq(calls, 0, 'Promise.prototype.then calls');
  assertEq(out, [2, 4, [7], true, 'it']);
});

test('async iteration resolves only its own results, through Object.prototype.then', async () => {
  const seen = [];
  Object.defineProperty(Object.prototype, 'then', { configurable: true, get() { seen.push({ ...this }); return undefined; } });
  const chunks = [];
  try {
    for await (const chunk of new ReadableStream({ start(c) { c.enqueue('a'); c.close(); } })) chunks.push(chunk);
  } finally { delete Object.prototype.then; }
  // WebIDL's next() resolves with one iterator result per call; the read
  // behind it resolves with the chunk itself, a string here.
  assertEq(seen, [{ value: 'a', done: false }, { value: undefined, done: true }]);
  assertEq(chunks, ['a']);
});

test('pipeTo disturbs its source at once', () => {
  const rs = new ReadableStream();
  const response = new Response(rs);
  response.body.pipeTo(new WritableStream());
  assert(response.bodyUsed, 'pipeTo');
  const other = new Response(new ReadableStream());
  other.body.pipeThrough({ writable: new WritableStream(), readable: new ReadableStream() });
  assert(other.bodyUsed, 'pipeThrough');
});
