// Request and Response, per the Fetch Standard.
test('Response basics', async () => {
  const r = new Response('hi', { status: 201, statusText: 'Created', headers: { 'x-a': '1' } });
  assertEq(r.status, 201);
  assertEq(r.statusText, 'Created');
  assert(r.ok);
  assertEq(r.type, 'default');
  assertEq(r.headers.get('content-type'), 'text/plain;charset=UTF-8');
  assert(!r.bodyUsed);
  assertEq(await r.text(), 'hi');
  assert(r.bodyUsed);
  await assertRejects(r.text(), 'TypeError', 'body used twice');
  assertEq(new Response().status, 200);
  assertEq(await new Response().text(), '');
  assertEq(await new Response(null).arrayBuffer().then((b) => b.byteLength), 0);
});

test("a Response's headers, made on first use, are one object that owns the list", async () => {
  // Made without a headers member, a Response has its Headers object only
  // once read: the same object every time, holding the body's type, and
  // what is done to it is what a clone and the body's type see.
  const r = new Response('hi');
  const headers = r.headers;
  assert(headers instanceof Headers);
  assert(r.headers === headers);
  assertEq([...headers], [['content-type', 'text/plain;charset=UTF-8']]);
  headers.append('x-b', '2');
  headers.set('x-a', '1');
  headers.delete('content-type');
  assertEq([...r.headers], [['x-a', '1'], ['x-b', '2']]);
  const copy = r.clone();
  assert(copy.headers !== headers);
  assertEq([...copy.headers], [['x-a', '1'], ['x-b', '2']]);
  assertEq((await r.blob()).type, '');
  headers.set('content-type', 'text/x-mine');
  assertEq((await copy.blob()).type, '');
  // Its type from the body, for each kind of body, and none for no body.
  assertEq(new Response(new Blob(['x'], { type: 'text/x-blob' })).headers.get('content-type'), 'text/x-blob');
  assertEq(new Response(new URLSearchParams('a=1')).headers.get('content-type'), 'application/x-www-form-urlencoded;charset=UTF-8');
  assertEq([...new Response(new Uint8Array(1)).headers], []);
  assertEq([...new Response(null).headers], []);
  // A clone copies the Response's own headers, whatever a subclass's getter says.
  class Odd extends Response { get headers() { return new Headers({ 'x-odd': '1' }); } }
  assertEq([...new Odd('o').clone().headers], [['content-type', 'text/plain;charset=UTF-8']]);
  // Response.json adds its type only where the init has none.
  assertEq(Response.json(1).headers.get('content-type'), 'application/json');
  assertEq(Response.json(1, { headers: { 'content-type': 'text/x-json' } }).headers.get('content-type'), 'text/x-json');
  assertEq(Response.json(1, { headers: [['x-a', '1']] }).headers.get('content-type'), 'application/json');
});

