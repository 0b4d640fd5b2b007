// Web Crypto AES modes beyond the common GCM case, key wrapping and
// crypto.DigestStream: NIST SP 800-38A (CBC, CTR), the GCM spec's test
// cases 5, 6 and 11 (short and long IVs, 192-bit keys), RFC 3394 (KW).
const enc = (s) => new TextEncoder().encode(s);
const hex = (b) => Array.from(new Uint8Array(b), (x) => x.toString(16).padStart(2, '0')).join('');
const fromHex = (h) => Uint8Array.from(h.match(/../g) || [], (x) => parseInt(x, 16));
const s = crypto.subtle;
const SP800_38A_PLAINTEXT = '6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710';
const KEYS = {
  128: '2b7e151628aed2a6abf7158809cf4f3c',
  192: '8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b',
  256: '603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4',
};

test('AES-CBC: SP 800-38A F.2, PKCS#7 padding, errors', async () => {
  const iv = fromHex('000102030405060708090a0b0c0d0e0f');
  const expected = {
    128: '7649abac8119b246cee98e9b12e9197d5086cb9b507219ee95db113a917678b273bed6b8e3c1743b7116e69e222295163ff1caa1681fac09120eca307586e1a7',
    192: '4f021db243bc633d7178183a9fa071e8b4d9ada9ad7dedf4e5e738763f69145a571b242012fb7ae07fa9baac3df102e008b0e27988598881d920a9e64f5615cd',
    256: 'f58c4c04d6e5f1ba779eabfb5f7bfbd69cfc4e967edb808d679f777bc6702c7d39f23369a9d9bacfa530e26304231461b2eb05e2c39be9fcda6c19078c6a9d1b',
  };
  for (const bits of [128, 192, 256]) {
    const key = await s.importKey('raw', fromHex(KEYS[bits]), 'AES-CBC', true, ['encrypt', 'decrypt']);
    assertEq([key.algorithm.name, key.algorithm.length], ['AES-CBC', bits]);
    const ct = await s.encrypt({ name: 'AES-CBC', iv }, key, fromHex(SP800_38A_PLAINTEXT));
    // The standard's four blocks, then one block of padding.
    assertEq(ct.byteLength, 80);
    assertEq(hex(ct.slice(0, 64)), expected[bits], `AES-${bits}`);
    assertEq(hex(await s.decrypt({ name: 'AES-CBC', iv }, key, ct)), SP800_38A_PLAINTEXT);
    assertEq((await s.exportKey('jwk', key)).alg, `A${bits}CBC`);
  }
  const key = await s.generateKey({ name: 'AES-CBC', length: 128 }, false, ['encrypt', 'decrypt']);
  assertEq((await s.encrypt({ name: 'AES-CBC', iv }, key, new Uint8Array(0))).byteLength, 16, 'empty plaintext pads to a block');
  const ct = new Uint8Array(await s.encrypt({ name: 'AES-CBC', iv }, key, enc('short')));
  const other = new Uint8Array(iv);
  other[15] ^= 1; // flips the last plaintext byte, which is padding
  await assertRejects(s.decrypt({ name: 'AES-CBC', iv: other }, key, ct), 'OperationError', 'bad padding');
  await assertRejects(s.decrypt({ name: 'AES-CBC', iv }, key, ct.slice(0, 15)), 'OperationError', 'not whole blocks');
  await assertRejects(s.encrypt({ name: 'AES-CBC', iv: new Uint8Array(12) }, key, enc('x')), 'OperationError', 'iv length');
  await assertRejects(s.encrypt({ name: 'AES-CBC' }, key, enc('x')), 'TypeError', 'no iv');
});

