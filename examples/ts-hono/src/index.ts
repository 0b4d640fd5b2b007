import { Hono } from 'hono';
import { cors } from 'hono/cors';
import { timing } from './middleware.ts';
import { users } from './routes/users.ts';
import { pages } from './routes/pages.tsx';
import { feed } from './routes/feed.ts';
import type { Bindings } from './types.ts';

const app = new Hono<{ Bindings: Bindings }>();

app.use('*', timing());
app.use('/api/*', cors({ origin: 'https://example.com' }));
app.route('/api/users', users);
app.route('/feed', feed);
app.route('/', pages);
app.onError((err, c) => c.json({ error: err.message }, 500));
app.notFound((c) => c.json({ error: `no route for ${c.req.path}` }, 404));

export default app;
