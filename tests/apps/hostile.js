// What a hostile tenant does to its host (tests/e2e/hardening.rs): each
// route attacks one host resource; the host must bound it and keep serving
// everyone else.
const routes = {
  '/hello': () => new Response('hello'),

  '/throw': () => { throw new Error('the app failed on purpose'); },

  // Allocates until the instance's memory limit stops it.
  '/oom': () => {
    const hoard = [];
    for (;;) hoard.push(new Uint8Array(1 << 20).fill(1));
  },

  // The usual "decompress the request body" pattern: streamed and counted,
  // or read whole.
  '/gunzip': async (url, request) => {
    const reader = request.body.pipeThrough(new DecompressionStream('gzip')).getReader();
    let total = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
    }
    return new Response(String(total));
  },
  '/gunzip-text': async (url, request) => {
    const text = await new Response(request.body.pipeThrough(new DecompressionStream('gzip'))).text();
    return new Response(String(text.length));
  },

  // Spins until the host stops it.
  '/spin': () => { for (;;) {} },

  '/echo': async (url, request) => new Response(await request.text()),

  // A body of `mib` MiB produced as the client reads it.
  '/big': (url) => {
    let left = Number(url.searchParams.get('mib') ?? 64);
    const chunk = new Uint8Array(1 << 20).fill(120);
    return new Response(new ReadableStream({
      pull(controller) { if (left-- > 0) controller.enqueue(chunk.slice()); else controller.close(); },
    }));
  },

  '/slow': async (url) => {
    await new Promise((resolve) => setTimeout(resolve, Number(url.searchParams.get('ms') ?? 1000)));
    return new Response('slept');
  },

  // Three HMAC keys of half a gigabyte each.
  '/hmac-huge': async () => {
    const results = [];
    for (let i = 0; i < 3; i++) {
      try {
        await crypto.subtle.generateKey({ name: 'HMAC', hash: 'SHA-256', length: 2 ** 32 - 8 }, false, ['sign']);
        results.push('made');
      } catch (e) {
        results.push(e.name);
      }
    }
    return Response.json(results);
  },

  // One 64 KiB buffer imported as thousands of host keys, all kept alive.
  '/hmac-many': async () => {
    const raw = new Uint8Array(64 << 10).fill(7);
    const keys = [];
    try {
      for (let i = 0; i < 65536; i++) {
        keys.push(await crypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']));
      }
      return new Response(`imported ${keys.length}`);
    } catch (e) {
      return new Response(`${e.name} after ${keys.length}: ${e.message}`);
    }
  },

  // PBKDF2 asked for gigabytes of output.
  '/pbkdf2-long': async () => {
    const key = await crypto.subtle.importKey('raw', new TextEncoder().encode('pw'), 'PBKDF2', false, ['deriveBits']);
    try {
      await crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-512', salt: new Uint8Array(16), iterations: 1_000_000 }, key, 2 ** 32 - 8);
      return new Response('derived');
    } catch (e) {
      return new Response(`${e.name}: ${e.message}`);
    }
  },

  // PBKDF2 with one iteration and 128 MiB of output: cheap per block, but
  // all of it host memory.
  '/pbkdf2-wide': async () => {
    const key = await crypto.subtle.importKey('raw', new TextEncoder().encode('pw'), 'PBKDF2', false, ['deriveBits']);
    try {
      await crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-512', salt: new Uint8Array(16), iterations: 1 }, key, 2 ** 30);
      return new Response('derived');
    } catch (e) {
      return new Response(`${e.name}: ${e.message}`);
    }
  },

  // An RSA JWK with megabyte-sized integers: the math on them is quadratic.
  '/rsa-huge': async () => {
    const big = 'AQAB'.repeat(1 << 18);
    try {
      await crypto.subtle.importKey('jwk', { kty: 'RSA', e: 'AQAB', n: big, d: big }, { name: 'RSA-PSS', hash: 'SHA-256' }, false, ['sign']);
      return new Response('imported');
    } catch (e) {
      return new Response(`${e.name}: ${e.message}`);
    }
  },

  // The most PBKDF2 work one call may do, in a loop.
  '/pbkdf2-max': async (url) => {
    const key = await crypto.subtle.importKey('raw', new TextEncoder().encode('pw'), 'PBKDF2', false, ['deriveBits']);
    const rounds = Number(url.searchParams.get('rounds') ?? 1);
    for (let i = 0; i < rounds; i++) {
      await crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt: new Uint8Array(16), iterations: 1_000_000 }, key, 256);
    }
    return new Response('derived');
  },

  // Rewrites the status behind the constructor's back.
  '/status': (url) => {
    const response = new Response('sneaky');
    for (const symbol of Object.getOwnPropertySymbols(response)) {
      const internals = response[symbol];
      if (internals && typeof internals === 'object' && 'status' in internals) internals.status = Number(url.searchParams.get('code'));
    }
    return response;
  },

  // Tries to write a host log line of its own.
  '/forge-log': () => {
    console.log('innocent\n2026-01-01T00:00:00.000000Z ERROR nano: FORGED admin password reset\r\x1b[2J');
    return new Response('logged');
  },

  '/log-flood': () => {
    for (let i = 0; i < 5000; i++) console.log(`flood line ${i}`);
    return new Response('flooded');
  },

  // Holds memory in the JS heap (linear memory), for the idle-RSS test.
  '/allocate': () => {
    const chunks = [];
    for (let i = 0; i < 16; i++) chunks.push(new Uint8Array(1 << 20).fill(i));
    return new Response(`allocated ${chunks.length} MiB`);
  },
};

export default {
  async fetch(request) {
    const url = new URL(request.url);
    const route = routes[url.pathname];
    return route ? route(url, request) : new Response('no such route', { status: 404 });
  },
};
