// Answers after `?ms=` milliseconds (for the graceful-shutdown test).
export default {
  async fetch(request) {
    const ms = Number(new Map(request.url.split('?')[1]?.split('&').map((kv) => kv.split('=')) ?? []).get('ms') ?? 0);
    await new Promise((resolve) => setTimeout(resolve, ms));
    return new Response(`slept ${ms}`);
  },
};