test("a Response's headers from a record: WebIDL's reading of the member, and one object made on first use", async () => {
  const r = new Response('hi', { headers: { 'X-A': ' 1 ', 'x-a': '2', 'Content-Type': 'text/x-own' } });
  const headers = r.headers;
  assert(headers instanceof Headers && r.headers === headers);
  // Names lowercased, values trimmed, the record's own type kept.
  assertEq([...headers], [['content-type', 'text/x-own'], ['x-a', '1, 2']]);
  headers.set('x-b', '3');
  assertEq([...r.clone().headers], [['content-type', 'text/x-own'], ['x-a', '1, 2'], ['x-b', '3']]);
  assertEq((await r.blob()).type, 'text/x-own');
  assertEq([...new Response('t', { headers: { 'x-t': 't' } }).headers], [['content-type', 'text/plain;charset=UTF-8'], ['x-t', 't']]);
  // The body's type is added to a record's list only when the record has
  // none (in any case), for a string body as for any other.
  assertEq([...new Response('t', { headers: { 'CONTENT-TYPE': 'a/b' } }).headers], [['content-type', 'a/b']]);
  assertEq([...new Response(new URLSearchParams('a=1'), { headers: { 'x-q': 'q' } }).headers],
    [['content-type', 'application/x-www-form-urlencoded;charset=UTF-8'], ['x-q', 'q']]);
  assertEq([...new Response(new Uint8Array(1), { headers: { 'x-u': 'u' } }).headers], [['x-u', 'u']]);
  assertEq([...new Response(null, { headers: {} }).headers], []);
  assertThrows(() => new Response('t', { status: 204, headers: { 'x-t': 't' } }), 'TypeError');
  assertEq([...new Response('n', { headers: Object.assign(Object.create(null), { 'x-n': 'n' }) }).headers].length, 2,
    'a record with no prototype');
  // An iterator anywhere on the way makes it a sequence (WebIDL): not a record.
  const inherited = Object.create({ *[Symbol.iterator]() { yield ['x-seq', '1']; } });
  inherited['x-own'] = '2';
  assertEq([...new Response(null, { headers: inherited }).headers], [['x-seq', '1']]);
  const hidden = { 'x-own': '2' };
  Object.defineProperty(hidden, Symbol.iterator, { value: function* () { yield ['x-hidden', '1']; } });
  assertEq([...new Response(null, { headers: hidden }).headers], [['x-hidden', '1']]);
  Object.prototype[Symbol.iterator] = function* () { yield ['x-proto', '1']; };
  try {
    assertEq([...new Response(null, { headers: { 'x-own': '2' } }).headers], [['x-proto', '1']]);
  } finally {
    delete Object.prototype[Symbol.iterator];
  }
  // A getter is read once, by WebIDL's steps; a bad value is their error.
  let reads = 0;
  const getter = { get 'x-g'() { reads++; return 'g'; } };
  assertEq(new Response(null, { headers: getter }).headers.get('x-g'), 'g');
  assertEq(reads, 1);
  assertThrows(() => new Response(null, { headers: { 'x-bad': 'a\nb' } }), 'TypeError');
  assertThrows(() => new Response(null, { headers: { 'bad name': 'v' } }), 'TypeError');
  assertThrows(() => new Response(null, { headers: 'x' }), 'TypeError');
});

test('a string body reads the same whatever reads it', async () => {
  // The body is kept as the string until read: every reader sees its UTF-8
  // bytes, lone surrogates replaced, and a clone sees the same.
  const s = 'a\ud800b\u00e9\ud83d\ude00';
  const bytes = [0x61, 0xef, 0xbf, 0xbd, 0x62, 0xc3, 0xa9, 0xf0, 0x9f, 0x98, 0x80];
  assertEq(await new Response(s).text(), 'a\ufffdb\u00e9\ud83d\ude00');
  assertEq([...new Uint8Array(await new Response(s).arrayBuffer())].join(), bytes.join());
  assertEq([...await new Response(s).bytes()].join(), bytes.join());
  const blob = await new Response(s).blob();
  assertEq(blob.type, 'text/plain;charset=utf-8');
  assertEq(blob.size, bytes.length);
  const reader = new Response(s).body.getReader();
  const chunk = await reader.read();
  assertEq([...chunk.value].join(), bytes.join());
  assert((await reader.read()).done);
  const original = new Response(s);
  const copy = original.clone();
  assertEq(await original.text(), 'a\ufffdb\u00e9\ud83d\ude00');
  assertEq(await copy.text(), 'a\ufffdb\u00e9\ud83d\ude00');
  const used = new Response('x');
  await used.text();
  assert(used.bodyUsed);
  assertThrows(() => used.clone(), 'TypeError');
  assertThrows(() => used.body.getReader(), 'TypeError', 'a used body is locked');
  const typed = new Response('{}', { headers: { 'content-type': 'application/json' } });
  assertEq(typed.headers.get('content-type'), 'application/json');
  assertEq((await Response.json({ a: '\ud800\u00e9' }).json()).a, '\ud800\u00e9', 'JSON.stringify escapes a lone surrogate');
  assertEq([...await Response.json('\u00e9').bytes()].join(), [0x22, 0xc3, 0xa9, 0x22].join());
  assertEq(await new Response('').text(), '');
  assertEq(new Response('').body instanceof ReadableStream, true);
});

