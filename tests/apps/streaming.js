// Bodies that stream: out to the client as produced, in from the client as
// read, through from an upstream fetch. Used by tests/e2e/streaming.rs.
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    const param = (name, fallback) => Number(url.searchParams.get(name) ?? fallback);
    switch (url.pathname) {
      // `n` lines, one every `ms` milliseconds, sent as they are made.
      case '/drip': {
        const n = param('n', 5), ms = param('ms', 100);
        let i = 0;
        return new Response(new ReadableStream({
          async pull(controller) {
            if (i > 0) await sleep(ms);
            controller.enqueue(new TextEncoder().encode(`line ${i}\n`));
            if (++i === n) controller.close();
          },
        }));
      }
      // `chunks` chunks of 64 KiB made on demand; logs how far it got, so
      // the test can see that a client that does not read stops the pulls.
      case '/pulls': {
        const chunks = param('chunks', 100);
        let pulled = 0;
        return new Response(new ReadableStream({
          pull(controller) {
            controller.enqueue(new Uint8Array(64 * 1024).fill(97));
            pulled++;
            if (pulled % 16 === 0) console.log(`pulled ${pulled}`);
            if (pulled === chunks) controller.close();
          },
        }));
      }
      // As /pulls, through a TransformStream by a `pipeTo` nobody awaits
      // (as proxies do): a client that goes away rejects it unhandled.
      case '/pipes': {
        let pulled = 0;
        const source = new ReadableStream({
          pull(controller) {
            controller.enqueue(new Uint8Array(64 * 1024).fill(98));
            if (++pulled === param('chunks', 100)) controller.close();
          },
        });
        const { readable, writable } = new TransformStream();
        source.pipeTo(writable);
        return new Response(readable);
      }
      // Reads the request body chunk by chunk without keeping it.
      case '/count': {
        let bytes = 0, chunks = 0, largest = 0;
        for await (const chunk of request.body) {
          bytes += chunk.byteLength;
          chunks++;
          largest = Math.max(largest, chunk.byteLength);
        }
        return Response.json({ bytes, chunks, largest });
      }
      // The request body back, through a TransformStream.
      case '/pipe':
        return new Response(request.body.pipeThrough(new TransformStream()));
      case '/gzip':
        return new Response(request.body.pipeThrough(new CompressionStream('gzip')), {
          headers: { 'content-type': 'application/gzip' },
        });
      // An upstream response, through a TransformStream or as it is.
      case '/proxy': {
        const upstream = await fetch(url.searchParams.get('url'));
        if (url.searchParams.has('direct')) return upstream;
        return new Response(upstream.body.pipeThrough(new TransformStream()), { status: upstream.status });
      }
      // The proxy pattern: the fetched body piped (unawaited) into a
      // TransformStream whose readable side is the response; the pipe's
      // outcome is logged. With `read`, the app reads the readable side
      // itself and answers with its length.
      case '/forward': {
        const upstream = await fetch(url.searchParams.get('url'));
        const { readable, writable } = new TransformStream();
        upstream.body.pipeTo(writable).then(
          () => console.log(`pipe resolved, bodyUsed ${upstream.bodyUsed}`),
          (e) => console.log(`pipe rejected: ${e.name}: ${e.message}`),
        );
        if (url.searchParams.has('read')) return new Response(`${(await new Response(readable).arrayBuffer()).byteLength} bytes`);
        return new Response(readable);
      }
      // The request body, sent on to an upstream as it arrives.
      case '/upload':
        return fetch(url.searchParams.get('url'), { method: 'POST', body: request.body, duplex: 'half' });
      // Text decoded chunk by chunk from an upstream stream.
      case '/decode': {
        const upstream = await fetch(url.searchParams.get('url'));
        let chars = 0;
        for await (const text of upstream.body.pipeThrough(new TextDecoderStream())) chars += text.length;
        return new Response(`${chars} chars`);
      }
      // `mb` MiB known in full (sent with a content-length), and a
      // waitUntil task that logs when it is done.
      case '/bytes': {
        const bytes = new Uint8Array(param('mb', 1) << 20);
        for (let i = 0; i < bytes.length; i += 4096) bytes[i] = (i >> 12) & 0xff;
        ctx.waitUntil(sleep(50).then(() => console.log('waitUntil done')));
        return new Response(bytes);
      }
      // A stream that fails after its first chunk.
      case '/fails':
        return new Response(new ReadableStream({
          start(controller) { controller.enqueue(new TextEncoder().encode('partial')); },
          async pull(controller) { await sleep(20); controller.error(new Error('producer failed')); },
        }));
      default:
        return new Response('not found', { status: 404 });
    }
  },
};
