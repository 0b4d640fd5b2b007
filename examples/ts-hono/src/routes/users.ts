import { Hono } from 'hono';
import { Role, type User } from '../types.ts';

const all: User[] = [
  { id: 1, name: 'Ada', roles: [Role.Admin] },
  { id: 2, name: 'Grace', roles: [Role.Reader] },
];

export const users = new Hono()
  .get('/', (c) => c.json(all))
  .get('/:id', (c) => {
    const user = all.find((u) => u.id === Number(c.req.param('id')));
    return user ? c.json(user) : c.json({ error: 'no such user' }, 404);
  })
  .post('/', async (c) => {
    const body = await c.req.json<{ name?: unknown }>();
    if (typeof body.name !== 'string') return c.json({ error: 'name must be a string' }, 400);
    const user: User = { id: all.length + 1, name: body.name, roles: [Role.Reader] };
    return c.json(user, 201);
  })
  .get('/boom/now', () => {
    throw new Error('users route failed');
  });
