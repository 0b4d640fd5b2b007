// Node.js's side of the routes bench: `node:http` around work.mjs (the
// same JavaScript per request as nano's app.mjs). Usage: node node.mjs PORT
import http from 'node:http';
import { digest, hello, json } from './work.mjs';

const TEXT = 'text/plain;charset=UTF-8';

// Headers set before `end`, so that Node sends a content-length, as nano
// does, not a chunked body.
function send(res, type, body) {
  res.setHeader('content-type', type);
  res.end(body);
}

http.createServer((req, res) => {
  const url = `http://${req.headers.host}${req.url}`;
  const { pathname } = new URL(url);
  if (pathname === '/digest' && req.method === 'POST') {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', async () => send(res, TEXT, await digest(Buffer.concat(chunks))));
    return;
  }
  if (pathname === '/json') return send(res, 'application/json', json());
  send(res, TEXT, hello(url));
}).listen(Number(process.argv[2]), '127.0.0.1');
