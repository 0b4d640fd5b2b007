// A service-worker style app; with `env_globals = true` its vars are globals.
addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  event.respondWith(
    new Response(`<h1>${TITLE}</h1><p>You are reading ${url.pathname}</p>\n`, {
      headers: { 'content-type': 'text/html;charset=UTF-8' },
    }),
  );
});