test('AES-CTR: SP 800-38A F.5, counter lengths and wrap-around', async () => {
  const counter = fromHex('f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff');
  const expected = {
    128: '874d6191b620e3261bef6864990db6ce9806f66b7970fdff8617187bb9fffdff5ae4df3edbd5d35e5b4f09020db03eab1e031dda2fbe03d1792170a0f3009cee',
    192: '1abc932417521ca24f2b0459fe7e6e0b090339ec0aa6faefd5ccc2c6f4ce8e941e36b26bd1ebc670d1bd1d665620abf74f78a7f6d29809585a97daec58c6b050',
    256: '601ec313775789a5b7a7f504bbf3d228f443e3ca4d62b59aca84e990cacaf5c52b0930daa23de94ce87017ba2d84988ddfc9c58db67aada613c2dd08457941a6',
  };
  for (const bits of [128, 192, 256]) {
    const key = await s.importKey('raw', fromHex(KEYS[bits]), 'AES-CTR', false, ['encrypt', 'decrypt']);
    const ct = await s.encrypt({ name: 'AES-CTR', counter, length: 64 }, key, fromHex(SP800_38A_PLAINTEXT));
    assertEq(hex(ct), expected[bits], `AES-${bits}`);
    assertEq(hex(await s.decrypt({ name: 'AES-CTR', counter, length: 64 }, key, ct)), SP800_38A_PLAINTEXT);
    // A partial last block is fine.
    assertEq(hex(await s.encrypt({ name: 'AES-CTR', counter, length: 128 }, key, fromHex(SP800_38A_PLAINTEXT.slice(0, 40)))), expected[bits].slice(0, 40));
  }
  // The vector's counter ends in ...feff: with an 8-bit counter the third
  // block wraps to ...fe00, not ...ff00 as a 128-bit counter would.
  const key = await s.importKey('raw', fromHex(KEYS[128]), 'AES-CTR', false, ['encrypt']);
  const wide = new Uint8Array(await s.encrypt({ name: 'AES-CTR', counter, length: 128 }, key, new Uint8Array(48)));
  const narrow = new Uint8Array(await s.encrypt({ name: 'AES-CTR', counter, length: 8 }, key, new Uint8Array(48)));
  assertEq(hex(narrow.slice(0, 16)), hex(wide.slice(0, 16)), 'first block');
  assert(hex(narrow.slice(16, 32)) !== hex(wide.slice(16, 32)), 'the second block wrapped');
  const wrapped = new Uint8Array(counter);
  wrapped[15] = 0;
  assertEq(hex(narrow.slice(16, 32)), hex(await s.encrypt({ name: 'AES-CTR', counter: wrapped, length: 128 }, key, new Uint8Array(16))), 'wrapped to 00');
  await assertRejects(s.encrypt({ name: 'AES-CTR', counter, length: 1 }, key, new Uint8Array(33)), 'OperationError', 'counter exhausted');
  await assertRejects(s.encrypt({ name: 'AES-CTR', counter, length: 0 }, key, enc('x')), 'OperationError', 'length 0');
  await assertRejects(s.encrypt({ name: 'AES-CTR', counter, length: 129 }, key, enc('x')), 'OperationError', 'length 129');
  await assertRejects(s.encrypt({ name: 'AES-CTR', counter: new Uint8Array(8), length: 64 }, key, enc('x')), 'OperationError', 'counter size');
  await assertRejects(s.encrypt({ name: 'AES-CTR', counter }, key, enc('x')), 'TypeError', 'no length');
});

