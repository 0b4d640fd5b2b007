// The smallest nano app: answers every request with a greeting.
export default {
  async fetch(request, env, ctx) {
    const path = request.url.replace(/^\w+:\/\/[^/]+/, '').split('?')[0];
    return new Response(`Hello from nano! You asked for ${path}\n`, {
      headers: { 'content-type': 'text/plain;charset=UTF-8' },
    });
  },
};
