// WritableStream, TransformStream and pipeTo / pipeThrough: the state
// machine of the Streams Standard's algorithms (abort, erroring, in-flight
// operations), writer promises, strategies, the pipe loop and its options.

const tick = () => new Promise((r) => setTimeout(r, 0));
// Settles into a log entry instead of throwing.
const settle = (log, name, p) => p.then(() => log.push(`${name}:ok`), (e) => log.push(`${name}:${e && e.message}`));
const deferred = () => { let resolve, reject; const promise = new Promise((a, b) => { resolve = a; reject = b; }); return { promise, resolve, reject }; };

test('abort: the signal fires first; sink.abort runs after the in-flight write, then closed rejects', async () => {
  const write = deferred();
  const events = [];
  let controller;
  const ws = new WritableStream({
    start(c) { controller = c; },
    write() { events.push('write'); return write.promise; },
    abort(r) { events.push(`abort:${r.message}`); },
  });
  const writer = ws.getWriter();
  await tick();
  settle(events, 'write', writer.write('a'));
  await tick();
  controller.signal.addEventListener('abort', () => events.push('signal'));
  const reason = new Error('stop');
  settle(events, 'abortPromise', writer.abort(reason));
  settle(events, 'closed', writer.closed);
  assertEq(controller.signal.aborted, true, 'the signal is aborted synchronously');
  assertEq(controller.signal.reason, reason);
  assertEq(writer.desiredSize, null, 'erroring');
  await tick();
  assertEq(events, ['write', 'signal'], 'sink.abort waits for the in-flight write');
  write.resolve();
  await tick();
  // sink.abort is called in the same job that settles the write.
  assertEq(events, ['write', 'signal', 'abort:stop', 'write:ok', 'abortPromise:ok', 'closed:stop']);
});

test('abort while erroring rejects with the stored error and does not call sink.abort', async () => {
  let controller, aborted = false;
  const ws = new WritableStream({
    start(c) { controller = c; return new Promise(() => {}); }, // never starts
    abort() { aborted = true; },
  });
  const writer = ws.getWriter();
  const err = new Error('controller error');
  controller.error(err);
  assertEq(controller.signal.aborted, false, 'controller.error() does not abort the signal');
  const abortPromise = writer.abort(new Error('ignored'));
  assertEq(controller.signal.aborted, true, 'abort() does');
  let rejected = false;
  abortPromise.catch(() => { rejected = true; });
  await tick();
  assert(!rejected, 'still erroring: the stream has not started');
  assert(!aborted);
});

test('abort during an in-flight close: a successful close resolves the abort, a failed one rejects it', async () => {
  for (const closeFails of [false, true]) {
    const close = deferred();
    let aborted = false;
    const ws = new WritableStream({ close() { return close.promise; }, abort() { aborted = true; } });
    const writer = ws.getWriter();
    await tick();
    const log = [];
    settle(log, 'close', writer.close());
    settle(log, 'abort', writer.abort(new Error('reason')));
    settle(log, 'closed', writer.closed);
    await tick();
    assertEq(log, []);
    if (closeFails) close.reject(new Error('close failed')); else close.resolve();
    await tick();
    assertEq(log, closeFails
      ? ['close:close failed', 'abort:close failed', 'closed:reason'] // closed: the stored (abort) error
      : ['close:ok', 'abort:ok', 'closed:ok'], `closeFails=${closeFails}`);
    assert(!aborted, 'sink.abort is not called once close() started');
  }
});

test('a start failure while erroring finishes erroring (abort still settles)', async () => {
  const start = deferred();
  let abortReason;
  const ws = new WritableStream({ start() { return start.promise; }, abort(r) { abortReason = r; } });
  const writer = ws.getWriter();
  const abortPromise = writer.abort(new Error('abort reason'));
  start.reject(new Error('start failed'));
  await abortPromise; // the sink is asked to abort even though start failed
  assertEq(abortReason.message, 'abort reason');
  await assertRejects(writer.closed, 'Error');
});

test('write and close failures do not abort the signal', async () => {
  let controller;
  const ws = new WritableStream({ start(c) { controller = c; }, write() { throw new Error('w'); } });
  const writer = ws.getWriter();
  await assertRejects(writer.write('x'), 'Error');
  assertEq(controller.signal.aborted, false);
  let c2;
  const ws2 = new WritableStream({ start(c) { c2 = c; }, close() { throw new Error('c'); } });
  await assertRejects(ws2.close(), 'Error');
  assertEq(c2.signal.aborted, false);
});

test('releaseLock rejects closed and ready with one error and the getters keep returning them', async () => {
  const ws = new WritableStream({}, { highWaterMark: 0 });
  const writer = ws.getWriter();
  const ready = writer.ready;
  writer.releaseLock();
  assert(writer.closed === writer.closed, 'the same closed promise each time');
  assert(writer.ready === writer.ready, 'the same ready promise each time');
  assert(writer.ready === ready, 'a pending ready promise is rejected in place');
  const e1 = await assertRejects(writer.closed, 'TypeError');
  const e2 = await assertRejects(writer.ready, 'TypeError');
  assert(e1 === e2, 'one shared TypeError');
  // Each writer has its own promises.
  const second = ws.getWriter();
  assert(second.closed !== writer.closed);
  writer.releaseLock(); // no-op on a released writer
});