test('Response status validation', () => {
  assertThrows(() => new Response('', { status: 199 }), 'RangeError');
  assertThrows(() => new Response('', { status: 600 }), 'RangeError');
  assertThrows(() => new Response('body', { status: 204 }), 'TypeError');
  assertThrows(() => new Response('', { statusText: 'bad\n' }), 'TypeError');
  assertEq(new Response(null, { status: 204 }).status, 204);
  // WebIDL `unsigned short`: truncated, wrapped modulo 2^16, NaN and
  // infinities 0; a number already in range is taken as it is.
  assertEq(new Response(null, { status: 200.9 }).status, 200);
  assertEq(new Response(null, { status: '201' }).status, 201);
  assertEq(new Response(null, { status: 65536 + 202 }).status, 202);
  assertEq(new Response(null, { status: 203 - 65536 }).status, 203);
  assertEq(new Response(null, { status: { valueOf: () => 299 } }).status, 299);
  assertEq(new Response(null, { status: 599 }).status, 599);
  assertThrows(() => new Response(null, { status: -0 }), 'RangeError');
  assertThrows(() => new Response(null, { status: NaN }), 'RangeError');
  assertThrows(() => new Response(null, { status: Infinity }), 'RangeError');
  assertThrows(() => new Response(null, { status: 65535 }), 'RangeError');
  assertEq(new Response(null, { status: 2 ** 32 + 200 }).status, 200);
});

test('ResponseInit is read as WebIDL reads a dictionary', () => {
  // Each member once, in the order headers, status, statusText; the
  // conversion (a ByteString statusText) before the status range check.
  const reads = [];
  const init = {
    get statusText() { reads.push('statusText'); return 'Fine'; },
    get status() { reads.push('status'); return 201; },
    get headers() { reads.push('headers'); return { 'x-a': '1' }; },
  };
  const r = new Response('x', init);
  assertEq(reads.join(), 'headers,status,statusText');
  assertEq(r.status, 201);
  assertEq(r.statusText, 'Fine');
  assertEq(r.headers.get('x-a'), '1');
  assertEq(r.headers.get('content-type'), 'text/plain;charset=UTF-8');
  assertThrows(() => new Response('x', { status: 99, statusText: '\u0100' }), 'TypeError');
  assertThrows(() => new Response('x', { status: 99 }), 'RangeError');
  assertThrows(() => new Response('x', 5), 'TypeError');
  assertEq(new Response('x', null).status, 200);
  // A record's non-enumerable and inherited members are not headers.
  const record = Object.create({ 'x-inherited': '1' });
  Object.defineProperty(record, 'x-hidden', { value: '1', enumerable: false });
  record['x-shown'] = '1';
  assertEq([...new Response('x', { headers: record }).headers.keys()].join(), 'content-type,x-shown');
  assertThrows(() => new Headers({ [Symbol('s')]: 'v' }), 'TypeError');
});

test('Response.json / redirect / error', async () => {
  const j = Response.json({ a: [1, 'b'] }, { status: 202, headers: { 'x': 'y' } });
  assertEq(j.status, 202);
  assertEq(j.headers.get('content-type'), 'application/json');
  assertEq(await j.json(), { a: [1, 'b'] });
  assertEq(Response.json(1, { headers: { 'content-type': 'foo/bar' } }).headers.get('content-type'), 'foo/bar');
  assertThrows(() => Response.json(undefined), 'TypeError');
  assertThrows(() => Response.json(1n), 'TypeError');
  const r = Response.redirect('https://example.com/a', 308);
  assertEq(r.status, 308);
  assertEq(r.headers.get('location'), 'https://example.com/a');
  assertEq(Response.redirect('https://example.com/').status, 302);
  assertThrows(() => Response.redirect('https://example.com/', 200), 'RangeError');
  assertThrows(() => Response.redirect('not a url'), 'TypeError');
  const e = Response.error();
  assertEq(e.type, 'error');
  assertEq(e.status, 0);
  assertThrows(() => e.headers.set('a', 'b'), 'TypeError');
});

test('bodies from every supported type', async () => {
  const bytes = new Uint8Array([104, 105]);
  assertEq(await new Response(bytes).text(), 'hi');
  assertEq(await new Response(bytes.buffer).text(), 'hi');
  assertEq(await new Response(new DataView(bytes.buffer, 1)).text(), 'i');
  assertEq(new Response(bytes).headers.get('content-type'), null);
  const ab = await new Response('héllo').arrayBuffer();
  assert(ab instanceof ArrayBuffer);
  assertEq(ab.byteLength, 6);
  const u8 = await new Response('abc').bytes();
  assert(u8 instanceof Uint8Array);
  assertEq([...u8], [97, 98, 99]);
  await assertRejects(new Response('{bad').json(), 'SyntaxError');
  // The body is a copy: later changes to the source do not leak in.
  const src = new Uint8Array([1, 2]);
  const r = new Response(src);
  src[0] = 9;
  assertEq([...(await r.bytes())], [1, 2]);
});

