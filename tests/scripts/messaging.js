// MessageChannel, MessagePort, MessageEvent (HTML channel messaging).
const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

test('messages are cloned and delivered as tasks once the port is started', async () => {
  const { port1, port2 } = new MessageChannel();
  assert(port1 instanceof MessagePort && port1 instanceof EventTarget);
  const got = [];
  port2.addEventListener('message', (e) => got.push([e.constructor.name, e.data, e.ports.length]));
  const message = { n: 1, list: [1, 2] };
  port1.postMessage(message);
  message.n = 2; // cloned when posted
  await tick();
  assertEq(got, [], 'not started: queued');
  port2.start();
  assertEq(got, [], 'delivered as a task, not synchronously');
  await tick();
  assertEq(got, [['MessageEvent', { n: 1, list: [1, 2] }, 0]]);
});

test('onmessage starts the port; order is kept; both directions', async () => {
  const { port1, port2 } = new MessageChannel();
  const a = [];
  const b = [];
  port2.onmessage = (e) => { b.push(e.data); if (e.data === 2) port2.postMessage('back'); };
  port1.onmessage = (e) => a.push(e.data);
  port1.postMessage(1);
  port1.postMessage(2);
  await tick();
  await tick();
  assertEq(b, [1, 2]);
  assertEq(a, ['back']);
});

test('transfer: ArrayBuffers are detached, ports arrive in event.ports', async () => {
  const { port1, port2 } = new MessageChannel();
  const other = new MessageChannel();
  const buffer = new Uint8Array([1, 2, 3]).buffer;
  let event = null;
  port2.onmessage = (e) => { event = e; };
  port1.postMessage({ buffer }, [buffer, other.port1]);
  assertEq(buffer.byteLength, 0, 'detached');
  await tick();
  assertEq([...new Uint8Array(event.data.buffer)], [1, 2, 3]);
  assertEq(event.ports.length, 1);
  assert(event.ports[0] === other.port1);
  assertThrows(() => port1.postMessage(1, [port1]), 'DataCloneError');
  assertThrows(() => port1.postMessage(() => {}), 'DataCloneError');
  assertThrows(() => port1.postMessage(new MessageChannel().port1), 'DataCloneError', 'a port in the message, not the transfer list');
});

test('close stops delivery both ways', async () => {
  const { port1, port2 } = new MessageChannel();
  const got = [];
  port2.onmessage = (e) => got.push(e.data);
  port1.postMessage('before');
  port2.close();
  port1.postMessage('after');
  await tick();
  assertEq(got, []);
});

test('MessageEvent constructor', () => {
  const e = new MessageEvent('message', { data: 5, origin: 'o', lastEventId: 'id' });
  assertEq([e.data, e.origin, e.lastEventId, e.source, e.ports.length], [5, 'o', 'id', null, 0]);
  assertEq(new MessageEvent('m').data, null);
  assertThrows(() => new MessagePort(), 'TypeError');
  assertThrows(() => new MessageEvent('m', { ports: [1] }), 'TypeError');
});
