type Handler = (request: Request, env: NanoEnv) => Response | Promise<Response>;

const routes: Record<string, Handler> = {
  '/': (_request, env) => new Response(`${env.GREETING ?? 'Hello'} from {{name}}!\n`),
  '/json': () => Response.json({ app: '{{name}}', time: new Date().toISOString() }),
};

export function route(path: string, request: Request, env: NanoEnv): Response | Promise<Response> | undefined {
  return routes[path]?.(request, env);
}
