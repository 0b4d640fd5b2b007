// The work each route of the side-by-side bench does (`just bench`,
// "routes against Node.js"): one module that nano's app and Node's server
// both import, so both runtimes run the very same JavaScript per request.

// GET /hello: the URL parsed, a short text.
export function hello(url) {
  return `Hello from nano! You asked for ${new URL(url).pathname}\n`;
}

const hex = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

// POST /digest: the SHA-256 of the body, in hex (Web Crypto in both).
export async function digest(body) {
  const bytes = new Uint8Array(await crypto.subtle.digest('SHA-256', body));
  let out = '';
  for (const b of bytes) out += hex[b];
  return out + '\n';
}

// GET /json: 1,000 entries made and stringified.
export function json() {
  const entries = [];
  for (let i = 0; i < 1000; i++) {
    entries.push({ id: i, name: `entry ${i}`, active: i % 3 === 0, score: i * 1.5, tags: ['a', 'b'] });
  }
  return JSON.stringify({ count: entries.length, entries });
}
