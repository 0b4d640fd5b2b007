import { route } from './routes.ts';

export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    return route(url.pathname, request, env) ?? new Response('Not found\n', { status: 404 });
  },
} satisfies ExportedHandler;
