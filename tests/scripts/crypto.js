// Web Crypto: known-answer tests from the standards' own vectors (FIPS
// 180-4 examples, RFC 4231 for HMAC), key handling and every error kind
// the implemented algorithms can raise.
const enc = (s) => new TextEncoder().encode(s);
const hex = (b) => Array.from(new Uint8Array(b), (x) => x.toString(16).padStart(2, '0')).join('');
const fill = (byte, n) => new Uint8Array(n).fill(byte);

test('getRandomValues and randomUUID', () => {
  const a = new Uint32Array(16);
  assert(crypto.getRandomValues(a) === a, 'returns its argument');
  assert(a.some((x) => x !== 0));
  const b = crypto.getRandomValues(new Uint8Array(65536));
  assertEq(b.length, 65536);
  crypto.getRandomValues(new BigUint64Array(2));
  crypto.getRandomValues(new Int8Array(new ArrayBuffer(8), 2, 3));
  assertThrows(() => crypto.getRandomValues(new Uint8Array(65537)), 'QuotaExceededError');
  assertThrows(() => crypto.getRandomValues(new Float64Array(1)), 'TypeMismatchError');
  assertThrows(() => crypto.getRandomValues(new DataView(new ArrayBuffer(4))), 'TypeMismatchError');
  assertThrows(() => crypto.getRandomValues([1, 2]), 'TypeError');
  const ids = new Set(Array.from({ length: 100 }, () => crypto.randomUUID()));
  assertEq(ids.size, 100);
  for (const id of ids) assert(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(id), id);
  assert(crypto instanceof Crypto && crypto.subtle instanceof SubtleCrypto);
});