test('releaseLock of a settled writer: closed and ready replaced by promises rejected with one error', async () => {
  const ws = new WritableStream();
  const writer = ws.getWriter();
  await writer.close();
  const [closed, ready] = [writer.closed, writer.ready];
  writer.releaseLock();
  assert(writer.closed !== closed && writer.ready !== ready, 'new promises');
  assert(writer.closed === writer.closed && writer.ready === writer.ready, 'the same promises each time');
  const e1 = await assertRejects(writer.ready, 'TypeError');
  const e2 = await assertRejects(writer.closed, 'TypeError');
  assert(e1 === e2, 'one shared TypeError');
  await closed; // the old ones keep their outcome
});

test('strategy: size without this, checked first; the queue total is not zeroed', async () => {
  let seenThis = 'unset';
  const ws = new WritableStream({}, { size(chunk) { 'use strict'; seenThis = this; return chunk; }, highWaterMark: 0 });
  const writer = ws.getWriter();
  await tick();
  writer.write(0.1);
  await writer.write(0.2);
  assertEq(seenThis, undefined, 'size is called without a this');
  let total = 0.1 + 0.2; total -= 0.1; total -= 0.2;
  assert(total > 0);
  assertEq(writer.desiredSize, -total, 'a rounding residue is kept, not forced to 0');
  assertThrows(() => new WritableStream({}, { size: 'nope' }), 'TypeError');
  assertThrows(() => new WritableStream({}, { size: 1, highWaterMark: -1 }), 'TypeError', 'size is converted before the RangeError');
  assertThrows(() => new WritableStream({}, { highWaterMark: NaN }), 'RangeError');
  const order = [];
  const sink = { get start() { order.push('sink'); } };
  const strategy = { get highWaterMark() { order.push('hwm'); return 1; }, get size() { order.push('size'); } };
  new WritableStream(sink, strategy);
  assertEq(order, ['hwm', 'size', 'sink'], 'the strategy is read before the sink');
});

test('size() that closes, releases or errors the stream', async () => {
  let writer;
  const closing = new WritableStream({}, { size() { writer.close(); return 1; } });
  writer = closing.getWriter();
  await assertRejects(writer.write('x'), 'TypeError', 'closed from size()');
  const releasing = new WritableStream({}, { size() { writer.releaseLock(); return 1; } });
  writer = releasing.getWriter();
  await assertRejects(writer.write('x'), 'TypeError', 'released from size()');
  let controller;
  const erroring = new WritableStream({ start(c) { controller = c; } }, { size() { controller.error(new RangeError('from size')); return 1; } });
  writer = erroring.getWriter();
  await assertRejects(writer.write('x'), 'RangeError');
});

test('sink methods are read once and called without Function.prototype.call', async () => {
  const calls = [];
  const write = function (chunk) { calls.push(chunk); };
  write.call = () => { throw new Error('call used'); };
  write.apply = () => { throw new Error('apply used'); };
  let reads = 0;
  const sink = { get write() { reads++; return write; } };
  const ws = new WritableStream(sink);
  const writer = ws.getWriter();
  await writer.write('a');
  await writer.write('b');
  assertEq(calls, ['a', 'b']);
  assertEq(reads, 1);
});

test('pipeTo: a closing source is noticed while the destination has backpressure', async () => {
  const ws = new WritableStream({}, { highWaterMark: 0 }); // never wants chunks
  const rs = new ReadableStream({ start(c) { c.close(); } });
  await rs.pipeTo(ws);
  const errored = new ReadableStream({ start(c) { c.error(new RangeError('source')); } });
  await assertRejects(errored.pipeTo(new WritableStream({}, { highWaterMark: 0 })), 'RangeError');
});

test('pipeTo: an already closed destination cancels the source instead of spinning', async () => {
  const ws = new WritableStream();
  await ws.close();
  let cancelled;
  const rs = new ReadableStream({ cancel(r) { cancelled = r; } });
  await assertRejects(rs.pipeTo(ws), 'TypeError');
  assertEq(cancelled && cancelled.name, 'TypeError');
  const rs2 = new ReadableStream({ cancel() { throw new Error('not expected'); } });
  const closed2 = new WritableStream();
  await closed2.close();
  await assertRejects(rs2.pipeTo(closed2, { preventCancel: true }), 'TypeError');
  assert(!rs2.locked, 'released after the pipe');
});

test('pipeTo: the returned promise waits for the pending writes; close goes after them', async () => {
  const events = [];
  const write = deferred();
  const ws = new WritableStream({
    write(c) { events.push(`write:${c}`); return write.promise; },
    close() { events.push('close'); },
  });
  const rs = new ReadableStream({ start(c) { c.enqueue('a'); c.close(); } });
  let done = false;
  const piped = rs.pipeTo(ws).then(() => { done = true; });
  await tick();
  assertEq(events, ['write:a']);
  assert(!done);
  write.resolve();
  await piped;
  assertEq(events, ['write:a', 'close']);
});