test('AES-GCM: 192-bit keys, other IV and tag lengths (GCM spec cases 5, 6, 11)', async () => {
  const P = 'd9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39';
  const A = fromHex('feedfacedeadbeeffeedfacedeadbeefabaddad2');
  const cases = [
    ['feffe9928665731c6d6a8f9467308308', 'cafebabefacedbad',
      '61353b4c2806934a777ff51fa22a4755699b2a714fcdc6f83766e5f97b6c742373806900e49f24b22b097544d4896b424989b5e1ebac0f07c23f45983612d2e79e3b0785561be14aaca2fccb'],
    ['feffe9928665731c6d6a8f9467308308', '9313225df88406e555909c5aff5269aa6a7a9538534f7da1e4c303d2a318a728c3c0c95156809539fcf0e2429a6b525416aedbf5a0de6a57a637b39b',
      '8ce24998625615b603a033aca13fb894be9112a5c3a211a8ba262a3cca7e2ca701e4a9a4fba43c90ccdcb281d48c7c6fd62875d2aca417034c34aee5619cc5aefffe0bfa462af43c1699d050'],
    ['feffe9928665731c6d6a8f9467308308feffe9928665731c', 'cafebabefacedbaddecaf888',
      '3980ca0b3c00e841eb06fac4872a2757859e1ceaa6efd984628593b40ca1e19c7d773d00c144c525ac619d18c84a3f4718e2448b2fe324d9ccda27102519498e80f1478f37ba55bd6d27618c'],
  ];
  for (const [k, iv, expected] of cases) {
    const key = await s.importKey('raw', fromHex(k), 'AES-GCM', false, ['encrypt', 'decrypt']);
    const params = { name: 'AES-GCM', iv: fromHex(iv), additionalData: A };
    const ct = await s.encrypt(params, key, fromHex(P));
    assertEq(hex(ct), expected, `iv ${iv.length / 2} bytes, key ${k.length * 4} bits`);
    assertEq(hex(await s.decrypt(params, key, ct)), P);
    // Shorter tags are the full tag's first bytes.
    for (const tagLength of [32, 64, 96, 104, 112, 120]) {
      const short = await s.encrypt({ ...params, tagLength }, key, fromHex(P));
      assertEq(hex(short), expected.slice(0, (P.length + tagLength / 4)), `tag ${tagLength}`);
      assertEq(hex(await s.decrypt({ ...params, tagLength }, key, short)), P);
    }
    const bad = new Uint8Array(ct);
    bad[bad.length - 1] ^= 1;
    await assertRejects(s.decrypt(params, key, bad), 'OperationError', 'tag');
  }
  // The same GCM shape through ring and through the written-out path agree.
  const key = await s.importKey('raw', fromHex(KEYS[256]), 'AES-GCM', false, ['encrypt', 'decrypt']);
  const iv = fromHex('cafebabefacedbaddecaf888');
  const full = new Uint8Array(await s.encrypt({ name: 'AES-GCM', iv }, key, fromHex(P)));
  const t120 = new Uint8Array(await s.encrypt({ name: 'AES-GCM', iv, tagLength: 120 }, key, fromHex(P)));
  assertEq(hex(t120), hex(full.slice(0, full.length - 1)));
  const k192 = await s.generateKey({ name: 'AES-GCM', length: 192 }, true, ['encrypt', 'decrypt']);
  assertEq((await s.exportKey('jwk', k192)).alg, 'A192GCM');
  const big = new Uint8Array(1 << 20).fill(9);
  const sealed = await s.encrypt({ name: 'AES-GCM', iv: new Uint8Array(16) }, k192, big);
  assertEq(new Uint8Array(await s.decrypt({ name: 'AES-GCM', iv: new Uint8Array(16) }, k192, sealed))[99999], 9, '1 MB round trip');
  await assertRejects(s.decrypt({ name: 'AES-GCM', iv, tagLength: 64 }, key, new Uint8Array(7)), 'OperationError', 'shorter than the tag');
});

test('AES-KW: RFC 3394 4.1, 4.2, 4.6 through wrapKey / unwrapKey', async () => {
  const kek = (bits) => s.importKey('raw', fromHex('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f'.slice(0, bits / 4)), 'AES-KW', true, ['wrapKey', 'unwrapKey']);
  const cases = [
    [128, '00112233445566778899aabbccddeeff', '1fa68b0a8112b447aef34bd8fb5a7b829d3e862371d2cfe5'],
    [192, '00112233445566778899aabbccddeeff', '96778b25ae6ca435f92b5b97c050aed2468ab8a17ad84e5d'],
    [256, '00112233445566778899aabbccddeeff000102030405060708090a0b0c0d0e0f', '28c9f404c4b810f4cbccb35cfb87f8263f5786e2d80ed326cbc7f0e71a99f43bfb988b9b7a02dd21'],
  ];
  for (const [bits, data, wrapped] of cases) {
    const wrappingKey = await kek(bits);
    assertEq([wrappingKey.algorithm.name, wrappingKey.algorithm.length], ['AES-KW', bits]);
    const key = await s.importKey('raw', fromHex(data), 'AES-GCM', true, ['encrypt']);
    assertEq(hex(await s.wrapKey('raw', key, wrappingKey, 'AES-KW')), wrapped, `KEK ${bits}`);
    const back = await s.unwrapKey('raw', fromHex(wrapped), wrappingKey, 'AES-KW', 'AES-GCM', true, ['decrypt']);
    assertEq([back.algorithm.name, back.usages[0], hex(await s.exportKey('raw', back))], ['AES-GCM', 'decrypt', data]);
    const bad = fromHex(wrapped);
    bad[0] ^= 1;
    await assertRejects(s.unwrapKey('raw', bad, wrappingKey, 'AES-KW', 'AES-GCM', true, ['decrypt']), 'OperationError', 'integrity');
  }
  const wrappingKey = await kek(128);
  await assertRejects(s.encrypt('AES-KW', wrappingKey, new Uint8Array(16)), 'NotSupportedError', 'AES-KW is not for encrypt');
  await assertRejects(s.importKey('raw', new Uint8Array(16), 'AES-KW', false, ['encrypt']), 'SyntaxError', 'usage');
  const hmac = await s.importKey('raw', new Uint8Array(20), { name: 'HMAC', hash: 'SHA-1' }, true, ['sign']);
  await assertRejects(s.wrapKey('raw', hmac, wrappingKey, 'AES-KW'), 'OperationError', '20 bytes is not a multiple of 8');
});

