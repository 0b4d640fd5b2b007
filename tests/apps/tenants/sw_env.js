// A service-worker tenant: its vars are globals only with `env_globals`.
addEventListener('fetch', (event) => {
  event.respondWith(new Response(typeof GREETING === 'undefined' ? 'no globals' : `global ${GREETING}`));
});
