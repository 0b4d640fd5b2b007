// Web Crypto's Curve448 algorithms (Secure Curves): Ed448 with RFC 8032
// section 7.4's vectors (with and without a context) and X448 with RFC 7748
// section 6.2's, generated keys round-tripping through every format, and
// the errors the standard names.
const enc = (s) => new TextEncoder().encode(s);
const hex = (b) => Array.from(new Uint8Array(b), (x) => x.toString(16).padStart(2, '0')).join('');
const fromHex = (h) => Uint8Array.from(h.match(/../g) || [], (x) => parseInt(x, 16));
const b64u = (h) => btoa(String.fromCharCode(...fromHex(h))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const s = crypto.subtle;

// RFC 8410 DER prefixes: SPKI and PKCS #8 around the key bytes.
const ED448_SPKI = '3043300506032b6571033a00';
const ED448_PKCS8 = '3047020100300506032b6571043b0439';
const X448_SPKI = '3042300506032b656f033900';
const X448_PKCS8 = '3046020100300506032b656f043a0438';

const ED448_VECTORS = [
  // [secret, public, message, context, signature]: 'Blank', '1 octet', '1 octet (with context)'.
  ['6c82a562cb808d10d632be89c8513ebf6c929f34ddfa8c9f63c9960ef6e348a3528c8a3fcc2f044e39a3fc5b94492f8f032e7549a20098f95b',
    '5fd7449b59b461fd2ce787ec616ad46a1da1342485a70e1f8a0ea75d80e96778edf124769b46c7061bd6783df1e50f6cd1fa1abeafe8256180',
    '', undefined,
    '533a37f6bbe457251f023c0d88f976ae2dfb504a843e34d2074fd823d41a591f2b233f034f628281f2fd7a22ddd47d7828c59bd0a21bfd3980ff0d2028d4b18a9df63e006c5d1c2d345b925d8dc00b4104852db99ac5c7cdda8530a113a0f4dbb61149f05a7363268c71d95808ff2e652600'],
  ['c4eab05d357007c632f3dbb48489924d552b08fe0c353a0d4a1f00acda2c463afbea67c5e8d2877c5e3bc397a659949ef8021e954e0a12274e',
    '43ba28f430cdff456ae531545f7ecd0ac834a55d9358c0372bfa0c6c6798c0866aea01eb00742802b8438ea4cb82169c235160627b4c3a9480',
    '03', undefined,
    '26b8f91727bd62897af15e41eb43c377efb9c610d48f2335cb0bd0087810f4352541b143c4b981b7e18f62de8ccdf633fc1bf037ab7cd779805e0dbcc0aae1cbcee1afb2e027df36bc04dcecbf154336c19f0af7e0a6472905e799f1953d2a0ff3348ab21aa4adafd1d234441cf807c03a00'],
  ['c4eab05d357007c632f3dbb48489924d552b08fe0c353a0d4a1f00acda2c463afbea67c5e8d2877c5e3bc397a659949ef8021e954e0a12274e',
    '43ba28f430cdff456ae531545f7ecd0ac834a55d9358c0372bfa0c6c6798c0866aea01eb00742802b8438ea4cb82169c235160627b4c3a9480',
    '03', '666f6f',
    'd4f8f6131770dd46f40867d6fd5d5055de43541f8c5e35abbcd001b32a89f7d2151f7647f11d8ca2ae279fb842d607217fce6e042f6815ea000c85741de5c8da1144a6a1aba7f96de42505d7a7298524fda538fccbbb754f578c1cad10d54d0d5428407e85dcbc98a49155c13764e66c3c00'],
];

test('Ed448: RFC 8032 7.4 vectors through every format', async () => {
  for (const [d, x, message, context, signature] of ED448_VECTORS) {
    const algorithm = context === undefined ? { name: 'Ed448' } : { name: 'Ed448', context: fromHex(context) };
    const priv = await s.importKey('jwk', { kty: 'OKP', crv: 'Ed448', x: b64u(x), d: b64u(d) }, 'Ed448', true, ['sign']);
    const pub = await s.importKey('raw', fromHex(x), { name: 'Ed448' }, true, ['verify']);
    assertEq([priv.type, pub.type, priv.algorithm.name, pub.algorithm.name], ['private', 'public', 'Ed448', 'Ed448']);
    // Ed448 is deterministic: the RFC's signature exactly.
    assertEq(hex(await s.sign(algorithm, priv, fromHex(message))), signature, `sign ${message} ${context}`);
    assert(await s.verify(algorithm, pub, fromHex(signature), fromHex(message)), 'verifies');
    assertEq(await s.verify(algorithm, pub, fromHex(signature), enc('other')), false, 'another message');
    const otherContext = context === undefined ? { name: 'Ed448', context: enc('x') } : { name: 'Ed448' };
    assertEq(await s.verify(otherContext, pub, fromHex(signature), fromHex(message)), false, 'another context');
    // An empty context is the same as none.
    if (context === undefined) assert(await s.verify({ name: 'Ed448', context: new Uint8Array(0) }, pub, fromHex(signature), fromHex(message)));
    const pkcs8 = await s.exportKey('pkcs8', priv);
    assertEq(hex(pkcs8), `${ED448_PKCS8}${d}`);
    assertEq(hex(await s.exportKey('spki', pub)), `${ED448_SPKI}${x}`);
    assertEq(hex(await s.exportKey('raw', pub)), x);
    const again = await s.importKey('pkcs8', pkcs8, 'Ed448', false, ['sign']);
    assertEq(hex(await s.sign(algorithm, again, fromHex(message))), signature);
    const spkiPub = await s.importKey('spki', fromHex(`${ED448_SPKI}${x}`), 'Ed448', true, ['verify']);
    assert(await s.verify(algorithm, spkiPub, fromHex(signature), fromHex(message)));
    const jwk = await s.exportKey('jwk', priv);
    assertEq([jwk.kty, jwk.crv, jwk.alg, jwk.x, jwk.d, jwk.key_ops, jwk.ext], ['OKP', 'Ed448', 'Ed448', b64u(x), b64u(d), ['sign'], true]);
    const pubJwk = await s.exportKey('jwk', pub);
    assertEq(Object.keys(pubJwk).sort(), ['alg', 'crv', 'ext', 'key_ops', 'kty', 'x']);
  }
});

test('Ed448: generated keys, formats and errors', async () => {
  const pair = await s.generateKey('Ed448', true, ['sign', 'verify']);
  assertEq([pair.privateKey.algorithm.name, pair.privateKey.usages, pair.publicKey.usages], ['Ed448', ['sign'], ['verify']]);
  assertEq([pair.privateKey.extractable, pair.publicKey.extractable], [true, true]);
  const message = enc('a message for Ed448');
  const signature = await s.sign({ name: 'Ed448', context: enc('ctx') }, pair.privateKey, message);
  assertEq(signature.byteLength, 114);
  assert(await s.verify({ name: 'Ed448', context: enc('ctx') }, pair.publicKey, signature, message));
  assertEq((await s.exportKey('raw', pair.publicKey)).byteLength, 57);
  // Through every format and back: the same key.
  const jwk = await s.exportKey('jwk', pair.privateKey);
  const fromJwk = await s.importKey('jwk', jwk, { name: 'Ed448' }, true, ['sign']);
  assertEq(hex(await s.exportKey('pkcs8', fromJwk)), hex(await s.exportKey('pkcs8', pair.privateKey)));
  const fromPkcs8 = await s.importKey('pkcs8', await s.exportKey('pkcs8', pair.privateKey), 'Ed448', true, ['sign']);
  assertEq(hex(await s.sign('Ed448', fromPkcs8, message)), hex(await s.sign('Ed448', pair.privateKey, message)));
  const fromSpki = await s.importKey('spki', await s.exportKey('spki', pair.publicKey), 'Ed448', true, ['verify']);
  assert(await s.verify('Ed448', fromSpki, await s.sign('Ed448', pair.privateKey, message), message));
  const pubJwk = await s.importKey('jwk', await s.exportKey('jwk', pair.publicKey), 'Ed448', true, ['verify']);
  assertEq(hex(await s.exportKey('raw', pubJwk)), hex(await s.exportKey('raw', pair.publicKey)));
  // Wrapped and unwrapped (export and import underneath).
  const kek = await s.generateKey({ name: 'AES-GCM', length: 256 }, false, ['wrapKey', 'unwrapKey']);
  const iv = new Uint8Array(12);
  const wrapped = await s.wrapKey('pkcs8', pair.privateKey, kek, { name: 'AES-GCM', iv });
  const unwrapped = await s.unwrapKey('pkcs8', wrapped, kek, { name: 'AES-GCM', iv }, 'Ed448', false, ['sign']);
  assertEq(hex(await s.sign('Ed448', unwrapped, message)), hex(await s.sign('Ed448', pair.privateKey, message)));

  // A non-extractable private key stays so; the public key is always extractable.
  const hidden = await s.generateKey('Ed448', false, ['sign', 'verify']);
  assertEq([hidden.privateKey.extractable, hidden.publicKey.extractable], [false, true]);
  await assertRejects(s.exportKey('pkcs8', hidden.privateKey), 'InvalidAccessError', 'not extractable');

  // Wrong lengths and encodings: DataError.
  await assertRejects(s.importKey('raw', new Uint8Array(56), 'Ed448', true, ['verify']), 'DataError', '56-byte public key');
  await assertRejects(s.importKey('raw', new Uint8Array(32), 'Ed448', true, ['verify']), 'DataError', 'an Ed25519-sized key');
  await assertRejects(s.importKey('pkcs8', fromHex(`${ED448_PKCS8}${'11'.repeat(56)}`), 'Ed448', true, ['sign']), 'DataError', 'short pkcs8');
  await assertRejects(s.importKey('spki', fromHex(`${X448_SPKI}${'11'.repeat(56)}`), 'Ed448', true, ['verify']), 'DataError', 'X448 SPKI');
  await assertRejects(s.importKey('jwk', { kty: 'OKP', crv: 'Ed448', x: b64u('11'.repeat(56)) }, 'Ed448', true, ['verify']), 'DataError', 'short JWK x');
  await assertRejects(s.importKey('jwk', { kty: 'OKP', crv: 'Ed25519', x: b64u(ED448_VECTORS[0][1]) }, 'Ed448', true, ['verify']), 'DataError', 'crv');
  await assertRejects(s.importKey('jwk', { kty: 'OKP', crv: 'Ed448', alg: 'Ed25519', x: b64u(ED448_VECTORS[0][1]) }, 'Ed448', true, ['verify']), 'DataError', 'alg');
  await s.importKey('jwk', { kty: 'OKP', crv: 'Ed448', alg: 'EdDSA', x: b64u(ED448_VECTORS[0][1]) }, 'Ed448', true, ['verify']);
  const [d0, x0] = ED448_VECTORS[0];
  const [d1] = ED448_VECTORS[1];
  await assertRejects(s.importKey('jwk', { kty: 'OKP', crv: 'Ed448', x: b64u(x0), d: b64u(d1) }, 'Ed448', true, ['sign']), 'DataError', 'd and x disagree');
  assertEq((await s.importKey('jwk', { kty: 'OKP', crv: 'Ed448', x: b64u(x0), d: b64u(d0) }, 'Ed448', true, ['sign'])).type, 'private');

  // Usages: SyntaxError.
  await assertRejects(s.generateKey('Ed448', true, ['verify']), 'SyntaxError', 'no private usage');
  await assertRejects(s.generateKey('Ed448', true, ['sign', 'deriveBits']), 'SyntaxError', 'deriveBits');
  await assertRejects(s.generateKey('Ed448', true, []), 'SyntaxError', 'no usages');
  await assertRejects(s.importKey('raw', fromHex(x0), 'Ed448', true, ['sign']), 'SyntaxError', 'sign on a public key');
  await assertRejects(s.importKey('pkcs8', fromHex(`${ED448_PKCS8}${d0}`), 'Ed448', true, ['verify']), 'SyntaxError', 'verify on a private key');
  await assertRejects(s.importKey('pkcs8', fromHex(`${ED448_PKCS8}${d0}`), 'Ed448', true, []), 'SyntaxError', 'private key without usages');

  // The wrong key, format or algorithm.
  await assertRejects(s.exportKey('raw', pair.privateKey), 'InvalidAccessError', 'raw private');
  await assertRejects(s.exportKey('spki', pair.privateKey), 'InvalidAccessError', 'spki of a private key');
  await assertRejects(s.exportKey('pkcs8', pair.publicKey), 'InvalidAccessError', 'pkcs8 of a public key');
  await assertRejects(s.sign('Ed448', pair.publicKey, message), 'InvalidAccessError', 'sign with the public key');
  const ed25519 = await s.generateKey('Ed25519', true, ['sign', 'verify']);
  await assertRejects(s.sign('Ed448', ed25519.privateKey, message), 'InvalidAccessError', 'an Ed25519 key');
  await assertRejects(s.sign('Ed25519', pair.privateKey, message), 'InvalidAccessError', 'Ed25519 with an Ed448 key');
  // A context of more than 255 bytes: OperationError (RFC 8032 allows 255).
  await assertRejects(s.sign({ name: 'Ed448', context: new Uint8Array(256) }, pair.privateKey, message), 'OperationError', 'long context');
  await assertRejects(s.verify({ name: 'Ed448', context: new Uint8Array(256) }, pair.publicKey, signature, message), 'OperationError', 'long context verify');
  await s.sign({ name: 'Ed448', context: new Uint8Array(255) }, pair.privateKey, message);
  // A signature of the wrong length does not verify.
  assertEq(await s.verify('Ed448', pair.publicKey, new Uint8Array(113), message), false);
  assertEq(await s.verify('Ed448', pair.publicKey, new Uint8Array(64), message), false);
});

test('X448: RFC 7748 6.2 through every format', async () => {
  const alice = ['9a8f4925d1519f5775cf46b04b5800d4ee9ee8bae8bc5565d498c28dd9c9baf574a9419744897391006382a6f127ab1d9ac2d8c0a598726b',
    '9b08f7cc31b7e3e67d22d5aea121074a273bd2b83de09c63faa73d2c22c5d9bbc836647241d953d40c5b12da88120d53177f80e532c41fa0'];
  const bob = ['1c306a7ac2a0e2e0990b294470cba339e6453772b075811d8fad0d1d6927c120bb5ee8972b0d3e21374c9c921b09d1b0366f10b65173992d',
    '3eb7a829b0cd20f5bcfc0b599b6feccf6da4627107bdb0d4f345b43027d8b972fc3e34fb4232a13ca706dcb57aec3dae07bdc1c67bf33609'];
  const shared = '07fff4181ac6cc95ec1c16a94a0f74d12da232ce40a77552281d282bb60c0b56fd2464c335543936521c24403085d59a449a5037514a879d';
  const a = await s.importKey('pkcs8', fromHex(`${X448_PKCS8}${alice[0]}`), 'X448', true, ['deriveBits']);
  const aPub = await s.importKey('raw', fromHex(alice[1]), 'X448', true, []);
  const b = await s.importKey('jwk', { kty: 'OKP', crv: 'X448', x: b64u(bob[1]), d: b64u(bob[0]) }, 'X448', true, ['deriveBits', 'deriveKey']);
  const bPub = await s.importKey('spki', fromHex(`${X448_SPKI}${bob[1]}`), 'X448', true, []);
  assertEq([a.algorithm.name, a.type, bPub.type], ['X448', 'private', 'public']);
  assertEq(hex(await s.deriveBits({ name: 'X448', public: bPub }, a, 448)), shared);
  assertEq(hex(await s.deriveBits({ name: 'X448', public: aPub }, b, null)), shared);
  assertEq(hex(await s.deriveBits({ name: 'X448', public: aPub }, b)), shared);
  assertEq(hex(await s.deriveBits({ name: 'X448', public: aPub }, b, 12)), '07f0', 'the first 12 bits');
  await assertRejects(s.deriveBits({ name: 'X448', public: aPub }, b, 456), 'OperationError', 'more bits than the secret');
  // The public key of a private one, and the exports are the bytes imported.
  const aJwk = await s.exportKey('jwk', a);
  assertEq([aJwk.kty, aJwk.crv, aJwk.x, aJwk.d, aJwk.alg], ['OKP', 'X448', b64u(alice[1]), b64u(alice[0]), undefined]);
  assertEq(hex(await s.exportKey('pkcs8', b)), `${X448_PKCS8}${bob[0]}`);
  assertEq(hex(await s.exportKey('spki', aPub)), `${X448_SPKI}${alice[1]}`);
  assertEq(hex(await s.exportKey('raw', bPub)), bob[1]);
  const key = await s.deriveKey({ name: 'X448', public: aPub }, b, { name: 'HMAC', hash: 'SHA-256', length: 256 }, true, ['sign']);
  assertEq(hex(await s.exportKey('raw', key)), shared.slice(0, 64));
  // A small-order public key (0, 1) gives no secret.
  for (const u of [new Uint8Array(56), Uint8Array.of(1, ...new Uint8Array(55))]) {
    const small = await s.importKey('raw', u, 'X448', true, []);
    await assertRejects(s.deriveBits({ name: 'X448', public: small }, a, 448), 'OperationError', 'small order');
  }
  await assertRejects(s.importKey('jwk', { kty: 'OKP', crv: 'X448', x: b64u(bob[1]), d: b64u(alice[0]) }, 'X448', true, ['deriveBits']), 'DataError', 'd and x disagree');
});

test('X448: generated keys, formats and errors', async () => {
  const one = await s.generateKey('X448', true, ['deriveBits', 'deriveKey']);
  const two = await s.generateKey({ name: 'X448' }, false, ['deriveBits']);
  assertEq([[...one.privateKey.usages].sort(), one.publicKey.usages, two.privateKey.extractable], [['deriveBits', 'deriveKey'], [], false]);
  const ab = await s.deriveBits({ name: 'X448', public: two.publicKey }, one.privateKey, 448);
  const ba = await s.deriveBits({ name: 'X448', public: one.publicKey }, two.privateKey, 448);
  assertEq(ab.byteLength, 56);
  assertEq(hex(ab), hex(ba));
  assertEq((await s.exportKey('raw', one.publicKey)).byteLength, 56);
  const jwk = await s.exportKey('jwk', one.privateKey);
  const fromJwk = await s.importKey('jwk', jwk, 'X448', true, ['deriveBits']);
  assertEq(hex(await s.exportKey('pkcs8', fromJwk)), hex(await s.exportKey('pkcs8', one.privateKey)));
  const fromPkcs8 = await s.importKey('pkcs8', await s.exportKey('pkcs8', one.privateKey), 'X448', false, ['deriveBits']);
  assertEq(hex(await s.deriveBits({ name: 'X448', public: two.publicKey }, fromPkcs8, 448)), hex(ab));
  const fromSpki = await s.importKey('spki', await s.exportKey('spki', two.publicKey), 'X448', true, []);
  assertEq(hex(await s.deriveBits({ name: 'X448', public: fromSpki }, one.privateKey, 448)), hex(ab));
  // Wrapped as a JWK and unwrapped.
  const kek = await s.generateKey({ name: 'AES-GCM', length: 128 }, false, ['wrapKey', 'unwrapKey']);
  const iv = new Uint8Array(12);
  const wrapped = await s.wrapKey('jwk', one.privateKey, kek, { name: 'AES-GCM', iv });
  const unwrapped = await s.unwrapKey('jwk', wrapped, kek, { name: 'AES-GCM', iv }, 'X448', true, ['deriveBits']);
  assertEq(hex(await s.deriveBits({ name: 'X448', public: two.publicKey }, unwrapped, 448)), hex(ab));

  await assertRejects(s.importKey('raw', new Uint8Array(57), 'X448', true, []), 'DataError', '57-byte public key');
  await assertRejects(s.importKey('raw', new Uint8Array(32), 'X448', true, []), 'DataError', 'an X25519-sized key');
  await assertRejects(s.importKey('pkcs8', fromHex(`${ED448_PKCS8}${'11'.repeat(57)}`), 'X448', true, ['deriveBits']), 'DataError', 'Ed448 pkcs8');
  await assertRejects(s.importKey('jwk', { kty: 'OKP', crv: 'X448', x: b64u('11'.repeat(57)) }, 'X448', true, []), 'DataError', 'long JWK x');
  await assertRejects(s.importKey('jwk', { kty: 'OKP', crv: 'X25519', x: b64u('11'.repeat(56)) }, 'X448', true, []), 'DataError', 'crv');
  await assertRejects(s.generateKey('X448', true, ['sign']), 'SyntaxError', 'sign');
  await assertRejects(s.generateKey('X448', true, []), 'SyntaxError', 'no usages');
  await assertRejects(s.importKey('raw', new Uint8Array(56).fill(9), 'X448', true, ['deriveBits']), 'SyntaxError', 'deriveBits on a public key');
  await assertRejects(s.exportKey('raw', one.privateKey), 'InvalidAccessError', 'raw private');
  await assertRejects(s.deriveBits({ name: 'X448', public: one.privateKey }, two.privateKey, 448), 'InvalidAccessError', 'a private key as the public');
  await assertRejects(s.deriveBits({ name: 'X448', public: one.publicKey }, two.publicKey, 448), 'InvalidAccessError', 'a public base key');
  const x25519 = await s.generateKey('X25519', true, ['deriveBits']);
  await assertRejects(s.deriveBits({ name: 'X448', public: x25519.publicKey }, one.privateKey, 448), 'InvalidAccessError', 'an X25519 public key');
  await assertRejects(s.deriveBits({ name: 'X25519', public: one.publicKey }, x25519.privateKey, 256), 'InvalidAccessError', 'X25519 with an X448 public key');
  await assertRejects(s.sign('Ed448', one.privateKey, enc('x')), 'InvalidAccessError', 'sign with an X448 key');
});
