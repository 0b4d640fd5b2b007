// One app exercising the request/response surface route by route.
export default {
  async fetch(request, env, ctx) {
    const path = request.url.replace(/^https?:\/\/[^/]+/, '').split('?')[0];
    switch (path) {
      case '/echo': {
        const body = await request.text();
        return new Response(body, {
          headers: { 'x-method': request.method, 'x-content-type': request.headers.get('content-type') ?? '' },
        });
      }
      // Whether the incoming request has a body (null for GET/HEAD and for
      // `content-length: 0`), what it holds, and a header read after it.
      case '/has-body': {
        const kind = request.body === null ? 'none' : `body:${await request.text()}`;
        return new Response(`${kind}|${request.headers.get('x-after') ?? ''}`);
      }
      // The incoming request's own fields, those of its clone and of a
      // Request made from it, and its signal.
      case '/request-fields': {
        const fields = (r) => [r.method, r.url, r.mode, r.credentials, r.cache, r.redirect, r.referrer,
          r.referrerPolicy, r.integrity, r.keepalive, r.signal.aborted, r.headers.get('x-a')].join('|');
        const clone = request.clone();
        const copy = new Request(request, { headers: { 'x-a': 'copy' } });
        const signal = request.signal;
        return Response.json({
          own: fields(request), clone: fields(clone), copy: fields(copy),
          sameSignal: signal === request.signal, ownSignals: clone.signal !== signal && copy.signal !== signal,
        });
      }
      // request.url is a URL record's serialisation (Fetch); new URL() of
      // it is the same URL, and a copy the app may change.
      case '/url': {
        const url = new URL(request.url);
        const href = url.href;
        url.pathname = '/changed';
        const again = new URL(request.url);
        // URLs of request.url share their parsed parts: a third one's query
        // changed through its searchParams leaves the others as they were.
        const third = new URL(request.url);
        third.searchParams.append('r', '2');
        return Response.json({
          url: request.url, href, host: url.host, q: url.searchParams.get('q'),
          changed: url.href, again: again.href, relative: new URL('../up', request.url).href,
          third: third.href, againAfter: again.href, againQuery: [...again.searchParams].join(';'),
          distinct: url !== again && again !== third,
        });
      }
      case '/json': {
        const data = await request.json();
        return Response.json({ received: data, keys: Object.keys(data) });
      }
      case '/bytes': {
        const bytes = await request.bytes();
        let sum = 0;
        for (const b of bytes) sum += b;
        return Response.json({ length: bytes.length, sum });
      }
      case '/headers':
        return Response.json(Object.fromEntries(request.headers));
      case '/cookies': {
        const headers = new Headers();
        headers.append('set-cookie', 'a=1');
        headers.append('set-cookie', 'b=2');
        headers.append('x-multi', 'one');
        headers.append('x-multi', 'two');
        return new Response('cookies', { headers });
      }
      case '/record-headers': {
        // A record's list, kept flat until a Headers object is made: the
        // body's type added to it, then read (and the list copied) through
        // the Headers object it then gets, and a second response's sent as
        // it was made.
        const read = new Response('record', { headers: { 'X-B': '2', 'x-a': ' 1 ' } });
        const seen = [...read.headers].map(([n, v]) => `${n}=${v}`).join('&');
        const json = Response.json({ seen }, { headers: { 'x-b': 'b', 'x-c': 'c' } });
        json.headers.append('x-b', 'again');
        return request.url.endsWith('?json') ? json : new Response(seen, { headers: { 'x-z': 'z', 'x-a': 'a' } });
      }
      case '/late-headers': {
        // Headers changed after the Response was made (its Headers object
        // made by the first read): what the client gets.
        const response = new Response('late');
        response.headers.set('x-late', '1');
        response.headers.delete('content-type');
        response.headers.append('content-type', 'text/x-late');
        return response;
      }
      case '/text': {
        // A string body as the client gets it: UTF-8, a lone surrogate as
        // U+FFFD, Latin-1 and astral characters as themselves.
        return new Response('a\ud800b\u00e9\ud83d\ude00\udc00');
      }
      case '/sized': {
        // A body known in full of ?n bytes, with a header the host manages.
        const n = Number(new URL(request.url).searchParams.get('n'));
        return new Response('x'.repeat(n), { headers: { 'x-ok': '1', 'keep-alive': 'timeout=5' } });
      }
      case '/sleep': {
        const start = performance.now();
        await new Promise((resolve) => setTimeout(resolve, 50));
        return Response.json({ waited: performance.now() - start });
      }
      case '/stream': {
        let n = 0;
        const body = new ReadableStream({
          async pull(controller) {
            await new Promise((resolve) => setTimeout(resolve, 5));
            if (n === 3) return controller.close();
            controller.enqueue(new TextEncoder().encode(`chunk ${n++};`));
          },
        });
        return new Response(body, { headers: { 'content-type': 'text/plain' } });
      }
      case '/echo-stream': {
        const chunks = [];
        for await (const chunk of request.body) chunks.push(new TextDecoder().decode(chunk));
        return new Response(chunks.join(''));
      }
      case '/status':
        return new Response(null, { status: 204 });
      case '/redirect':
        return Response.redirect('https://example.com/next', 307);
      case '/throw':
        throw new Error('boom from the app');
      case '/reject':
        return Promise.reject(new TypeError('rejected on purpose'));
      case '/not-a-response':
        return 'just a string';
      case '/wait-until': {
        ctx.waitUntil(new Promise((resolve) => setTimeout(() => { console.log('waitUntil finished'); resolve(); }, 20)));
        return new Response('sent before waitUntil finished');
      }
      case '/console':
        console.log('hello %s, %d items', 'log', 3, { nested: true });
        console.error('an error line');
        return new Response('logged');
      case '/loop':
        for (;;) {}
      case '/recurse': {
        const f = (n) => f(n + 1) + 1;
        return new Response(String(f(0)));
      }
      case '/recurse-caught': {
        const f = (n) => f(n + 1) + 1;
        try {
          return new Response(String(f(0)));
        } catch (e) {
          return new Response(`${e.name}: ${e.message}`);
        }
      }
      case '/oom': {
        const hoard = [];
        for (;;) hoard.push(new Array(1 << 20).fill(1.5));
      }
      case '/never':
        return new Promise(() => {});
      default:
        return new Response('not found', { status: 404 });
    }
  },
};