test('digest: FIPS 180-4 examples', async () => {
  assertEq(hex(await crypto.subtle.digest('SHA-1', enc('abc'))), 'a9993e364706816aba3e25717850c26c9cd0d89d');
  assertEq(hex(await crypto.subtle.digest('SHA-256', enc(''))), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  assertEq(hex(await crypto.subtle.digest({ name: 'sha-256' }, enc('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq'))),
    '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1');
  assertEq(hex(await crypto.subtle.digest('SHA-384', enc('abc'))),
    'cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7');
  assertEq(hex(await crypto.subtle.digest('SHA-512', enc('abc').buffer)),
    'ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f');
  // A million 'a's (FIPS 180-2 appendix).
  assertEq(hex(await crypto.subtle.digest('SHA-256', fill(0x61, 1000000))),
    'cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0');
  await assertRejects(crypto.subtle.digest('MD5', enc('x')), 'NotSupportedError');
  await assertRejects(crypto.subtle.digest('SHA-256', 'not bytes'), 'TypeError');
  await assertRejects(crypto.subtle.digest({}, enc('x')), 'TypeError');
});

// WebIDL converts the algorithm dictionary once, and the data is copied only
// after the algorithm is normalized: a name getter that changes the data
// runs once, before the copy.
test('digest: the algorithm is read once, before the data is copied', async () => {
  const data = enc('abc');
  let reads = 0;
  data[0] ^= 0xff;
  const algorithm = { get name() { reads++; data[0] ^= 0xff; return 'SHA-1'; } };
  assertEq(hex(await crypto.subtle.digest(algorithm, data)), 'a9993e364706816aba3e25717850c26c9cd0d89d');
  assertEq(reads, 1);
});

test('HMAC: RFC 4231', async () => {
  const vectors = [
    [fill(0x0b, 20), enc('Hi There'), 'SHA-256', 'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7'],
    [fill(0x0b, 20), enc('Hi There'), 'SHA-384', 'afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59cfaea9ea9076ede7f4af152e8b2fa9cb6'],
    [fill(0x0b, 20), enc('Hi There'), 'SHA-512', '87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854'],
    [enc('Jefe'), enc('what do ya want for nothing?'), 'SHA-256', '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843'],
    [enc('Jefe'), enc('what do ya want for nothing?'), 'SHA-512', '164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737'],
    [fill(0xaa, 131), enc('Test Using Larger Than Block-Size Key - Hash Key First'), 'SHA-256', '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54'],
    [enc('key'), enc('The quick brown fox jumps over the lazy dog'), 'SHA-1', 'de7c9b85b8b78aa6bc8a7a36f70a90701c9db4d9'],
  ];
  for (const [raw, data, hash, expected] of vectors) {
    const key = await crypto.subtle.importKey('raw', raw, { name: 'HMAC', hash }, false, ['sign', 'verify']);
    const mac = await crypto.subtle.sign('HMAC', key, data);
    assertEq(hex(mac), expected, hash);
    assert(await crypto.subtle.verify({ name: 'hmac' }, key, mac, data), 'verifies');
    const bad = new Uint8Array(mac);
    bad[0] ^= 1;
    assertEq(await crypto.subtle.verify('HMAC', key, bad, data), false, 'a changed MAC fails');
    assertEq(await crypto.subtle.verify('HMAC', key, mac.slice(0, 4), data), false, 'a short MAC fails');
  }
});

test('HMAC keys: generate, import, export, CryptoKey', async () => {
  const key = await crypto.subtle.generateKey({ name: 'HMAC', hash: { name: 'SHA-256' } }, true, ['sign', 'verify', 'sign']);
  assert(key instanceof CryptoKey);
  assertEq([key.type, key.extractable, key.algorithm.name, key.algorithm.hash.name, key.algorithm.length], ['secret', true, 'HMAC', 'SHA-256', 512]);
  assertEq(key.usages, ['sign', 'verify']);
  const raw = await crypto.subtle.exportKey('raw', key);
  assertEq(raw.byteLength, 64);
  const jwk = await crypto.subtle.exportKey('jwk', key);
  assertEq([jwk.kty, jwk.alg, jwk.ext], ['oct', 'HS256', true]);
  assertEq(jwk.key_ops, ['sign', 'verify']);
  const back = await crypto.subtle.importKey('jwk', jwk, { name: 'HMAC', hash: 'SHA-256' }, true, ['verify']);
  assertEq(hex(await crypto.subtle.exportKey('raw', back)), hex(raw), 'JWK round trip');
  const sig = await crypto.subtle.sign('HMAC', key, enc('m'));
  assert(await crypto.subtle.verify('HMAC', back, sig, enc('m')));
  const short = await crypto.subtle.generateKey({ name: 'HMAC', hash: 'SHA-512', length: 100 }, true, ['sign']);
  const shortRaw = new Uint8Array(await crypto.subtle.exportKey('raw', short));
  assertEq(shortRaw.length, 13);
  assertEq(shortRaw[12] & 0x0f, 0, 'unused bits are zero');
  assertEq((await crypto.subtle.generateKey({ name: 'HMAC', hash: 'SHA-384' }, false, ['sign'])).algorithm.length, 1024);
  assertThrows(() => new CryptoKey(), 'TypeError');
});

test('errors as the standard names them', async () => {
  const raw = enc('secret');
  const alg = { name: 'HMAC', hash: 'SHA-256' };
  const signOnly = await crypto.subtle.importKey('raw', raw, alg, false, ['sign']);
  await assertRejects(crypto.subtle.exportKey('raw', signOnly), 'InvalidAccessError', 'not extractable');
  await assertRejects(crypto.subtle.verify('HMAC', signOnly, new Uint8Array(32), raw), 'InvalidAccessError', 'usage');
  await assertRejects(crypto.subtle.importKey('raw', raw, alg, false, []), 'SyntaxError', 'empty usages');
  await assertRejects(crypto.subtle.importKey('raw', raw, alg, false, ['encrypt']), 'SyntaxError', 'wrong usage');
  await assertRejects(crypto.subtle.importKey('raw', raw, alg, false, ['fly']), 'TypeError', 'not a usage');
  await assertRejects(crypto.subtle.importKey('raw', new Uint8Array(0), alg, false, ['sign']), 'DataError', 'empty key');
  await assertRejects(crypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256', length: 8 }, false, ['sign']), 'DataError', 'length');
  await assertRejects(crypto.subtle.importKey('raw', raw, { name: 'HMAC' }, false, ['sign']), 'TypeError', 'no hash');
  await assertRejects(crypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-3' }, false, ['sign']), 'NotSupportedError', 'hash');
  await assertRejects(crypto.subtle.importKey('raw', raw, 'FOO', false, ['sign']), 'NotSupportedError', 'algorithm');
  await assertRejects(crypto.subtle.importKey('spki', raw, alg, false, ['sign']), 'NotSupportedError', 'format');
  await assertRejects(crypto.subtle.importKey('jwk', { kty: 'RSA' }, alg, false, ['sign']), 'DataError', 'kty');
  await assertRejects(crypto.subtle.importKey('jwk', { kty: 'oct', k: 'a2V5', alg: 'HS512' }, alg, false, ['sign']), 'DataError', 'alg');
  await assertRejects(crypto.subtle.importKey('jwk', { kty: 'oct', k: '!!' }, alg, false, ['sign']), 'DataError', 'base64url');
  await assertRejects(crypto.subtle.importKey('jwk', { kty: 'oct', k: 'a2V5', ext: false }, alg, true, ['sign']), 'DataError', 'ext');
  await assertRejects(crypto.subtle.sign('HMAC', 'not a key', raw), 'TypeError', 'key type');
  await assertRejects(crypto.subtle.sign('HMAC', signOnly, 42), 'TypeError', 'data type');
  await assertRejects(crypto.subtle.encrypt({ name: 'AES-CBC', iv: new Uint8Array(16) }, signOnly, raw), 'InvalidAccessError', 'HMAC key for AES-CBC');
  await assertRejects(crypto.subtle.wrapKey('raw', signOnly, signOnly, 'AES-KW'), 'InvalidAccessError', 'HMAC key as the wrapping key');
  await assertRejects(crypto.subtle.encrypt({ name: 'AES-XTS' }, signOnly, raw), 'NotSupportedError', 'unknown algorithm');
});

test('HKDF: RFC 5869', async () => {
  const fromHex = (h) => Uint8Array.from(h.match(/../g), (x) => parseInt(x, 16));
  const ikm = fill(0x0b, 22);
  const key = await crypto.subtle.importKey('raw', ikm, 'HKDF', false, ['deriveBits', 'deriveKey']);
  assertEq([key.type, key.extractable, key.algorithm.name], ['secret', false, 'HKDF']);
  const okm = await crypto.subtle.deriveBits(
    { name: 'HKDF', hash: 'SHA-256', salt: fromHex('000102030405060708090a0b0c'), info: fromHex('f0f1f2f3f4f5f6f7f8f9') }, key, 42 * 8);
  assertEq(hex(okm), '3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865'); // test case 1
  const empty = await crypto.subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(), info: new Uint8Array() }, key, 42 * 8);
  assertEq(hex(empty), '8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8'); // test case 3
  const sha1 = await crypto.subtle.importKey('raw', fill(0x0b, 11), 'HKDF', false, ['deriveBits']);
  const okm1 = await crypto.subtle.deriveBits(
    { name: 'HKDF', hash: 'SHA-1', salt: fromHex('000102030405060708090a0b0c'), info: fromHex('f0f1f2f3f4f5f6f7f8f9') }, sha1, 42 * 8);
  assertEq(hex(okm1), '085a01ea1b10f36933068b56efa5ad81a4f14b822f5b091568a9cdd4f155fda2c22e422478d305f3f896'); // test case 4
  await assertRejects(crypto.subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(), info: new Uint8Array() }, key, 256 * 32 * 8), 'OperationError', 'too long');
  await assertRejects(crypto.subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(), info: new Uint8Array() }, key, 13), 'OperationError', 'not whole bytes');
  await assertRejects(crypto.subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', info: new Uint8Array() }, key, 256), 'TypeError', 'no salt');
  await assertRejects(crypto.subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(), info: new Uint8Array() }, key, null), 'OperationError', 'no length');
  await assertRejects(crypto.subtle.importKey('raw', ikm, 'HKDF', true, ['deriveBits']), 'SyntaxError', 'extractable');
  await assertRejects(crypto.subtle.importKey('jwk', {}, 'HKDF', false, ['deriveBits']), 'NotSupportedError', 'jwk');
  await assertRejects(crypto.subtle.exportKey('raw', key), 'InvalidAccessError');
  // deriveKey makes the key in the host from the same bits deriveBits gives.
  const params = { name: 'HKDF', hash: 'SHA-256', salt: fromHex('000102030405060708090a0b0c'), info: fromHex('f0f1f2f3f4f5f6f7f8f9') };
  const aes = await crypto.subtle.deriveKey(params, key, { name: 'AES-CTR', length: 192 }, true, ['encrypt']);
  assertEq([aes.algorithm.name, aes.algorithm.length, hex(await crypto.subtle.exportKey('raw', aes))], ['AES-CTR', 192, hex(okm).slice(0, 48)]);
  const hmac = await crypto.subtle.deriveKey(params, key, { name: 'HMAC', hash: 'SHA-1', length: 40 }, true, ['sign']);
  assertEq([hmac.algorithm.length, hex(await crypto.subtle.exportKey('raw', hmac))], [40, '3cb25f25fa']);
  await assertRejects(crypto.subtle.deriveKey(params, key, { name: 'HMAC', hash: 'SHA-1', length: 36 }, true, ['sign']), 'OperationError', 'HKDF gives whole bytes');
  const hidden = await crypto.subtle.deriveKey(params, key, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  assertEq(hidden.algorithm.length, 512);
  await assertRejects(crypto.subtle.exportKey('raw', hidden), 'InvalidAccessError', 'a derived key that is not extractable');
  await assertRejects(crypto.subtle.deriveKey(params, key, { name: 'AES-GCM', length: 100 }, true, ['encrypt']), 'OperationError', 'AES length');
  await assertRejects(crypto.subtle.deriveKey(params, key, { name: 'AES-GCM', length: 128 }, true, []), 'SyntaxError', 'no usages');
});