test('clone', async () => {
  const r = new Response('twice', { headers: { a: '1' } });
  const c = r.clone();
  assertEq([c.type, c.url, c.redirected, c.status, c.statusText], ['default', '', false, 200, '']);
  const e = Response.error().clone();
  assertEq([e.type, e.status, e.url, e.redirected], ['error', 0, '', false]);
  assertEq(await r.text(), 'twice');
  assertEq(await c.text(), 'twice');
  c.headers.set('a', '2');
  assertEq(r.headers.get('a'), '1');
  assertThrows(() => r.clone(), 'TypeError');
});

test('Request basics', async () => {
  const r = new Request('https://example.com/path?q=1', { method: 'post', body: 'payload', headers: { 'x-a': '1' } });
  assertEq(r.method, 'POST');
  assertEq(r.url, 'https://example.com/path?q=1');
  assertEq(r.headers.get('content-type'), 'text/plain;charset=UTF-8');
  assertEq(r.redirect, 'follow');
  assert(r.signal instanceof AbortSignal);
  assert(!r.signal.aborted);
  assertEq(await r.clone().text(), 'payload');
  assertEq(await r.text(), 'payload');
  assertEq(new Request('https://x.test/', { method: 'patch' }).method, 'patch', 'only some methods are upper-cased');
  assertEq(new Request('https://x.test/', { method: 'delete' }).method, 'DELETE');
});

test('Request validation', () => {
  assertThrows(() => new Request('https://x.test/', { method: 'GET', body: 'x' }), 'TypeError');
  assertThrows(() => new Request('https://x.test/', { method: 'HEAD', body: 'x' }), 'TypeError');
  assertThrows(() => new Request('https://x.test/', { method: 'CONNECT' }), 'TypeError');
  assertThrows(() => new Request('https://x.test/', { method: 'bad method' }), 'TypeError');
  assertThrows(() => new Request('https://x.test/', { redirect: 'sometimes' }), 'TypeError');
  assertThrows(() => new Request('/relative'), 'TypeError');
  assertThrows(() => new Request(), 'TypeError');
});

test('Request from Request takes the body over', async () => {
  const a = new Request('https://x.test/', { method: 'PUT', body: 'moved' });
  const b = new Request(a, { headers: { 'x-b': '1' } });
  assertEq(b.method, 'PUT');
  assertEq(b.headers.get('x-b'), '1');
  assert(a.bodyUsed, 'the original counts as used');
  assertEq(await b.text(), 'moved');
  assertThrows(() => new Request(a), 'TypeError');
  const controller = new AbortController();
  const c = new Request('https://x.test/', { signal: controller.signal });
  const d = new Request(c);
  controller.abort();
  assert(c.signal.aborted && d.signal.aborted, 'signals follow their source');
});

test("a Request's own signal: one object, never aborted, followed by copies", () => {
  const r = new Request('https://x.test/');
  assert(r.signal === r.signal, 'the same signal each time');
  assert(r.signal instanceof AbortSignal && !r.signal.aborted);
  const copy = new Request(r);
  const clone = r.clone();
  assert(copy.signal !== r.signal && clone.signal !== r.signal, 'a copy has a signal of its own');
  assert(!copy.signal.aborted && !clone.signal.aborted);
  assert(new Request(r, { signal: null }).signal instanceof AbortSignal);
  // Copies of a request with an aborted signal start aborted.
  const controller = new AbortController();
  const a = new Request('https://x.test/', { signal: controller.signal });
  const later = a.clone();
  controller.abort('why');
  assert(later.signal.aborted && later.signal.reason === 'why', 'a clone follows the source');
  const b = new Request(a);
  assert(b.signal.aborted && b.signal.reason === 'why', 'a copy made after the abort is aborted');
  assertThrows(() => new Request('https://x.test/', { signal: {} }), 'TypeError');
});

