import { Hono } from 'hono';
import { streamText } from 'hono/streaming';

/** A streamed response: one line per tick, written as it is produced. */
export const feed = new Hono().get('/', (c) => {
  const count = Math.min(Number(c.req.query('n') ?? 3), 100);
  return streamText(c, async (stream) => {
    for (let i = 1; i <= count; i++) {
      await stream.writeln(`event ${i}`);
      await stream.sleep(1);
    }
  });
});
