import type { MiddlewareHandler } from 'hono';

/** Adds `x-handled-by` and a `server-timing` header to every response. */
export function timing(): MiddlewareHandler {
  return async (c, next) => {
    const start = performance.now();
    await next();
    c.res.headers.set('x-handled-by', 'nano');
    c.res.headers.set('server-timing', `app;dur=${(performance.now() - start).toFixed(2)}`);
  };
}