test('wrapKey / unwrapKey with every format and wrapping algorithm', async () => {
  const ecdsa = await s.generateKey({ name: 'ECDSA', namedCurve: 'P-384' }, true, ['sign', 'verify']);
  const ed = await s.generateKey('Ed25519', true, ['sign', 'verify']);
  const hmac = await s.generateKey({ name: 'HMAC', hash: 'SHA-256' }, true, ['sign']);
  const gcm = await s.generateKey({ name: 'AES-GCM', length: 256 }, true, ['wrapKey', 'unwrapKey']);
  const cbc = await s.generateKey({ name: 'AES-CBC', length: 128 }, true, ['wrapKey', 'unwrapKey']);
  const ctr = await s.generateKey({ name: 'AES-CTR', length: 192 }, true, ['wrapKey', 'unwrapKey']);
  const kw = await s.generateKey({ name: 'AES-KW', length: 256 }, true, ['wrapKey', 'unwrapKey']);
  const rsa = await s.generateKey({ name: 'RSA-OAEP', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }, true, ['wrapKey', 'unwrapKey']);
  const wrappers = [
    [gcm, { name: 'AES-GCM', iv: new Uint8Array(12) }],
    [cbc, { name: 'AES-CBC', iv: new Uint8Array(16) }],
    [ctr, { name: 'AES-CTR', counter: new Uint8Array(16), length: 64 }],
  ];
  const subjects = [
    ['pkcs8', ecdsa.privateKey, { name: 'ECDSA', namedCurve: 'P-384' }, ['sign']],
    ['spki', ecdsa.publicKey, { name: 'ECDSA', namedCurve: 'P-384' }, ['verify']],
    ['jwk', ed.privateKey, 'Ed25519', ['sign']],
    ['raw', hmac, { name: 'HMAC', hash: 'SHA-256' }, ['sign']],
    ['jwk', hmac, { name: 'HMAC', hash: 'SHA-256' }, ['sign']],
  ];
  for (const [wrapper, params] of wrappers) {
    for (const [format, key, algorithm, usages] of subjects) {
      const wrapped = await s.wrapKey(format, key, wrapper, params);
      const back = await s.unwrapKey(format, wrapped, wrapper, params, algorithm, true, usages);
      const same = format === 'jwk' ? JSON.stringify(await s.exportKey('jwk', back)) === JSON.stringify(await s.exportKey('jwk', key))
        : hex(await s.exportKey(format, back)) === hex(await s.exportKey(format, key));
      assert(same, `${format} ${key.algorithm.name} under ${params.name}`);
    }
  }
  // RSA-OAEP wraps what fits in one block; AES-KW wraps raw keys of 8-byte multiples.
  const wrapped = await s.wrapKey('raw', hmac, rsa.publicKey, { name: 'RSA-OAEP' });
  const back = await s.unwrapKey('raw', wrapped, rsa.privateKey, { name: 'RSA-OAEP' }, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  assertEq(hex(await s.sign('HMAC', back, enc('m'))), hex(await s.sign('HMAC', hmac, enc('m'))), 'RSA-OAEP unwrap');
  assertEq(back.extractable, false);
  // A raw public key (ECDSA) and HKDF material unwrap too.
  const rawPublic = await s.wrapKey('raw', ecdsa.publicKey, gcm, { name: 'AES-GCM', iv: new Uint8Array(12) });
  const publicBack = await s.unwrapKey('raw', rawPublic, gcm, { name: 'AES-GCM', iv: new Uint8Array(12) }, { name: 'ECDSA', namedCurve: 'P-384' }, true, ['verify']);
  assertEq([publicBack.type, hex(await s.exportKey('raw', publicBack))], ['public', hex(await s.exportKey('raw', ecdsa.publicKey))]);
  const hkdfBack = await s.unwrapKey('raw', wrapped, rsa.privateKey, { name: 'RSA-OAEP' }, 'HKDF', false, ['deriveBits']);
  const viaHmac = await s.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(), info: new Uint8Array() }, hkdfBack, 128);
  assertEq(viaHmac.byteLength, 16, 'unwrapped HKDF material derives');
  await assertRejects(s.unwrapKey('raw', rawPublic, gcm, { name: 'AES-GCM', iv: new Uint8Array(12) }, { name: 'ECDSA', namedCurve: 'P-384' }, true, ['sign']), 'SyntaxError', 'sign on an unwrapped public key');
  await assertRejects(s.unwrapKey('spki', rawPublic, gcm, { name: 'AES-GCM', iv: new Uint8Array(12) }, { name: 'ECDSA', namedCurve: 'P-384' }, true, ['verify']), 'DataError', 'raw bytes as SPKI');
  const kwWrapped = await s.wrapKey('raw', gcm, kw, 'AES-KW');
  assertEq(kwWrapped.byteLength, 40);
  const secret = await s.generateKey({ name: 'AES-GCM', length: 128 }, false, ['encrypt']);
  await assertRejects(s.wrapKey('raw', secret, kw, 'AES-KW'), 'InvalidAccessError', 'not extractable');
  await assertRejects(s.wrapKey('raw', gcm, cbc, { name: 'AES-GCM', iv: new Uint8Array(12) }), 'InvalidAccessError', 'algorithm mismatch');
  const encryptOnly = await s.generateKey({ name: 'AES-GCM', length: 128 }, true, ['encrypt']);
  await assertRejects(s.wrapKey('raw', gcm, encryptOnly, { name: 'AES-GCM', iv: new Uint8Array(12) }), 'InvalidAccessError', 'no wrapKey usage');
  const garbage = await s.encrypt({ name: 'AES-GCM', iv: new Uint8Array(12) }, gcm, enc('not json')).catch(() => null);
  assertEq(garbage, null, 'a wrapKey-only key cannot encrypt');
  const notJson = await s.wrapKey('raw', hmac, gcm, { name: 'AES-GCM', iv: new Uint8Array(12) });
  await assertRejects(s.unwrapKey('jwk', notJson, gcm, { name: 'AES-GCM', iv: new Uint8Array(12) }, { name: 'HMAC', hash: 'SHA-256' }, true, ['sign']), 'DataError', 'not a JWK');
});

