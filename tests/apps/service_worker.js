// Service-worker style app with an async respondWith.
addEventListener('fetch', (event) => {
  event.respondWith((async () => {
    await null;
    return new Response(`sw ${event.request.method}`, { status: 201, headers: { 'x-style': 'service-worker' } });
  })());
});
