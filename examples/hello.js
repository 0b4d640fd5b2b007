// The smallest nano app: answers every request with a greeting.
export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    return new Response(`Hello from nano! You asked for ${url.pathname}\n`, {
      headers: { 'content-type': 'text/plain;charset=UTF-8' },
    });
  },
};
