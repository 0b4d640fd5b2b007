// Blob, File, FormData, and bodies made of them (File API, XHR, Fetch).
test('Blob', async () => {
  const b = new Blob(['ab', new Uint8Array([99]), new Blob(['d'])], { type: 'TEXT/Plain;charset=utf-8' });
  assertEq([b.size, b.type], [4, 'text/plain;charset=utf-8']);
  assertEq(await b.text(), 'abcd');
  assertEq(await b.slice(1, -1).text(), 'bc');
  assertEq(await b.slice(-2).text(), 'cd');
  assertEq(b.slice(0, 1, 'x/y').type, 'x/y');
  assertEq((await b.arrayBuffer()).byteLength, 4);
  assertEq(new Blob(['x'], { type: 'ünicode' }).type, '', 'non-ASCII types are dropped');
  assertEq(await new Blob(['a\r\nb\rc'], { endings: 'native' }).text(), 'a\nb\nc');
  assertEq(new Blob().size, 0);
  assertThrows(() => new Blob('not a sequence'), 'TypeError');
  const f = new File(['data'], 'name.txt', { type: 'text/plain', lastModified: 42 });
  assert(f instanceof Blob);
  assertEq([f.name, f.lastModified, f.size, Object.prototype.toString.call(f)], ['name.txt', 42, 4, '[object File]']);
  assertThrows(() => new File(['x']), 'TypeError');
});

test('FormData', () => {
  const fd = new FormData();
  fd.append('a', '1');
  fd.append('a', '2');
  fd.append('file', new Blob(['x'], { type: 'text/plain' }));
  fd.append('named', new Blob(['y']), 'y.txt');
  assertEq(fd.getAll('a'), ['1', '2']);
  assert(fd.get('file') instanceof File);
  assertEq(fd.get('file').name, 'blob');
  assertEq(fd.get('named').name, 'y.txt');
  fd.set('a', '3');
  assertEq([...fd.keys()], ['a', 'file', 'named']);
  assertEq(fd.get('a'), '3');
  fd.delete('file');
  assert(!fd.has('file'));
  assertEq(fd.get('missing'), null);
  assertEq(Object.prototype.toString.call(fd.entries()), '[object FormData Iterator]');
});

test('bodies: FormData and Blob round trips', async () => {
  const fd = new FormData();
  fd.append('text', 'line1\nline2 "quoted"');
  fd.append('upload', new File([new Uint8Array([0, 1, 2, 255])], 'bin"ary.dat', { type: 'application/octet-stream' }));
  const req = new Request('https://example.com/', { method: 'POST', body: fd });
  const type = req.headers.get('content-type');
  assert(type.startsWith('multipart/form-data; boundary='), type);
  const parsed = await req.formData();
  assertEq(parsed.get('text'), 'line1\r\nline2 "quoted"', 'newlines normalise to CRLF');
  const file = parsed.get('upload');
  assert(file instanceof File);
  assertEq([file.name, file.type], ['bin%22ary.dat', 'application/octet-stream']);
  assertEq([...await file.bytes()], [0, 1, 2, 255]);
  const urlencoded = await new Response('a=1&b=%C3%A9', { headers: { 'content-type': 'application/x-www-form-urlencoded' } }).formData();
  assertEq([...urlencoded], [['a', '1'], ['b', 'é']]);
  await assertRejects(new Response('plain').formData(), 'TypeError');
  await assertRejects(new Response('--x\r\nbroken', { headers: { 'content-type': 'multipart/form-data; boundary=x' } }).formData(), 'TypeError');
  const blobRes = new Response(new Blob(['blob body'], { type: 'text/x-blob' }));
  assertEq(blobRes.headers.get('content-type'), 'text/x-blob');
  const blob = await blobRes.blob();
  assertEq([blob.type, await blob.text()], ['text/x-blob', 'blob body']);
});

test('USVString arguments refuse a Symbol and replace lone surrogates', async () => {
  assertThrows(() => new Blob([Symbol('a')]), 'TypeError');
  assertThrows(() => new File([], Symbol('a')), 'TypeError');
  const fd = new FormData();
  assertThrows(() => fd.append(Symbol('a'), 'x'), 'TypeError');
  assertThrows(() => fd.append('a', Symbol('x')), 'TypeError');
  assertThrows(() => fd.set('a', Symbol('x')), 'TypeError');
  fd.append('n\ud800', 'v\udc00');
  assertEq([...fd.entries()].join(), 'n\ufffd,v\ufffd');
  assertEq(await new Blob(['a\ud800']).text(), 'a\ufffd');
  assertEq(new File([], 'f\ud800').name, 'f\ufffd');
  assertEq(await new Blob([{ toString() { return 'obj'; } }]).text(), 'obj');
});
