// Web Crypto key pairs: ECDSA and ECDH on the NIST curves (RFC 6979 and
// RFC 5903 vectors), Ed25519 (RFC 8032) and X25519 (RFC 7748), RSA
// (signatures and an OAEP ciphertext made by OpenSSL through Python's
// `cryptography`, whose values are fixed here), every format both ways and
// the errors the standard names.
const enc = (s) => new TextEncoder().encode(s);
const hex = (b) => Array.from(new Uint8Array(b), (x) => x.toString(16).padStart(2, '0')).join('');
const fromHex = (h) => Uint8Array.from(h.match(/../g) || [], (x) => parseInt(x, 16));
const b64u = (h) => btoa(String.fromCharCode(...fromHex(h))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const fromB64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
const s = crypto.subtle;

test('ECDSA P-256: RFC 6979 A.2.5 signatures', async () => {
  const d = 'c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721';
  const x = '60fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6';
  const y = '7903fe1008b8bc99a41ae9e95628bc64f2f1b20c2d7e9f5177a3c294d4462299';
  const jwk = { kty: 'EC', crv: 'P-256', x: b64u(x), y: b64u(y), d: b64u(d) };
  const priv = await s.importKey('jwk', jwk, { name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign']);
  const pub = await s.importKey('raw', fromHex(`04${x}${y}`), { name: 'ECDSA', namedCurve: 'P-256' }, true, ['verify']);
  assertEq([priv.type, pub.type, priv.algorithm.name, priv.algorithm.namedCurve], ['private', 'public', 'ECDSA', 'P-256']);
  const vectors = [
    ['sample', 'efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716f7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8'],
    ['test', 'f1abb023518351cd71d881567b1ea663ed3efcf6c5132b354f28d3b0b7d38367019f4113742a2b14bd25926b49c649155f267e60d3814b4c0cc84250e46f0083'],
  ];
  for (const [message, signature] of vectors) {
    // P-256 with SHA-256 signs on ring, with a random k: the standard's
    // signature verifies, and a fresh one does too.
    assert(await s.verify({ name: 'ECDSA', hash: 'SHA-256' }, pub, fromHex(signature), enc(message)), 'verifies');
    const fresh = await s.sign({ name: 'ECDSA', hash: 'SHA-256' }, priv, enc(message));
    assert(await s.verify({ name: 'ECDSA', hash: 'SHA-256' }, pub, fresh, enc(message)), 'a fresh signature verifies');
    assertEq(await s.verify({ name: 'ECDSA', hash: 'SHA-256' }, pub, fromHex(signature), enc(`${message}!`)), false, 'other message');
    assertEq(await s.verify({ name: 'ECDSA', hash: 'SHA-384' }, pub, fromHex(signature), enc(message)), false, 'other hash');
  }
  // P-256 with SHA-512 runs on the p256 crate (its k is not RFC 6979's for
  // SHA-512, so only the verification is a known answer).
  const sha512 = '8496a60b5e9b47c825488827e0495b0e3fa109ec4568fd3f8d1097678eb97f002362ab1adbe2b8adf9cb9edab740ea6049c028114f2460f96554f61fae3302fe';
  assert(await s.verify({ name: 'ECDSA', hash: 'SHA-512' }, pub, fromHex(sha512), enc('sample')), 'RFC 6979 SHA-512');
  assertEq(await s.verify({ name: 'ECDSA', hash: 'SHA-384' }, pub, fromHex(sha512), enc('sample')), false, 'RFC 6979 SHA-512 under SHA-384');
  const fresh = await s.sign({ name: 'ECDSA', hash: 'SHA-512' }, priv, enc('sample'));
  assert(await s.verify({ name: 'ECDSA', hash: 'SHA-512' }, pub, fresh, enc('sample')), 'a fresh SHA-512 signature');
  assertEq(await s.verify({ name: 'ECDSA', hash: 'SHA-256' }, pub, new Uint8Array(63), enc('x')), false, 'short signature');
  // The compressed point (02/03 || x) is the same key.
  const compressed = await s.importKey('raw', fromHex(`03${x}`), { name: 'ECDSA', namedCurve: 'P-256' }, true, ['verify']);
  assertEq(hex(await s.exportKey('raw', compressed)), `04${x}${y}`);
  const exported = await s.exportKey('jwk', priv);
  assertEq([exported.kty, exported.crv, exported.x, exported.y, exported.d, exported.ext], ['EC', 'P-256', b64u(x), b64u(y), b64u(d), true]);
  assertEq(exported.key_ops, ['sign']);
});

test('ECDSA on every curve and hash, every format round trip', async () => {
  for (const [namedCurve, size] of [['P-256', 32], ['P-384', 48], ['P-521', 66]]) {
    const alg = { name: 'ECDSA', namedCurve };
    const pair = await s.generateKey(alg, true, ['sign', 'verify']);
    assertEq([pair.publicKey.usages, pair.privateKey.usages], [['verify'], ['sign']]);
    assertEq([pair.publicKey.extractable, pair.privateKey.extractable], [true, true]);
    for (const hash of ['SHA-1', 'SHA-256', 'SHA-384', 'SHA-512']) {
      const sig = await s.sign({ name: 'ECDSA', hash }, pair.privateKey, enc('data'));
      assertEq(sig.byteLength, 2 * size, `${namedCurve} r||s`);
      assert(await s.verify({ name: 'ECDSA', hash }, pair.publicKey, sig, enc('data')), `${namedCurve} ${hash}`);
    }
    const spki = await s.exportKey('spki', pair.publicKey);
    const pkcs8 = await s.exportKey('pkcs8', pair.privateKey);
    const raw = await s.exportKey('raw', pair.publicKey);
    assertEq(raw.byteLength, 1 + 2 * size);
    const jwkPub = await s.exportKey('jwk', pair.publicKey);
    const jwkPriv = await s.exportKey('jwk', pair.privateKey);
    assertEq(jwkPub.d, undefined);
    const fromPkcs8 = await s.importKey('pkcs8', pkcs8, alg, true, ['sign']);
    const fromJwk = await s.importKey('jwk', jwkPriv, alg, false, ['sign']);
    assertEq(fromJwk.extractable, false);
    for (const [format, data] of [['spki', spki], ['raw', raw], ['jwk', jwkPub]]) {
      const pub = await s.importKey(format, data, alg, true, ['verify']);
      assertEq(hex(await s.exportKey('spki', pub)), hex(spki), `${namedCurve} ${format}`);
      const sig = await s.sign({ name: 'ECDSA', hash: 'SHA-256' }, fromPkcs8, enc('m'));
      assert(await s.verify({ name: 'ECDSA', hash: 'SHA-256' }, pub, sig, enc('m')));
      const sig2 = await s.sign({ name: 'ECDSA', hash: 'SHA-256' }, fromJwk, enc('m'));
      assert(await s.verify({ name: 'ECDSA', hash: 'SHA-256' }, pub, sig2, enc('m')));
    }
    assertEq(hex(await s.exportKey('pkcs8', fromPkcs8)), hex(pkcs8), 'pkcs8 round trip');
  }
});

test('ECDH: RFC 5903 8.1, deriveBits lengths, deriveKey, curves must match', async () => {
  const alg = { name: 'ECDH', namedCurve: 'P-256' };
  const jwk = (x, y, d) => ({ kty: 'EC', crv: 'P-256', x: b64u(x), y: b64u(y), ...(d ? { d: b64u(d) } : {}) });
  const i = await s.importKey('jwk', jwk('dad0b65394221cf9b051e1feca5787d098dfe637fc90b9ef945d0c3772581180', '5271a0461cdb8252d61f1c456fa3e59ab1f45b33accf5f58389e0577b8990bb3',
    'c88f01f510d9ac3f70a292daa2316de544e9aab8afe84049c62a9c57862d1433'), alg, false, ['deriveBits', 'deriveKey']);
  const gr = await s.importKey('jwk', jwk('d12dfb5289c8d4f81208b70270398c342296970a0bccb74c736fc7554494bf63', '56fbf3ca366cc23e8157854c13c58d6aac23f046ada30f8353e74f33039872ab'), alg, true, []);
  const z = 'd6840f6b42f6edafd13116e0e12565202fef8e9ece7dce03812464d04b9442de';
  assertEq(hex(await s.deriveBits({ name: 'ECDH', public: gr }, i, 256)), z);
  assertEq(hex(await s.deriveBits({ name: 'ECDH', public: gr }, i, null)), z, 'null length: the whole secret');
  assertEq(hex(await s.deriveBits({ name: 'ECDH', public: gr }, i, 12)), 'd680', 'partial byte masked');
  await assertRejects(s.deriveBits({ name: 'ECDH', public: gr }, i, 264), 'OperationError', 'too long');
  const aes = await s.deriveKey({ name: 'ECDH', public: gr }, i, { name: 'AES-GCM', length: 128 }, true, ['encrypt']);
  assertEq(hex(await s.exportKey('raw', aes)), z.slice(0, 32));
  const hmac = await s.deriveKey({ name: 'ECDH', public: gr }, i, { name: 'HMAC', hash: 'SHA-256', length: 256 }, true, ['sign']);
  assertEq(hex(await s.exportKey('raw', hmac)), z);
  for (const namedCurve of ['P-384', 'P-521']) {
    const a = await s.generateKey({ name: 'ECDH', namedCurve }, true, ['deriveBits']);
    const b = await s.generateKey({ name: 'ECDH', namedCurve }, false, ['deriveBits']);
    assertEq(a.publicKey.usages, []);
    const ab = await s.deriveBits({ name: 'ECDH', public: b.publicKey }, a.privateKey, null);
    assertEq(hex(ab), hex(await s.deriveBits({ name: 'ECDH', public: a.publicKey }, b.privateKey, null)), namedCurve);
    assertEq(ab.byteLength, namedCurve === 'P-384' ? 48 : 66);
  }
  // RFC 5480's id-ecDH algorithm in the SPKI is the same key.
  const spki = hex(await s.exportKey('spki', gr));
  const ecPublicKey = '3059301306072a8648ce3d020106082a8648ce3d030107';
  assertEq(spki.slice(0, ecPublicKey.length), ecPublicKey);
  const ecDh = fromHex(`3057301106052b8104010c06082a8648ce3d030107${spki.slice(ecPublicKey.length)}`);
  const grEcDh = await s.importKey('spki', ecDh, alg, true, []);
  assertEq(hex(await s.deriveBits({ name: 'ECDH', public: grEcDh }, i, 256)), z, 'id-ecDH SPKI');
  const onP384 = fromHex(`3054301006052b8104010c06052b81040022${spki.slice(ecPublicKey.length)}`);
  await assertRejects(s.importKey('spki', onP384, alg, true, []), 'DataError', 'id-ecDH naming another curve');
  const other = await s.generateKey({ name: 'ECDH', namedCurve: 'P-384' }, true, ['deriveBits']);
  await assertRejects(s.deriveBits({ name: 'ECDH', public: other.publicKey }, i, null), 'InvalidAccessError', 'curve mismatch');
  await assertRejects(s.deriveBits({ name: 'ECDH', public: i }, i, null), 'InvalidAccessError', 'private as public');
  await assertRejects(s.deriveBits({ name: 'ECDH' }, i, null), 'TypeError', 'no public');
  const ecdsa = await s.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign']);
  await assertRejects(s.deriveBits({ name: 'ECDH', public: ecdsa.publicKey }, i, null), 'InvalidAccessError', 'ECDSA public key');
  await assertRejects(s.importKey('jwk', jwk('00', '00'), alg, true, []), 'DataError', 'short coordinates');
  await assertRejects(s.importKey('raw', gr.algorithm && new Uint8Array(65), alg, true, []), 'DataError', 'not a point');
  await assertRejects(s.importKey('raw', new Uint8Array(65), alg, true, ['deriveBits']), 'SyntaxError', 'public ECDH key with usages');
});

test('Ed25519: RFC 8032 7.1 tests 1 and 2, formats', async () => {
  const vectors = [
    ['9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60', 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a', '',
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b'],
    ['4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb', '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c', '72',
      '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00'],
  ];
  for (const [d, x, message, signature] of vectors) {
    const priv = await s.importKey('jwk', { kty: 'OKP', crv: 'Ed25519', x: b64u(x), d: b64u(d) }, 'Ed25519', true, ['sign']);
    const pub = await s.importKey('raw', fromHex(x), { name: 'Ed25519' }, true, ['verify']);
    assertEq(hex(await s.sign('Ed25519', priv, fromHex(message))), signature);
    assert(await s.verify('Ed25519', pub, fromHex(signature), fromHex(message)));
    assertEq(await s.verify('Ed25519', pub, fromHex(signature), enc('other')), false);
    // PKCS #8 is the RFC 8410 form around the seed; SPKI around the point.
    const pkcs8 = await s.exportKey('pkcs8', priv);
    assertEq(hex(pkcs8), `302e020100300506032b657004220420${d}`);
    assertEq(hex(await s.exportKey('spki', pub)), `302a300506032b6570032100${x}`);
    const again = await s.importKey('pkcs8', pkcs8, 'Ed25519', false, ['sign']);
    assertEq(hex(await s.sign('Ed25519', again, fromHex(message))), signature);
    const spkiPub = await s.importKey('spki', fromHex(`302a300506032b6570032100${x}`), 'Ed25519', true, ['verify']);
    assert(await s.verify('Ed25519', spkiPub, fromHex(signature), fromHex(message)));
  }
  const pair = await s.generateKey('Ed25519', false, ['sign', 'verify']);
  assertEq([pair.privateKey.algorithm.name, pair.privateKey.extractable, pair.publicKey.extractable], ['Ed25519', false, true]);
  const jwk = await s.exportKey('jwk', pair.publicKey);
  assertEq([jwk.kty, jwk.crv, jwk.d, jwk.alg], ['OKP', 'Ed25519', undefined, 'Ed25519']);
  assertEq(Object.keys(jwk).sort(), ['alg', 'crv', 'ext', 'key_ops', 'kty', 'x']);
  const x25519 = await s.exportKey('jwk', (await s.generateKey('X25519', true, ['deriveBits'])).publicKey);
  assertEq(x25519.alg, undefined, 'X25519 JWKs have no alg');
  await assertRejects(s.exportKey('pkcs8', pair.privateKey), 'InvalidAccessError', 'not extractable');
  await assertRejects(s.exportKey('raw', (await s.generateKey('Ed25519', true, ['sign'])).privateKey), 'InvalidAccessError', 'raw private');
  await assertRejects(s.importKey('raw', new Uint8Array(31), 'Ed25519', true, ['verify']), 'DataError', 'short key');
  await assertRejects(s.importKey('spki', fromHex(`302a300506032b656e032100${'11'.repeat(32)}`), 'Ed25519', true, ['verify']), 'DataError', 'X25519 SPKI');
  await assertRejects(s.importKey('jwk', { kty: 'OKP', crv: 'X25519', x: b64u('11'.repeat(32)) }, 'Ed25519', true, ['verify']), 'DataError', 'crv');
  await assertRejects(s.importKey('raw', new Uint8Array(32), 'Ed25519', true, ['sign']), 'SyntaxError', 'sign on a public key');
  await assertRejects(s.generateKey('Ed25519', true, ['verify']), 'SyntaxError', 'no private usage');
});

test('X25519: RFC 7748 6.1', async () => {
  const alice = ['77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a', '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a'];
  const bob = ['5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb', 'de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f'];
  const shared = '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742';
  const a = await s.importKey('pkcs8', fromHex(`302e020100300506032b656e04220420${alice[0]}`), 'X25519', true, ['deriveBits']);
  const aPub = await s.importKey('raw', fromHex(alice[1]), 'X25519', true, []);
  const b = await s.importKey('jwk', { kty: 'OKP', crv: 'X25519', x: b64u(bob[1]), d: b64u(bob[0]) }, 'X25519', false, ['deriveBits', 'deriveKey']);
  const bPub = await s.importKey('spki', fromHex(`302a300506032b656e032100${bob[1]}`), 'X25519', true, []);
  assertEq(hex(await s.deriveBits({ name: 'X25519', public: bPub }, a, 256)), shared);
  assertEq(hex(await s.deriveBits({ name: 'X25519', public: aPub }, b, null)), shared);
  assertEq((await s.exportKey('jwk', a)).x, b64u(alice[1]), 'public from private');
  const key = await s.deriveKey({ name: 'X25519', public: aPub }, b, { name: 'AES-CBC', length: 256 }, true, ['encrypt']);
  assertEq([key.algorithm.name, hex(await s.exportKey('raw', key))], ['AES-CBC', shared]);
  // A small-order point (here zero) gives an all-zero secret: an error.
  const zero = await s.importKey('raw', new Uint8Array(32), 'X25519', true, []);
  await assertRejects(s.deriveBits({ name: 'X25519', public: zero }, a, 256), 'OperationError', 'small order');
  const ecdh = await s.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, true, ['deriveBits']);
  await assertRejects(s.deriveBits({ name: 'X25519', public: ecdh.publicKey }, a, 256), 'InvalidAccessError', 'ECDH public key');
  await assertRejects(s.importKey('jwk', { kty: 'OKP', crv: 'X25519', x: b64u(bob[1]), d: b64u(alice[0]) }, 'X25519', true, ['deriveBits']), 'DataError', 'd and x disagree');
});

const RSA_PKCS8 = 'MIICdwIBADANBgkqhkiG9w0BAQEFAASCAmEwggJdAgEAAoGBALBPLnWe2Si9Trjnv3zH3o2G5s1rPHG/INxgtuj7woRoao8oKOjiIsBb4kcgazeCyyWCxqoH5aGmWFGzr4iWq8FMxqznJfj5h27hJCmVgoDKv3E+lV+l0c1BqXdNF68KJpfOhxQXvlCd4voovRJgOs9zUsThQWabfsvy8FGt+E0pAgMBAAECgYEAjOfrcJNwaM/LD5offsFaC3AKG5gdqaafw6ED7fXvgtTUfO8SqvS341ZL5J5zMd01MBhxX8iJ7IQ+R6W8nwQT5UgPaAN9Jn6V9jXt6J2j/Se+YE28Ml6sb16MYytAHmt8IF9+gfy903BvPjJHYAdCbtIihAxTTv259T7k1WJIhgECQQDbOPIlQNlh5eeyQAoEez5y7gCrWTf26+BoqOaXL787coipaLFNSIMyu5hneU+TlYbGawtkT6nLMj6wuRT89BVpAkEAzeM5SgeZ1WETYr0Wgw032v/0h/iuPFex0dfPAV1prsZM77jHfV5JfrX5yFCUaF5YIdriQvSf5fEW6PeQfVDBwQJBALc4Uvlbx9OQiSNrbnPsZXc9AAY13RZccgRHFeJKH7QZt6qPO5ByCGVAcNIai623jRsMoErIYgrYBZlCNw5rGfECQHP5/EqET5aQMXBcXXMDHiSiK+fwII3jREqVi4kUSrTmBW7AIrevRi03avX41jCYfILNnsjirbPEhAhFdEHzHMECQAwtrO9OmDzadp+MOIh6g9IbHN6JxAQHUSroKj190XgWGQQu+cC+Ib8FTmMX+OX/4um2KYPOQn0jEZ0XjVumRtA=';
const RSA_SPKI = 'MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQCwTy51ntkovU645798x96NhubNazxxvyDcYLbo+8KEaGqPKCjo4iLAW+JHIGs3gsslgsaqB+WhplhRs6+IlqvBTMas5yX4+Ydu4SQplYKAyr9xPpVfpdHNQal3TRevCiaXzocUF75QneL6KL0SYDrPc1LE4UFmm37L8vBRrfhNKQIDAQAB';

test('RSA: known answers from OpenSSL (PKCS1-v1_5, PSS, OAEP with a label)', async () => {
  const pkcs1Priv = await s.importKey('pkcs8', fromB64(RSA_PKCS8), { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, true, ['sign']);
  assertEq([pkcs1Priv.algorithm.modulusLength, hex(pkcs1Priv.algorithm.publicExponent), pkcs1Priv.algorithm.hash.name], [1024, '010001', 'SHA-256']);
  // PKCS #1 v1.5 signatures are deterministic: the same bytes as OpenSSL's.
  const pkcs1 = '4ba1f660b285e05a70e6ff3b0aea1bdfd64208510c3743c911c66656c470ad21b39f052b508773636b010512ef6f2ad01f6797deab84d1a12cf429ee02a9914199c5caf3d61afa4854c2926c631a8e31be910c205b1a1e8a4c386319c84732dcf1608faa2d1531fa8886f5dd5ba2ca85250f43d29ba5bbb4162a40a875bb480a';
  assertEq(hex(await s.sign('RSASSA-PKCS1-v1_5', pkcs1Priv, enc('sample'))), pkcs1);
  const pkcs1Pub = await s.importKey('spki', fromB64(RSA_SPKI), { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, true, ['verify']);
  assert(await s.verify('RSASSA-PKCS1-v1_5', pkcs1Pub, fromHex(pkcs1), enc('sample')));
  assertEq(await s.verify('RSASSA-PKCS1-v1_5', pkcs1Pub, fromHex(pkcs1), enc('other')), false);
  const pss = '8156a9242393cc829f7110b4a6f689d380bc9f7b72b2069504fe8c5b982160b5279ba9e4ef7c6573754ec884728057b8ef19a7a51478863ca46047ebdca8bc082c07841252957a7e8f3a46372fff48ead52ee60a8bb7940bedd92bb9411a33e9b7ec9bad5c96f2d6d8d555df6f99dec37f786741fe69df959465aee3baa2fccd';
  const pssPub = await s.importKey('spki', fromB64(RSA_SPKI), { name: 'RSA-PSS', hash: 'SHA-384' }, true, ['verify']);
  assert(await s.verify({ name: 'RSA-PSS', saltLength: 20 }, pssPub, fromHex(pss), enc('sample')), 'PSS salt 20');
  assertEq(await s.verify({ name: 'RSA-PSS', saltLength: 32 }, pssPub, fromHex(pss), enc('sample')), false, 'other salt length');
  const oaepPriv = await s.importKey('pkcs8', fromB64(RSA_PKCS8), { name: 'RSA-OAEP', hash: 'SHA-256' }, false, ['decrypt']);
  const oaep = '7b7128b0a347f90b82d92e86a7f4e144112a30d603215a1ca6b13dc6bb2f93b4827425645a7853a4ab9e6c0766d0ee8a069d6960377a11ea652efd1f74442e91d435b3b60310b06b4f5bd8314db0147a277be520c435b36439b4969e3d39ab8cd3737fd3d34ec3dff80be4ef0925194fea78915390eaa69dc37a3d0c0bf34574';
  const plain = await s.decrypt({ name: 'RSA-OAEP', label: enc('label') }, oaepPriv, fromHex(oaep));
  assertEq(new TextDecoder().decode(plain), 'secret message');
  await assertRejects(s.decrypt({ name: 'RSA-OAEP', label: enc('other') }, oaepPriv, fromHex(oaep)), 'OperationError', 'wrong label');
  await assertRejects(s.decrypt({ name: 'RSA-OAEP' }, oaepPriv, fromHex(oaep).slice(1)), 'OperationError', 'short ciphertext');
  // A label that is not UTF-8 text (OpenSSL ciphertext, SHA-1).
  const binaryLabel = new Uint8Array([0xff, 0x00, 0x80]);
  const sha1Key = await s.importKey('pkcs8', fromB64(RSA_PKCS8), { name: 'RSA-OAEP', hash: 'SHA-1' }, false, ['decrypt']);
  const binaryCt = '529e1790c2890d8329acae47eedaf9960d4e4257932828e7277c9eb79ae0c822e7f4668b3f3750d2f278e427968e05bc827ea87e868fae173849d7e22f8be2ad820ce2f1eb8c0f90f0ebc5ad8ed4d087cc04f8bc6e6283af46db00fe4757972bff3439ddb345886b095a82db36b64b5bcfbb6d334525acabc030499aa524b981';
  assertEq(new TextDecoder().decode(await s.decrypt({ name: 'RSA-OAEP', label: binaryLabel }, sha1Key, fromHex(binaryCt))), 'binary label');
  await assertRejects(s.decrypt({ name: 'RSA-OAEP', label: new Uint8Array([0xff, 0x00, 0x81]) }, sha1Key, fromHex(binaryCt)), 'OperationError', 'other binary label');
  await assertRejects(s.decrypt({ name: 'RSA-OAEP' }, sha1Key, fromHex(binaryCt)), 'OperationError', 'no label');
  const sha1Pub = await s.importKey('spki', fromB64(RSA_SPKI), { name: 'RSA-OAEP', hash: 'SHA-1' }, false, ['encrypt']);
  for (const size of [0, 1, 86]) { // 86 = 128 - 2 * 20 - 2, the most a 1024-bit key takes
    const ct = await s.encrypt({ name: 'RSA-OAEP', label: binaryLabel }, sha1Pub, new Uint8Array(size).fill(7));
    const pt = new Uint8Array(await s.decrypt({ name: 'RSA-OAEP', label: binaryLabel }, sha1Key, ct));
    assert(pt.length === size && pt.every((b) => b === 7), `binary label round trip of ${size} bytes`);
  }
  await assertRejects(s.encrypt({ name: 'RSA-OAEP', label: binaryLabel }, sha1Pub, new Uint8Array(87)), 'OperationError', 'too long with a binary label');
  // JWK round trip keeps every member, and the key works after it.
  const jwk = await s.exportKey('jwk', pkcs1Priv);
  assertEq([jwk.kty, jwk.alg, jwk.e], ['RSA', 'RS256', 'AQAB']);
  for (const m of ['n', 'd', 'p', 'q', 'dp', 'dq', 'qi']) assert(typeof jwk[m] === 'string' && jwk[m].length > 10, m);
  const back = await s.importKey('jwk', jwk, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, true, ['sign']);
  assertEq(hex(await s.sign('RSASSA-PKCS1-v1_5', back, enc('sample'))), pkcs1);
  assertEq(hex(await s.exportKey('pkcs8', back)), hex(fromB64(RSA_PKCS8)), 'pkcs8 after jwk');
  await assertRejects(s.importKey('jwk', jwk, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-512' }, true, ['sign']), 'DataError', 'alg RS256 for SHA-512');
  await assertRejects(s.importKey('jwk', { ...jwk, n: jwk.n.slice(4) }, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, true, ['sign']), 'DataError', 'mangled n');
  await assertRejects(s.importKey('jwk', { ...jwk, qi: undefined }, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, true, ['sign']), 'DataError', 'partial CRT members');
  // Without any CRT member the primes are recovered from n, e and d.
  const bare = { kty: 'RSA', n: jwk.n, e: jwk.e, d: jwk.d };
  const recovered = await s.importKey('jwk', bare, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, true, ['sign']);
  assertEq(hex(await s.sign('RSASSA-PKCS1-v1_5', recovered, enc('sample'))), pkcs1, 'from n, e, d alone');
});

test('RSA: generated keys, every scheme, formats, errors', async () => {
  const publicExponent = new Uint8Array([1, 0, 1]);
  const pss = await s.generateKey({ name: 'RSA-PSS', modulusLength: 1024, publicExponent, hash: 'SHA-256' }, true, ['sign', 'verify']);
  assertEq([pss.publicKey.algorithm.modulusLength, pss.privateKey.algorithm.hash.name], [1024, 'SHA-256']);
  assert(pss.publicKey.algorithm.publicExponent instanceof Uint8Array);
  for (const saltLength of [0, 32]) {
    const sig = await s.sign({ name: 'RSA-PSS', saltLength }, pss.privateKey, enc('x'));
    assertEq(sig.byteLength, 128);
    assert(await s.verify({ name: 'RSA-PSS', saltLength }, pss.publicKey, sig, enc('x')), `salt ${saltLength}`);
  }
  await assertRejects(s.sign({ name: 'RSA-PSS' }, pss.privateKey, enc('x')), 'TypeError', 'no saltLength');
  const oaep = await s.generateKey({ name: 'RSA-OAEP', modulusLength: 2048, publicExponent, hash: 'SHA-1' }, true, ['encrypt', 'decrypt', 'wrapKey', 'unwrapKey']);
  assertEq([oaep.publicKey.usages, oaep.privateKey.usages], [['encrypt', 'wrapKey'], ['decrypt', 'unwrapKey']]);
  const ct = await s.encrypt({ name: 'RSA-OAEP' }, oaep.publicKey, enc('hello'));
  assertEq(ct.byteLength, 256);
  assertEq(new TextDecoder().decode(await s.decrypt({ name: 'RSA-OAEP' }, oaep.privateKey, ct)), 'hello');
  await assertRejects(s.encrypt({ name: 'RSA-OAEP' }, oaep.publicKey, new Uint8Array(300)), 'OperationError', 'too long');
  const spki = await s.exportKey('spki', oaep.publicKey);
  const jwkPub = await s.exportKey('jwk', oaep.publicKey);
  assertEq([jwkPub.alg, jwkPub.d], ['RSA-OAEP', undefined]);
  const pub2 = await s.importKey('jwk', jwkPub, { name: 'RSA-OAEP', hash: 'SHA-1' }, true, ['encrypt']);
  assertEq(hex(await s.exportKey('spki', pub2)), hex(spki));
  await assertRejects(s.generateKey({ name: 'RSA-OAEP', modulusLength: 1024, publicExponent: new Uint8Array([3]), hash: 'SHA-256' }, true, ['encrypt', 'decrypt']), 'OperationError', 'exponent 3');
  await assertRejects(s.generateKey({ name: 'RSA-OAEP', modulusLength: 512, publicExponent, hash: 'SHA-256' }, true, ['encrypt', 'decrypt']), 'OperationError', '512 bits');
  // A bad publicExponent is an OperationError (the generation fails), also
  // when the usages leave the private key without any (that SyntaxError comes
  // only after generating), while good parameters with such usages still fail
  // with SyntaxError.
  for (const bytes of [[1], [1, 0, 0], [0], [], [1, 0, 2], [0, 0, 1, 0, 0]]) {
    const bad = new Uint8Array(bytes);
    await assertRejects(s.generateKey({ name: 'RSA-OAEP', modulusLength: 2048, publicExponent: bad, hash: 'SHA-256' }, false, ['decrypt']), 'OperationError', `exponent [${bytes}]`);
    await assertRejects(s.generateKey({ name: 'RSA-OAEP', modulusLength: 2048, publicExponent: bad, hash: 'SHA-256' }, true, ['encrypt']), 'OperationError', `exponent [${bytes}], public usages only`);
    await assertRejects(s.generateKey({ name: 'RSASSA-PKCS1-v1_5', modulusLength: 1024, publicExponent: bad, hash: 'SHA-256' }, true, []), 'OperationError', `exponent [${bytes}], no usages`);
  }
  await assertRejects(s.generateKey({ name: 'RSA-PSS', modulusLength: 1024, publicExponent, hash: 'SHA-256' }, true, ['verify']), 'SyntaxError', 'no private usages');
  const leadingZeros = await s.generateKey({ name: 'RSA-PSS', modulusLength: 1024, publicExponent: new Uint8Array([0, 1, 0, 1]), hash: 'SHA-256' }, true, ['sign']);
  assertEq(hex(leadingZeros.privateKey.algorithm.publicExponent), '010001');
  await assertRejects(s.generateKey({ name: 'RSA-OAEP', modulusLength: 8192, publicExponent, hash: 'SHA-256' }, true, ['encrypt', 'decrypt']), 'OperationError', 'generation is capped at 4096 bits');
  await assertRejects(s.generateKey({ name: 'RSA-OAEP', publicExponent, hash: 'SHA-256' }, true, ['encrypt']), 'TypeError', 'no modulusLength');
  await assertRejects(s.generateKey({ name: 'RSA-PSS', modulusLength: 1024, publicExponent }, true, ['sign']), 'TypeError', 'no hash');
  await assertRejects(s.importKey('raw', new Uint8Array(10), { name: 'RSA-PSS', hash: 'SHA-256' }, true, ['verify']), 'NotSupportedError', 'raw RSA');
  await assertRejects(s.importKey('spki', new Uint8Array(10), { name: 'RSA-PSS', hash: 'SHA-256' }, true, ['verify']), 'DataError', 'garbage');
  await assertRejects(s.importKey('spki', spki, { name: 'RSA-PSS', hash: 'SHA-256' }, true, ['sign']), 'SyntaxError', 'sign on a public key');
  await assertRejects(s.sign({ name: 'RSA-PSS', saltLength: 0 }, oaep.privateKey, enc('x')), 'InvalidAccessError', 'OAEP key');
  await assertRejects(s.exportKey('spki', oaep.privateKey), 'InvalidAccessError', 'spki of a private key');
  await assertRejects(s.exportKey('pkcs8', oaep.publicKey), 'InvalidAccessError', 'pkcs8 of a public key');
});

test('key pair errors as the standard names them', async () => {
  await assertRejects(s.generateKey({ name: 'ECDSA', namedCurve: 'P-192' }, true, ['sign']), 'NotSupportedError', 'curve');
  await assertRejects(s.generateKey({ name: 'ECDSA' }, true, ['sign']), 'TypeError', 'no curve');
  await assertRejects(s.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['encrypt']), 'SyntaxError', 'usage');
  await assertRejects(s.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, []), 'SyntaxError', 'empty usages');
  const pair = await s.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']);
  await assertRejects(s.sign({ name: 'ECDSA' }, pair.privateKey, enc('x')), 'TypeError', 'no hash');
  await assertRejects(s.sign({ name: 'ECDSA', hash: 'SHA-256' }, pair.publicKey, enc('x')), 'InvalidAccessError', 'public key signs');
  await assertRejects(s.sign('Ed25519', pair.privateKey, enc('x')), 'InvalidAccessError', 'algorithm mismatch');
  await assertRejects(s.exportKey('jwk', pair.privateKey), 'InvalidAccessError', 'not extractable');
  await assertRejects(s.exportKey('raw', pair.publicKey).then((raw) => s.importKey('raw', raw, { name: 'ECDSA', namedCurve: 'P-384' }, true, ['verify'])), 'DataError', 'P-256 point as P-384');
  const pkcs8 = await s.exportKey('pkcs8', (await s.generateKey({ name: 'ECDSA', namedCurve: 'P-384' }, true, ['sign'])).privateKey);
  await assertRejects(s.importKey('pkcs8', pkcs8, { name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign']), 'DataError', 'P-384 pkcs8 as P-256');
  await assertRejects(s.importKey('pkcs8', new Uint8Array([0x30, 0x03, 0x02, 0x01]), { name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign']), 'DataError', 'truncated DER');
  await assertRejects(s.importKey('pkcs8', pkcs8, { name: 'ECDSA', namedCurve: 'P-384' }, true, []), 'SyntaxError', 'private key, no usages');
  await assertRejects(s.importKey('jwk', { kty: 'EC', crv: 'P-256', x: 'AA', y: 'AA' }, { name: 'ECDSA', namedCurve: 'P-384' }, true, ['verify']), 'DataError', 'crv');
  await assertRejects(s.importKey('jwk', { kty: 'RSA' }, { name: 'ECDSA', namedCurve: 'P-256' }, true, ['verify']), 'DataError', 'kty');
  await assertRejects(s.importKey('jwk', new Uint8Array(3), { name: 'ECDSA', namedCurve: 'P-256' }, true, ['verify']), 'TypeError', 'bytes as a JWK');
  await assertRejects(s.importKey('spki', {}, { name: 'ECDSA', namedCurve: 'P-256' }, true, ['verify']), 'TypeError', 'object as DER');
  await assertRejects(s.importKey('pem', new Uint8Array(1), { name: 'ECDSA', namedCurve: 'P-256' }, true, ['verify']), 'TypeError', 'unknown format');
});
