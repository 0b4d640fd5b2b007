// One tenant of the multi-tenant tests (tests/e2e/hosting.rs): every path
// exercises one limit or one piece of configuration.
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const n = Number(url.searchParams.get('n') ?? '0');
    switch (url.pathname) {
      case '/env':
        return Response.json(env);
      case '/global':
        // A global one request sets must be gone in the next.
        globalThis.counter = (globalThis.counter ?? 0) + 1;
        return new Response(String(globalThis.counter));
      case '/spin':
        for (;;) {}
      case '/alloc': {
        const hoard = [];
        for (;;) hoard.push(new Array(1 << 16).fill(hoard.length));
      }
      case '/cpu': {
        // Busy for n ms of real time.
        const until = Date.now() + n;
        while (Date.now() < until) {}
        return new Response('done');
      }
      case '/sleep':
        // Waiting costs wall time only.
        await new Promise((resolve) => setTimeout(resolve, n));
        return new Response('slept');
      case '/body': {
        const body = await request.arrayBuffer();
        return new Response(String(body.byteLength));
      }
      case '/big-header':
        return new Response('x', { headers: { 'x-big': 'y'.repeat(n) } });
      case '/fetch':
        try {
          const res = await fetch(url.searchParams.get('url'));
          return new Response(`${res.status} ${await res.text()}`);
        } catch (e) {
          return new Response(`${e.name}: ${e.message}`, { status: 502 });
        }
      case '/fetches': {
        // n fetches at once; how many failed and why.
        const target = url.searchParams.get('url');
        const results = await Promise.allSettled(Array.from({ length: n }, () => fetch(target)));
        const failed = results.filter((r) => r.status === 'rejected');
        return new Response(`${failed.length} failed${failed.length ? ': ' + failed[0].reason.message : ''}`);
      }
      case '/throw':
        throw new Error('tenant failure with ' + JSON.stringify(Object.keys(env)));
      default:
        return new Response(`ok ${env.NAME}`);
    }
  },
};
