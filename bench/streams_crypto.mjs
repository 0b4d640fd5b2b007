// Streams and Web Crypto throughput under nano; nano-bench prints them next
// to flate2 and ring measured natively in the same run. One JSON line.
const MB = 1 << 20;
const chunk = new Uint8Array(64 << 10);
for (let i = 0; i < chunk.length; i++) chunk[i] = (i * 7) % 251; // compressible, not trivial
const chunks = (total) => ReadableStream.from((function* () { for (let n = 0; n < total; n += chunk.length) yield chunk; })());

async function drain(stream) {
  let bytes = 0;
  for await (const c of stream) bytes += c.length;
  return bytes;
}

async function mbPerSecond(fn, megabytes) {
  const start = performance.now();
  await fn();
  return megabytes / ((performance.now() - start) / 1000);
}

const results = {};
results.identity_transform_100mb_mb_s = await mbPerSecond(() => drain(chunks(100 * MB).pipeThrough(new TransformStream())), 100);
results.gzip_100mb_mb_s = await mbPerSecond(() => drain(chunks(100 * MB).pipeThrough(new CompressionStream('gzip'))), 100);
const oneMb = new Uint8Array(MB).fill(1);
results.sha256_1mb_mb_s = await mbPerSecond(async () => { for (let i = 0; i < 100; i++) await crypto.subtle.digest('SHA-256', oneMb); }, 100);
const hundredMb = new Uint8Array(100 * MB).fill(1);
results.sha256_100mb_mb_s = await mbPerSecond(() => crypto.subtle.digest('SHA-256', hundredMb), 100);
const key = await crypto.subtle.importKey('raw', new Uint8Array(32), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
const message = new Uint8Array(1024);
let start = performance.now();
for (let i = 0; i < 5000; i++) await crypto.subtle.sign('HMAC', key, message);
results.hmac_sha256_1kb_per_s = 5000 / ((performance.now() - start) / 1000);
const digestStream = new crypto.DigestStream('SHA-256');
results.digest_stream_100mb_mb_s = await mbPerSecond(async () => { await chunks(100 * MB).pipeTo(digestStream); await digestStream.digest; }, 100);
const ecdsa = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']);
const p256 = { name: 'ECDSA', hash: 'SHA-256' };
start = performance.now();
let signature;
for (let i = 0; i < 2000; i++) signature = await crypto.subtle.sign(p256, ecdsa.privateKey, message);
results.ecdsa_p256_sign_per_s = 2000 / ((performance.now() - start) / 1000);
start = performance.now();
for (let i = 0; i < 2000; i++) await crypto.subtle.verify(p256, ecdsa.publicKey, signature, message);
results.ecdsa_p256_verify_per_s = 2000 / ((performance.now() - start) / 1000);
const aes = await crypto.subtle.importKey('raw', new Uint8Array(32), 'AES-GCM', false, ['encrypt']);
const iv = new Uint8Array(12);
results.aes_256_gcm_1mb_mb_s = await mbPerSecond(async () => { for (let i = 0; i < 100; i++) await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, aes, oneMb); }, 100);
console.log(JSON.stringify(results));
