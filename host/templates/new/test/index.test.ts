// `nano-host exec test/index.test.ts`: calls the handler as the server would.
import app from '../src/index.ts';

const ctx: ExecutionContext = { waitUntil() {}, passThroughOnException() {} };

async function check(path: string, expected: (response: Response, body: string) => boolean) {
  const response = await app.fetch(new Request(`http://localhost${path}`), { GREETING: 'Hi' }, ctx);
  const body = await response.text();
  if (!expected(response, body)) throw new Error(`${path}: unexpected ${response.status} ${body}`);
  console.log(`ok ${path}`);
}

await check('/', (r, body) => r.status === 200 && body === 'Hi from {{name}}!\n');
await check('/json', (r, body) => r.headers.get('content-type')?.startsWith('application/json') === true && JSON.parse(body).app === '{{name}}');
await check('/nowhere', (r) => r.status === 404);
