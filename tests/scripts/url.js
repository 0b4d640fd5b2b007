// URL and URLSearchParams behaviour beyond the WPT data files: the live
// link between them, every constructor form, errors, big inputs.
test('URL getters, setters, serialisation', () => {
  const u = new URL('https://user:pw@example.com:8080/a/b?x=1#frag');
  assertEq([u.protocol, u.username, u.password, u.host, u.hostname, u.port, u.pathname, u.search, u.hash],
    ['https:', 'user', 'pw', 'example.com:8080', 'example.com', '8080', '/a/b', '?x=1', '#frag']);
  assertEq(u.origin, 'https://example.com:8080');
  u.port = '443';
  assertEq(u.href, 'https://user:pw@example.com/a/b?x=1#frag', 'default port dropped');
  u.port = 'abc';
  assertEq(u.port, '', 'an invalid port is ignored');
  u.protocol = 'ftp';
  assertEq(u.protocol, 'ftp:');
  u.protocol = 'mailto';
  assertEq(u.protocol, 'ftp:', 'special to non-special is refused');
  u.hash = '';
  assertEq(u.href, 'ftp://user:pw@example.com/a/b?x=1');
  assertEq(String(u), u.href);
  assertEq(JSON.stringify({ u }), `{"u":"${u.href}"}`);
  assertEq(Object.prototype.toString.call(u), '[object URL]');
});

test('URL errors and statics', () => {
  const err = assertThrows(() => new URL('not a url'), 'TypeError');
  assert(err.message.includes('not a url'), 'the message names the input');
  assertThrows(() => new URL('/path', 'also not a url'), 'TypeError');
  assertThrows(() => { new URL('https://a.b/').href = 'nope'; }, 'TypeError');
  assertThrows(() => new URL(), 'TypeError');
  assertEq(URL.canParse('https://a.b'), true);
  assertEq(URL.canParse('/x'), false);
  assertEq(URL.canParse('/x', 'https://a.b/c/d'), true);
  assertEq(URL.parse('x', 'https://a.b/c/d').href, 'https://a.b/c/x');
  assertEq(URL.parse('::'), null);
  assertEq(new URL('https://a.b/\ud800').pathname, '/%EF%BF%BD', 'lone surrogates become U+FFFD');
  assertEq(new URL('y\udc00', 'https://a.b/\ud800x/').href, 'https://a.b/%EF%BF%BDx/y%EF%BF%BD', 'in the base too');
  const lone = assertThrows(() => new URL('nope\ud800'), 'TypeError');
  assert(lone.message.includes('nope\ufffd'), 'the message names the input, well-formed');
  assertThrows(() => new URL(Symbol('a'), 'https://a.b/'), 'TypeError', 'a Symbol is no USVString');
  assertThrows(() => new URL('x', Symbol('a')), 'TypeError', 'nor as the base');
  assertEq(new URL({ toString() { return 'https://c.d/'; } }).host, 'c.d');
  assertEq(URL.length, 1);
  assertThrows(() => new URLSearchParams().append(Symbol('a'), 'x'), 'TypeError');
  assertThrows(() => new URLSearchParams(Symbol('a')), 'TypeError');
  assertThrows(() => new URLPattern(Symbol('a')), 'TypeError');
  assertThrows(() => new URLPattern({ pathname: Symbol('a') }), 'TypeError');
});

test('searchParams is live in both directions', () => {
  const u = new URL('https://example.com/?a=1&b=2');
  const params = u.searchParams;
  assert(u.searchParams === params, 'same object every time');
  params.append('c', 'x y');
  assertEq(u.href, 'https://example.com/?a=1&b=2&c=x+y');
  params.delete('a');
  assertEq(u.search, '?b=2&c=x+y');
  u.search = '?z=9';
  assertEq([...params], [['z', '9']]);
  u.href = 'https://example.com/?q=%20';
  assertEq(params.get('q'), ' ');
  params.delete('q');
  assertEq(u.href, 'https://example.com/', 'empty list removes the query');
  const opaque = new URL('sc:space ?query');
  opaque.searchParams.delete('query');
  assertEq(opaque.href, 'sc:space%20', 'trailing space of an opaque path survives');
});

test('URLSearchParams constructor forms and methods', () => {
  assertEq(new URLSearchParams('?a=1&b=%20&c=+&d').toString(), 'a=1&b=+&c=+&d=');
  assertEq([...new URLSearchParams('a=1&a=2')], [['a', '1'], ['a', '2']]);
  assertEq(new URLSearchParams({ x: '1', y: 'é' }).toString(), 'x=1&y=%C3%A9');
  assertEq(new URLSearchParams([['k', 'v'], ['k', 'w']]).getAll('k'), ['v', 'w']);
  assertEq(new URLSearchParams(new URLSearchParams('p=q')).get('p'), 'q');
  assertThrows(() => new URLSearchParams([['only']]), 'TypeError');
  assertThrows(() => new URLSearchParams([1]), 'TypeError');
  const p = new URLSearchParams('b=2&a=1&b=3&c=4');
  assertEq(p.size, 4);
  assert(p.has('b') && p.has('b', '3') && !p.has('b', '9'));
  p.delete('b', '2');
  assertEq(p.getAll('b'), ['3']);
  p.set('a', 'x');
  p.set('new', 'y');
  assertEq(p.toString(), 'a=x&b=3&c=4&new=y');
  p.append('a', '0');
  p.sort();
  assertEq([...p.keys()], ['a', 'a', 'b', 'c', 'new'], 'stable sort');
  assertEq(p.get('a'), 'x');
  assertEq(p.get('missing'), null);
  const seen = [];
  p.forEach((value, name) => seen.push(name + '=' + value));
  assertEq(seen.join('&'), p.toString());
  assertEq(new URLSearchParams('a=\ud83d\ude00&\ufffd=b').toString(), 'a=%F0%9F%98%80&%EF%BF%BD=b');
  assertEq(Object.prototype.toString.call(p.entries()), '[object URLSearchParams Iterator]');
});

test('a 1 MB URL works', () => {
  const long = 'a'.repeat(1 << 20);
  const u = new URL(`https://example.com/${long}?q=${long}`);
  assertEq(u.pathname.length, (1 << 20) + 1);
  assertEq(u.searchParams.get('q').length, 1 << 20);
  u.hash = long;
  assertEq(u.href.length, 'https://example.com/'.length + (1 << 20) * 3 + '?q='.length + 1);
});

test('Request and Response use the URL parser', () => {
  assertEq(new Request('HTTPS://EXAMPLE.com:443/a/../b').url, 'https://example.com/b');
  assertThrows(() => new Request('https://user:pw@example.com/'), 'TypeError');
  assertEq(Response.redirect('https://EXAMPLE.com/x').headers.get('location'), 'https://example.com/x');
});