// The host's PBKDF2 works on the bare compression functions (one padded
// block per hash per iteration): check every hash, long outputs and a long
// (pre-hashed) password against RFC 7914 §11 and Node's pbkdf2Sync.
test('PBKDF2: SHA-256 (RFC 7914), SHA-384 and SHA-512', async () => {
  const bits = async (password, salt, iterations, hash, length) => hex(await crypto.subtle.deriveBits(
    { name: 'PBKDF2', hash, salt: enc(salt), iterations },
    await crypto.subtle.importKey('raw', enc(password), 'PBKDF2', false, ['deriveBits']), length));
  assertEq(await bits('passwd', 'salt', 1, 'SHA-256', 512),
    '55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783');
  assertEq(await bits('Password', 'NaCl', 80000, 'SHA-256', 512),
    '4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56a1d425a1225833549adb841b51c9b3176a272bdebba1d078478f62b397f33c8d');
  assertEq(await bits('Password', 'NaCl', 80000, 'SHA-512', 512),
    'e6337d6fbeb645c794d4a9b5b75b7b30dac9ac50376a91df1f4460f6060d5addb2c1fd1f84409abacc67de7eb4056e6bb06c2d82c3ef4ccd1bded0f675ed97c6');
  assertEq(await bits('Password', 'NaCl', 80000, 'SHA-384', 800),
    '11c198987730fa113458053cd5cc9b51d7024a35f9134f1ee8740923c901aab23bbaea43686981b6e6a9f4130a1401daeeec74060246ebac958f3cfc3c65579b6e3d08b94ade5fc257a6902a0a1664b8dbd5a8ae2af70438931d3f3679abffc7a1777058');
  assertEq(await bits('p'.repeat(200), 's'.repeat(130), 3, 'SHA-512', 1040),
    '48237150b29d10e16777836d2e357eb81ffd7958b54f29f8c580e5109be86d6198dbf4c02bcec9ceb9f82906ae0fca1ed79bfdaa493f615df8aed651bded88c17da0139b590617c90db31b9a82f1065cca74c396dce5860c48a809890f0fff8f5f8baf011c35db377e455f898f281181686d45cb24eb5cf3da904a9124377430730c');
});