test('pipeTo: a signal aborting after the shutdown started does not win', async () => {
  const controller = new AbortController();
  const write = deferred();
  const ws = new WritableStream({ write() { return write.promise; } });
  const rs = new ReadableStream({ start(c) { c.enqueue('a'); c.close(); } });
  const piped = rs.pipeTo(ws, { signal: controller.signal });
  await tick(); // the source has closed: shutting down, waiting on the write
  controller.abort(new Error('late'));
  write.resolve();
  await piped; // resolved: the close action was already chosen
});

test('pipeTo: preventAbort / preventCancel / preventClose', async () => {
  let aborted = false;
  const err = new Error('src');
  await assertRejects(new ReadableStream({ start(c) { c.error(err); } })
    .pipeTo(new WritableStream({ abort() { aborted = true; } }), { preventAbort: true }), 'Error');
  assert(!aborted, 'preventAbort');
  let cancelled = false;
  const failing = new WritableStream({ start(c) { c.error(new TypeError('dest')); } });
  await tick();
  await assertRejects(new ReadableStream({ cancel() { cancelled = true; } }).pipeTo(failing, { preventCancel: true }), 'TypeError');
  assert(!cancelled, 'preventCancel');
  let closed = false;
  const ws = new WritableStream({ close() { closed = true; } });
  await new ReadableStream({ start(c) { c.close(); } }).pipeTo(ws, { preventClose: true });
  assert(!closed && !ws.locked, 'preventClose');
});

test('pipeTo / pipeThrough arguments', async () => {
  const order = [];
  const options = {};
  for (const name of ['signal', 'preventClose', 'preventCancel', 'preventAbort']) {
    Object.defineProperty(options, name, { get() { order.push(name); return undefined; } });
  }
  await new ReadableStream({ start(c) { c.close(); } }).pipeTo(new WritableStream(), options);
  assertEq(order, ['preventAbort', 'preventCancel', 'preventClose', 'signal'], 'dictionary order');
  const rs = new ReadableStream();
  let p = rs.pipeTo(Object.create(WritableStream.prototype));
  assert(p instanceof Promise, 'a brand failure is a rejected promise');
  await assertRejects(p, 'TypeError');
  await assertRejects(ReadableStream.prototype.pipeTo.call({}, new WritableStream()), 'TypeError');
  await assertRejects(rs.pipeTo(new WritableStream(), { signal: {} }), 'TypeError');
  await assertRejects(rs.pipeTo(), 'TypeError');
  const boom = new Error('getter');
  const pair = { get readable() { throw boom; }, get writable() { throw new Error('not reached'); } };
  let thrown;
  try { rs.pipeThrough(pair); } catch (e) { thrown = e; }
  assert(thrown === boom, 'getter errors are rethrown unchanged, readable first');
  const ts = new TransformStream();
  assertThrows(() => rs.pipeThrough(ts, { signal: 'x' }), 'TypeError', 'a bad signal throws synchronously');
  ts.writable.getWriter();
  assertThrows(() => rs.pipeThrough(ts), 'TypeError', 'a locked writable');
  assert(!rs.locked);
});

test('TransformStream: cancel/abort run transformer.cancel first', async () => {
  const failure = new Error('cancel failed');
  const ts = new TransformStream({ cancel() { throw failure; } });
  const writer = ts.writable.getWriter();
  const cancelErr = await assertRejects(ts.readable.cancel(new Error('reason')), 'Error');
  assert(cancelErr === failure);
  assert(await writer.closed.catch((e) => e) === failure, 'the writable errors with the cancel failure');
  let cancelReason;
  const ts2 = new TransformStream({ cancel(r) { cancelReason = r; } });
  const reason = new Error('abort reason');
  await ts2.writable.abort(reason);
  assert(cancelReason === reason);
  assert(await ts2.readable.getReader().closed.catch((e) => e) === reason, 'the readable errors with the reason');
});

test('TransformStream: abort after controller.error()/terminate() while not started rejects', async () => {
  let controller;
  const ts = new TransformStream({ start(c) { controller = c; } });
  controller.error(new RangeError('errored'));
  await assertRejects(ts.writable.abort(), 'RangeError');
  const ts2 = new TransformStream({ start(c) { controller = c; } });
  controller.terminate();
  await assertRejects(ts2.writable.abort(), 'TypeError');
});

test('TransformStream: a write waiting on backpressure fails if the writable is aborted', async () => {
  let transformed = false;
  const ts = new TransformStream({ transform() { transformed = true; } });
  const writer = ts.writable.getWriter();
  await tick();
  const write = writer.write('a'); // waits: nothing reads the readable side
  const aborted = writer.abort(new Error('gone'));
  // A read relieves the backpressure; the write then sees the erroring
  // writable side instead of transforming.
  const read = ts.readable.getReader().read();
  await assertRejects(write, 'Error');
  await aborted;
  await assertRejects(read, 'Error');
  assert(!transformed);
});