test('fetch with an aborted signal rejects before sending', async () => {
  const controller = new AbortController();
  controller.abort(new RangeError('stop'));
  let caught = null;
  try {
    await fetch(new Request('https://x.test/', { signal: controller.signal }));
  } catch (err) {
    caught = err;
  }
  assert(caught instanceof RangeError && caught.message === 'stop', String(caught));
});

test('a consumed body is a locked stream', async () => {
  for (const consume of ['text', 'json', 'arrayBuffer', 'blob', 'bytes']) {
    for (const make of [() => new Response('{}'), () => new Response(new Blob(['{}']).stream())]) {
      const r = make();
      r[consume]().catch(() => {});
      assert(r.body !== null, `${consume}: a body`);
      assertThrows(() => r.body.getReader(), 'TypeError', `${consume}: getReader after consuming`);
      assert(r.bodyUsed, `${consume}: used`);
    }
  }
});

test('body consumption cannot be intercepted through Object.prototype.then', async () => {
  const hello = new TextEncoder().encode('hello');
  const bye = new TextEncoder().encode('bye');
  const inject = () => {
    Object.prototype.then = (onFulfilled) => { delete Object.prototype.then; onFulfilled({ done: false, value: bye }); };
  };
  const cases = [
    () => new Response(hello),
    () => new Response(new Response(hello).body),
    () => new Response(new ReadableStream({ start(c) { c.enqueue(hello); c.close(); } })),
    () => new Request('https://x.test/', { method: 'POST', body: hello }),
  ];
  for (const [i, make] of cases.entries()) {
    const body = make();
    inject();
    let text;
    try { text = await body.text(); } finally { delete Object.prototype.then; }
    assertEq(text, 'hello', `case ${i}`);
  }
});

test("the platform's streams read nothing from Object.prototype", async () => {
  for (const name of ['start', 'type', 'size', 'highWaterMark', 'pull', 'cancel']) {
    for (const getter of [() => { throw new Error(`Object.prototype.${name} was read`); }, () => -1]) {
      Object.defineProperty(Object.prototype, name, { get: getter, configurable: true });
      try {
        new Request('https://x.test/', { method: 'POST', body: 'hi' }).body;
        new Response('bye').body;
        await new Response().text();
        assertEq(await new Response(new Uint8Array([64])).text(), '@');
        assertEq(await new Request('https://x.test/', { method: 'POST', body: 'yes' }).text(), 'yes');
        assertEq(await new Blob(['b']).stream().getReader().read().then((r) => r.value.length), 1);
      } finally {
        delete Object.prototype[name];
      }
    }
  }
});

test('fetch() of data: URLs runs the data: URL processor', async () => {
  const cases = [
    ['data:,response%27s%20body', 'text/plain;charset=US-ASCII', "response's body"],
    ['data:text/plain;base64,cmVzcG9uc2UncyBib2R5', 'text/plain', "response's body"],
    ['data:image/png;base64,cmVzcG9uc2UncyBib2R5', 'image/png', "response's body"],
    ['data:;base64,YQ', 'text/plain;charset=US-ASCII', 'a'],
    ['data:Text/HTML;Charset="utf-8";x,%e2%82%ac#fragment', 'text/html;charset=utf-8', '€'],
    ['data:text/plain;a="b\\"c";base64 ,YQ', 'text/plain;a="b\\"c"', 'a'],
    ['data:bad type,x', 'text/plain;charset=US-ASCII', 'x'],
    ['data: text/plain ; base64 ,%20Y Q%3d%3d', 'text/plain', 'a'],
  ];
  for (const [url, type, body] of cases) {
    const r = await fetch(url);
    assertEq([r.status, r.statusText, r.type, r.headers.get('content-type')], [200, 'OK', 'basic', type], url);
    assertEq(await r.text(), body, url);
  }
  assertEq((await fetch('data:,a#f')).url, 'data:,a', 'the response URL has no fragment');
  assertEq(await (await fetch('data:,posted', { method: 'POST', body: 'x' })).text(), 'posted', 'any method');
  assertEq((await fetch('data:,x', { method: 'HEAD' })).body, null, 'HEAD has no body');
  await assertRejects(fetch('data:notAdataUrl.com'), 'TypeError', 'no comma');
  await assertRejects(fetch('data:;base64,%3D%3D'), 'TypeError', 'bad base64');
});

