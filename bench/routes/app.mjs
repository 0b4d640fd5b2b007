// nano's side of the routes bench: a fetch handler around work.mjs.
import { digest, hello, json } from './work.mjs';

const TEXT = { 'content-type': 'text/plain;charset=UTF-8' };
const JSON_TYPE = { 'content-type': 'application/json' };

export default {
  async fetch(request) {
    const { pathname } = new URL(request.url);
    if (pathname === '/digest' && request.method === 'POST') {
      return new Response(await digest(await request.arrayBuffer()), { headers: TEXT });
    }
    if (pathname === '/json') return new Response(json(), { headers: JSON_TYPE });
    return new Response(hello(request.url), { headers: TEXT });
  },
};
