// Routes with URLPatterns made by the top-level code (so they live in the
// snapshot) and matched at request time.
const routes = [
  [new URLPattern({ pathname: '/users/:id(\\d+)' }), (m) => ({ user: Number(m.pathname.groups.id) })],
  [new URLPattern('http://*:*/files/*'), (m) => ({ file: m.pathname.groups[0] })],
  [new URLPattern({ pathname: '/Search', search: 'q=:q' }, { ignoreCase: true }), (m) => ({ q: m.search.groups.q })],
];

export default {
  fetch(request) {
    for (const [pattern, handle] of routes) {
      const match = pattern.exec(request.url);
      if (match) return Response.json(handle(match));
    }
    return new Response('no route', { status: 404 });
  },
};