test('PBKDF2: RFC 6070, and deriveKey to HMAC', async () => {
  const password = await crypto.subtle.importKey('raw', enc('password'), { name: 'PBKDF2' }, false, ['deriveBits', 'deriveKey']);
  const params = (iterations) => ({ name: 'PBKDF2', hash: 'SHA-1', salt: enc('salt'), iterations });
  assertEq(hex(await crypto.subtle.deriveBits(params(1), password, 160)), '0c60c80f961f0e71f3a9b524af6012062fe037a6');
  assertEq(hex(await crypto.subtle.deriveBits(params(2), password, 160)), 'ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957');
  assertEq(hex(await crypto.subtle.deriveBits(params(4096), password, 160)), '4b007901b765489abead49d926f721d065a429c1');
  const long = await crypto.subtle.importKey('raw', enc('passwordPASSWORDpassword'), 'PBKDF2', false, ['deriveBits']);
  assertEq(hex(await crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-1', salt: enc('saltSALTsaltSALTsaltSALTsaltSALTsalt'), iterations: 4096 }, long, 200)),
    '3d2eec4fe41c849b80c8d83662c0e44a8b291a964cf2f07038');
  await assertRejects(crypto.subtle.deriveBits(params(0), password, 160), 'OperationError', 'zero iterations');
  await assertRejects(crypto.subtle.deriveBits(params(1000001), password, 160), 'NotSupportedError', 'more than a million iterations');
  await assertRejects(crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-1', salt: enc('s') }, password, 160), 'TypeError', 'no iterations');
  const hmacKey = await crypto.subtle.deriveKey(params(2), password, { name: 'HMAC', hash: 'SHA-256', length: 160 }, true, ['sign']);
  assertEq([hmacKey.algorithm.name, hmacKey.algorithm.length], ['HMAC', 160]);
  assertEq(hex(await crypto.subtle.exportKey('raw', hmacKey)), 'ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957');
  const signOnly = await crypto.subtle.importKey('raw', enc('password'), 'PBKDF2', false, ['deriveBits']);
  await assertRejects(crypto.subtle.deriveKey(params(1), signOnly, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']), 'InvalidAccessError', 'usage');
  await assertRejects(crypto.subtle.deriveBits(params(1), hmacKey, 160), 'InvalidAccessError', 'wrong key');
});

test('AES-GCM: NIST GCM test vectors, round trips, errors', async () => {
  const fromHex = (h) => Uint8Array.from(h.match(/../g) || [], (x) => parseInt(x, 16));
  // NIST GCM spec (McGrew & Viega), test cases 2, 3 and 4 (AES-128), 16 (AES-256).
  const cases = [
    ['00000000000000000000000000000000', '000000000000000000000000', '', '00000000000000000000000000000000',
      '0388dace60b6a392f328c2b971b2fe78ab6e47d42cec13bdf53a67b21257bddf'],
    ['feffe9928665731c6d6a8f9467308308', 'cafebabefacedbaddecaf888', '',
      'd9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255',
      '42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f59854d5c2af327cd64a62cf35abd2ba6fab4'],
    ['feffe9928665731c6d6a8f9467308308', 'cafebabefacedbaddecaf888', 'feedfacedeadbeeffeedfacedeadbeefabaddad2',
      'd9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39',
      '42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e0915bc94fbc3221a5db94fae95ae7121a47'],
    ['feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308', 'cafebabefacedbaddecaf888', 'feedfacedeadbeeffeedfacedeadbeefabaddad2',
      'd9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39',
      '522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f66276fc6ece0f4e1768cddf8853bb2d551b'],
  ];
  for (const [k, iv, aad, pt, expected] of cases) {
    const key = await crypto.subtle.importKey('raw', fromHex(k), 'AES-GCM', false, ['encrypt', 'decrypt']);
    const params = { name: 'AES-GCM', iv: fromHex(iv), additionalData: fromHex(aad) };
    const ct = await crypto.subtle.encrypt(params, key, fromHex(pt));
    assertEq(hex(ct), expected, `key ${k.length * 4} bits`);
    assertEq(hex(await crypto.subtle.decrypt(params, key, ct)), pt);
    const tampered = new Uint8Array(ct);
    tampered[0] ^= 1;
    await assertRejects(crypto.subtle.decrypt(params, key, tampered), 'OperationError', 'tampered ciphertext');
    await assertRejects(crypto.subtle.decrypt({ ...params, additionalData: enc('other') }, key, ct), 'OperationError', 'wrong aad');
  }
  const generated = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, true, ['encrypt', 'decrypt']);
  assertEq([generated.algorithm.name, generated.algorithm.length, generated.type], ['AES-GCM', 256, 'secret']);
  const jwk = await crypto.subtle.exportKey('jwk', generated);
  assertEq([jwk.kty, jwk.alg], ['oct', 'A256GCM']);
  const again = await crypto.subtle.importKey('jwk', jwk, 'AES-GCM', false, ['decrypt']);
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const big = new Uint8Array(10 << 20).fill(3);
  const sealed = await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, generated, big);
  assertEq(sealed.byteLength, (10 << 20) + 16, '10 MB plus the tag');
  const opened = new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-GCM', iv }, again, sealed));
  assert(opened.length === big.length && opened[12345] === 3, '10 MB round trip');
  await assertRejects(crypto.subtle.importKey('raw', new Uint8Array(15), 'AES-GCM', false, ['encrypt']), 'DataError', 'key size');
  await assertRejects(crypto.subtle.importKey('raw', new Uint8Array(16), 'AES-GCM', false, ['sign']), 'SyntaxError', 'usage');
  await assertRejects(crypto.subtle.generateKey({ name: 'AES-GCM', length: 100 }, false, ['encrypt']), 'OperationError', 'length');
  await assertRejects(crypto.subtle.encrypt({ name: 'AES-GCM', iv }, again, enc('x')), 'InvalidAccessError', 'decrypt-only key');
  await assertRejects(crypto.subtle.encrypt({ name: 'AES-GCM', iv: new Uint8Array(0) }, generated, enc('x')), 'OperationError', 'empty iv');
  await assertRejects(crypto.subtle.encrypt({ name: 'AES-GCM', iv, tagLength: 100 }, generated, enc('x')), 'OperationError', 'tag length');
  await assertRejects(crypto.subtle.encrypt({ name: 'AES-GCM' }, generated, enc('x')), 'TypeError', 'no iv');
  const hmac = await crypto.subtle.generateKey({ name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  await assertRejects(crypto.subtle.encrypt({ name: 'AES-GCM', iv }, hmac, enc('x')), 'InvalidAccessError', 'not an AES key');
});
