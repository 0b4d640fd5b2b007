import { Hono } from 'hono';
import type { FC } from 'hono/jsx';
import type { Bindings } from '../types.ts';

const Layout: FC<{ title: string; children?: unknown }> = ({ title, children }) => (
  <html>
    <head>
      <title>{title}</title>
    </head>
    <body>{children}</body>
  </html>
);

export const pages = new Hono<{ Bindings: Bindings }>().get('/', (c) =>
  c.html(
    <Layout title={c.env.SITE}>
      <h1>Hello from {c.env.SITE}</h1>
      <ul>
        {['TypeScript', 'JSX', 'npm'].map((item) => (
          <li>{item}</li>
        ))}
      </ul>
    </Layout>,
  ),
);
