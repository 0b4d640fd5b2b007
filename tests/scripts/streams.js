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