test('crypto.DigestStream', async () => {
  const stream = new crypto.DigestStream('SHA-256');
  assert(stream instanceof WritableStream);
  const writer = stream.getWriter();
  await writer.write(enc('a'));
  await writer.write(enc('bc').buffer);
  await writer.write(new DataView(enc('').buffer));
  await writer.close();
  assertEq(hex(await stream.digest), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad', 'SHA-256("abc")');
  // A million 'a's in 1,000 chunks through pipeTo: never buffered whole.
  const chunk = new Uint8Array(1000).fill(0x61);
  let sent = 0;
  const source = new ReadableStream({ pull(controller) { if (sent++ < 1000) controller.enqueue(chunk); else controller.close(); } });
  const sha1 = new crypto.DigestStream({ name: 'SHA-1' });
  await source.pipeTo(sha1);
  assertEq(hex(await sha1.digest), '34aa973cd4c4daa4f61eeb2bdbad27316534016f', 'FIPS 180 SHA-1 million a');
  for (const [name, expected] of [['SHA-384', 'cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7'],
    ['SHA-512', 'ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f']]) {
    const d = new crypto.DigestStream(name);
    const w = d.getWriter();
    await w.write(enc('abc'));
    await w.close();
    assertEq(hex(await d.digest), expected, name);
  }
  assertThrows(() => new crypto.DigestStream('MD5'), 'NotSupportedError');
  assertThrows(() => new crypto.DigestStream(), 'TypeError');
  const bad = new crypto.DigestStream('SHA-256');
  await assertRejects(bad.getWriter().write('text'), 'TypeError', 'a string chunk');
  await assertRejects(bad.digest, 'TypeError', 'the digest rejects too');
  const aborted = new crypto.DigestStream('SHA-256');
  await aborted.abort(new RangeError('stop'));
  await assertRejects(aborted.digest, 'RangeError', 'abort rejects the digest');
});