test('URL.createObjectURL / revokeObjectURL and fetch() of blob: URLs', async () => {
  const desc = Object.getOwnPropertyDescriptor(URL, 'createObjectURL');
  assert(desc.writable && desc.enumerable && desc.configurable, 'a static operation');
  const url = URL.createObjectURL(new Blob(['blobby'], { type: 'Text/X-A' }));
  assert(/^blob:null\/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(url), url);
  const r = await fetch(`${url}#fragment`);
  assertEq([r.status, r.statusText, r.headers.get('content-type'), r.headers.get('content-length')], [200, 'OK', 'text/x-a', '6']);
  assertEq(await r.text(), 'blobby');
  assertEq(await (await fetch(url)).text(), 'blobby', 'fetched again');
  await assertRejects(fetch(url, { method: 'POST', body: 'x' }), 'TypeError', 'GET only');
  URL.revokeObjectURL(url);
  await assertRejects(fetch(url), 'TypeError', 'revoked');
  assertThrows(() => URL.createObjectURL('text'), 'TypeError');
  URL.revokeObjectURL('not a URL'); // ignored
  // The store is bounded: 1,024 URLs at once.
  const urls = [];
  for (let i = 0; i < 1024; i++) urls.push(URL.createObjectURL(new Blob([String(i)])));
  assertThrows(() => URL.createObjectURL(new Blob([])), 'QuotaExceededError', 'past the bound');
  URL.revokeObjectURL(urls.pop());
  assertEq(await (await fetch(urls[1023 - 1])).text(), '1022');
  urls.push(URL.createObjectURL(new Blob(['again'])));
  for (const u of urls) URL.revokeObjectURL(u);
});

test("a Request made from a Request: the input's body checked, kept and disturbed", async () => {
  const input = new Request('https://x.test/', { method: 'POST', body: 'hello' });
  assertThrows(() => new Request(input, { method: 'GET' }), 'TypeError', 'GET with the inherited body');
  assertThrows(() => new Request(input, { method: 'HEAD', body: null }), 'TypeError', 'HEAD with the inherited body');
  assertThrows(() => new Request(input, { method: 'CONNECT' }), 'TypeError', 'a forbidden method');
  assert(!input.bodyUsed, 'a failed construction leaves the input unused');
  const originalBody = input.body;
  const copy = new Request(input);
  assert(input.bodyUsed, 'the input is used');
  assert(input.body === originalBody, "the input keeps its body's stream");
  assertThrows(() => originalBody.getReader(), 'TypeError', 'which is locked');
  assert(copy.body !== originalBody, 'the new request has a body of its own');
  assertEq(await copy.text(), 'hello');
  const withNull = new Request(new Request('https://x.test/', { method: 'POST', body: 'kept' }), { body: null });
  assertEq(await withNull.text(), 'kept', 'init body null takes the input body');
  const streamed = new Request('https://x.test/', { method: 'POST', body: new Blob(['s']).stream(), duplex: 'half' });
  streamed.body.getReader();
  assertThrows(() => new Request(streamed), 'TypeError', 'a locked input body');
  const overridden = new Request('https://x.test/', { method: 'POST', body: 'x' });
  assertEq(await new Request(overridden, { body: 'init' }).text(), 'init');
  assert(!overridden.bodyUsed, 'an init body leaves the input alone (the standard since 2020)');
});

test("a Response's null body statuses are checked without Array.prototype", async () => {
  // Compared directly: an app's own `includes` changes nothing.
  const { includes } = Array.prototype;
  Array.prototype.includes = () => true;
  try {
    assertEq(new Response('x', { status: 201 }).status, 201);
    assertEq(await new Response('x', { status: 202 }).text(), 'x');
  } finally {
    Array.prototype.includes = includes;
  }
  for (const status of [204, 205, 304]) assertThrows(() => new Response('x', { status }), 'TypeError');
  assertEq(new Response(null, { status: 204 }).status, 204);
});

test('a body read whose conversion fails rejects, never throws', async () => {
  // The bytes are all here, so they are converted at once: still a promise.
  let threw = false;
  let read;
  try {
    read = new Response('{bad').json();
  } catch {
    threw = true;
  }
  assert(!threw);
  await assertRejects(read, 'SyntaxError');
});
