// Node.js's side of the routes bench: `node:http` around work.mjs (the
// same JavaScript per request as nano's app.mjs). Usage: node node.mjs PORT
import http from 'node:http';
import { digest, hello, json } from './work.mjs';

const TEXT = { 'content-type': 'text/plain;charset=UTF-8' };
const JSON_TYPE = { 'content-type': 'application/json' };

http.createServer((req, res) => {
  const url = `http://${req.headers.host}${req.url}`;
  const { pathname } = new URL(url);
  if (pathname === '/digest' && req.method === 'POST') {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      res.writeHead(200, TEXT);
      res.end(await digest(body));
    });
    return;
  }
  if (pathname === '/json') {
    res.writeHead(200, JSON_TYPE);
    res.end(json());
    return;
  }
  res.writeHead(200, TEXT);
  res.end(hello(url));
}).listen(Number(process.argv[2]), '127.0.0.1');
