// Compression streams against hostile input: decompression bombs in the
// request body, and many CompressionStreams in one request. Used by
// tests/e2e/hardening_compression.rs.
const MiB = 1 << 20;

// A TransformStream that logs every 16 MiB that passes, so the test can see
// how far the decoding got.
function progress() {
  let bytes = 0;
  return new TransformStream({
    transform(chunk, controller) {
      const before = Math.floor(bytes / (16 * MiB));
      bytes += chunk.length;
      if (Math.floor(bytes / (16 * MiB)) > before) console.log(`inflated ${Math.floor(bytes / MiB)} MiB`);
      controller.enqueue(chunk);
    },
  });
}

export default {
  async fetch(request) {
    const url = new URL(request.url);
    const format = url.searchParams.get('format') ?? 'gzip';
    const n = Number(url.searchParams.get('n') ?? 0);
    switch (url.pathname) {
      // The request body decompressed back to the client as it reads.
      case '/inflate':
        return new Response(request.body.pipeThrough(new DecompressionStream(format)).pipeThrough(progress()));
      // The request body decompressed into memory.
      case '/inflate-text': {
        const text = await new Response(request.body.pipeThrough(new DecompressionStream(format))).text();
        return new Response(`${text.length} chars`);
      }
      // The decompressed size, counted a chunk at a time.
      case '/count': {
        let bytes = 0, largest = 0;
        for await (const chunk of request.body.pipeThrough(new DecompressionStream(format))) {
          bytes += chunk.length;
          largest = Math.max(largest, chunk.length);
        }
        return Response.json({ bytes, largest });
      }
      // `n` CompressionStreams, all kept alive.
      case '/many': {
        const kept = [];
        try {
          while (kept.length < n) kept.push(new CompressionStream(format));
          return new Response(`made ${kept.length}`);
        } catch (e) {
          return new Response(`${e.name} (DOMException: ${e instanceof DOMException}) after ${kept.length}: ${e.message}`, { status: 507 });
        }
      }
      // `n` CompressionStreams, each dropped at once (never used, never
      // closed); a turn of the event loop after each lets it settle.
      case '/dropped': {
        for (let i = 0; i < n; i++) {
          new CompressionStream(format);
          await new Promise((resolve) => setTimeout(resolve, 0));
        }
        return new Response(`made ${n}`);
      }
      // `n` CompressionStreams, each used to the end in turn.
      case '/used': {
        let total = 0;
        for (let i = 0; i < n; i++) {
          const stream = new Blob([`stream ${i} `.repeat(100)]).stream().pipeThrough(new CompressionStream(format));
          total += (await new Response(stream).arrayBuffer()).byteLength;
        }
        return new Response(`made ${n} (${total} bytes)`);
      }
      default:
        return new Response('not found', { status: 404 });
    }
  },
};
