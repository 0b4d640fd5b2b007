//! Web Crypto results checked against another implementation: Node.js's
//! WebCrypto, on this machine (`node` on PATH).

use crate::common::*;
use std::process::Command;

fn node(script: &str) -> String {
    let out = Command::new("node")
        .args(["--input-type=module", "-e", &format!("import {{ webcrypto as crypto }} from 'node:crypto';\n{script}")])
        .output()
        .expect("running node (Node.js is needed for the cross-checks)");
    assert!(out.status.success(), "node failed: {}", text(&out.stderr));
    text(&out.stdout).trim().to_string()
}

fn nano_script(name: &str, script: &str) -> String {
    let path = scratch(&format!("crosscheck-{name}")).join("script.mjs");
    std::fs::write(&path, format!("{script}\nexport {{}};\n")).unwrap();
    let out = exec(&path, &[]);
    assert!(out.status.success(), "nano failed: {}", text(&out.stderr));
    text(&out.stdout).trim().to_string()
}

#[test]
fn aes_gcm_and_hmac_interoperate_with_node() {
    // nano makes keys, encrypts and signs; Node imports the JWKs and checks.
    let from_nano = nano_script(
        "nano-to-node",
        r#"
const aes = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, true, ['encrypt', 'decrypt']);
const hmac = await crypto.subtle.generateKey({ name: 'HMAC', hash: 'SHA-384' }, true, ['sign', 'verify']);
const iv = crypto.getRandomValues(new Uint8Array(12));
const data = new TextEncoder().encode('made in nano');
const ct = await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: data }, aes, data);
const mac = await crypto.subtle.sign('HMAC', hmac, data);
const b64 = (b) => btoa(String.fromCharCode(...new Uint8Array(b)));
console.log(JSON.stringify({ aes: await crypto.subtle.exportKey('jwk', aes), hmac: await crypto.subtle.exportKey('jwk', hmac), iv: b64(iv), ct: b64(ct), mac: b64(mac) }));
"#,
    );
    let checked = node(&format!(
        r#"
const v = {from_nano};
const bytes = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
const data = new TextEncoder().encode('made in nano');
const aes = await crypto.subtle.importKey('jwk', v.aes, 'AES-GCM', false, ['decrypt']);
const pt = await crypto.subtle.decrypt({{ name: 'AES-GCM', iv: bytes(v.iv), additionalData: data }}, aes, bytes(v.ct));
const hmac = await crypto.subtle.importKey('jwk', v.hmac, {{ name: 'HMAC', hash: 'SHA-384' }}, false, ['verify']);
console.log(new TextDecoder().decode(pt), await crypto.subtle.verify('HMAC', hmac, bytes(v.mac), data));
"#
    ));
    assert_eq!(checked, "made in nano true");

    // And the other way round.
    let from_node = node(
        r#"
const aes = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 128 }, true, ['encrypt', 'decrypt']);
const iv = crypto.getRandomValues(new Uint8Array(12));
const data = new TextEncoder().encode('made in node');
const ct = await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, aes, data);
const hmac = await crypto.subtle.importKey('raw', new TextEncoder().encode('shared secret'), { name: 'HMAC', hash: 'SHA-256' }, true, ['sign']);
const mac = await crypto.subtle.sign('HMAC', hmac, data);
const b64 = (b) => btoa(String.fromCharCode(...new Uint8Array(b)));
console.log(JSON.stringify({ aes: await crypto.subtle.exportKey('jwk', aes), iv: b64(iv), ct: b64(ct), mac: b64(mac) }));
"#,
    );
    let checked = nano_script(
        "node-to-nano",
        &format!(
            r#"
const v = {from_node};
const bytes = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
const data = new TextEncoder().encode('made in node');
const aes = await crypto.subtle.importKey('jwk', v.aes, 'AES-GCM', false, ['decrypt']);
const pt = await crypto.subtle.decrypt({{ name: 'AES-GCM', iv: bytes(v.iv) }}, aes, bytes(v.ct));
const hmac = await crypto.subtle.importKey('raw', new TextEncoder().encode('shared secret'), {{ name: 'HMAC', hash: 'SHA-256' }}, false, ['verify']);
console.log(new TextDecoder().decode(pt), await crypto.subtle.verify('HMAC', hmac, bytes(v.mac), data));
"#
        ),
    );
    assert_eq!(checked, "made in node true");
}

/// Makes key pairs of every asymmetric algorithm, signs, agrees and
/// encrypts, and prints the keys in every format with the results (runs in
/// nano and in Node alike).
const KEY_PAIR_PRODUCER: &str = r#"
const s = crypto.subtle;
const b64 = (b) => btoa(String.fromCharCode(...new Uint8Array(b)));
const data = new TextEncoder().encode('cross-checked');
const publicExponent = new Uint8Array([1, 0, 1]);
const out = { signers: [], agreements: [], oaep: [] };
const signers = [
  [{ name: 'ECDSA', namedCurve: 'P-256' }, { name: 'ECDSA', hash: 'SHA-256' }, { name: 'ECDSA', namedCurve: 'P-256' }],
  [{ name: 'ECDSA', namedCurve: 'P-384' }, { name: 'ECDSA', hash: 'SHA-384' }, { name: 'ECDSA', namedCurve: 'P-384' }],
  [{ name: 'ECDSA', namedCurve: 'P-521' }, { name: 'ECDSA', hash: 'SHA-512' }, { name: 'ECDSA', namedCurve: 'P-521' }],
  [{ name: 'ECDSA', namedCurve: 'P-256' }, { name: 'ECDSA', hash: 'SHA-1' }, { name: 'ECDSA', namedCurve: 'P-256' }],
  [{ name: 'Ed25519' }, { name: 'Ed25519' }, { name: 'Ed25519' }],
  [{ name: 'Ed448' }, { name: 'Ed448' }, { name: 'Ed448' }],
  [{ name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent, hash: 'SHA-256' }, { name: 'RSASSA-PKCS1-v1_5' }, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }],
  [{ name: 'RSA-PSS', modulusLength: 2048, publicExponent, hash: 'SHA-384' }, { name: 'RSA-PSS', saltLength: 48 }, { name: 'RSA-PSS', hash: 'SHA-384' }],
];
for (const [alg, params, importAlg] of signers) {
  const pair = await s.generateKey(alg, true, ['sign', 'verify']);
  out.signers.push({
    params, importAlg,
    jwk: await s.exportKey('jwk', pair.publicKey),
    spki: b64(await s.exportKey('spki', pair.publicKey)),
    pkcs8: b64(await s.exportKey('pkcs8', pair.privateKey)),
    privateJwk: await s.exportKey('jwk', pair.privateKey),
    signature: b64(await s.sign(params, pair.privateKey, data)),
  });
}
for (const [alg, bits] of [[{ name: 'ECDH', namedCurve: 'P-256' }, 256], [{ name: 'ECDH', namedCurve: 'P-384' }, 384], [{ name: 'ECDH', namedCurve: 'P-521' }, 528], [{ name: 'X25519' }, 256], [{ name: 'X448' }, 448]]) {
  const mine = await s.generateKey(alg, true, ['deriveBits']);
  const peer = await s.generateKey(alg, true, ['deriveBits']);
  out.agreements.push({
    alg, bits,
    pkcs8: b64(await s.exportKey('pkcs8', mine.privateKey)),
    privateJwk: await s.exportKey('jwk', mine.privateKey),
    peerJwk: await s.exportKey('jwk', peer.publicKey),
    peerRaw: b64(await s.exportKey('raw', peer.publicKey)),
    peerSpki: b64(await s.exportKey('spki', peer.publicKey)),
    secret: b64(await s.deriveBits({ name: alg.name, public: peer.publicKey }, mine.privateKey, bits)),
  });
}
for (const [hash, label] of [['SHA-1', new TextEncoder().encode('label')], ['SHA-256', new Uint8Array([0xff, 0, 0x80])], ['SHA-512', new Uint8Array(0)]]) {
  const pair = await s.generateKey({ name: 'RSA-OAEP', modulusLength: 2048, publicExponent, hash }, true, ['encrypt', 'decrypt']);
  out.oaep.push({
    hash, label: b64(label),
    pkcs8: b64(await s.exportKey('pkcs8', pair.privateKey)),
    privateJwk: await s.exportKey('jwk', pair.privateKey),
    spki: b64(await s.exportKey('spki', pair.publicKey)),
    ciphertext: b64(await s.encrypt({ name: 'RSA-OAEP', label }, pair.publicKey, data)),
  });
}
console.log(JSON.stringify(out));
"#;

/// Checks what the producer printed (`v`): imports every key in every
/// format, verifies, signs again, agrees, decrypts; prints the failures.
const KEY_PAIR_CHECKER: &str = r#"
const s = crypto.subtle;
const b64 = (b) => btoa(String.fromCharCode(...new Uint8Array(b)));
const bytes = (t) => Uint8Array.from(atob(t), (c) => c.charCodeAt(0));
const data = new TextEncoder().encode('cross-checked');
const failed = [];
let checks = 0;
const check = (ok, what) => { checks++; if (!ok) failed.push(what); };
for (const k of v.signers) {
  const what = `${k.importAlg.name} ${k.importAlg.namedCurve || k.importAlg.hash || ''} ${k.params.hash || ''}`;
  const fromJwk = await s.importKey('jwk', k.jwk, k.importAlg, true, ['verify']);
  const fromSpki = await s.importKey('spki', bytes(k.spki), k.importAlg, true, ['verify']);
  check(await s.verify(k.params, fromJwk, bytes(k.signature), data), `${what}: verify (jwk)`);
  check(await s.verify(k.params, fromSpki, bytes(k.signature), data), `${what}: verify (spki)`);
  check(!(await s.verify(k.params, fromSpki, bytes(k.signature), new Uint8Array(3))), `${what}: wrong data fails`);
  const fromPkcs8 = await s.importKey('pkcs8', bytes(k.pkcs8), k.importAlg, true, ['sign']);
  const fromPrivateJwk = await s.importKey('jwk', k.privateJwk, k.importAlg, true, ['sign']);
  check(await s.verify(k.params, fromSpki, await s.sign(k.params, fromPkcs8, data), data), `${what}: sign (pkcs8)`);
  check(await s.verify(k.params, fromJwk, await s.sign(k.params, fromPrivateJwk, data), data), `${what}: sign (jwk)`);
  check(b64(await s.exportKey('spki', fromJwk)) === k.spki, `${what}: spki re-export`);
}
for (const a of v.agreements) {
  const what = `${a.alg.name} ${a.alg.namedCurve || ''}`;
  const mine = [await s.importKey('pkcs8', bytes(a.pkcs8), a.alg, false, ['deriveBits']), await s.importKey('jwk', a.privateJwk, a.alg, false, ['deriveBits'])];
  const peers = [await s.importKey('jwk', a.peerJwk, a.alg, true, []), await s.importKey('raw', bytes(a.peerRaw), a.alg, true, []), await s.importKey('spki', bytes(a.peerSpki), a.alg, true, [])];
  for (const key of mine) for (const peer of peers) {
    check(b64(await s.deriveBits({ name: a.alg.name, public: peer }, key, a.bits)) === a.secret, `${what}: shared secret`);
  }
}
for (const o of v.oaep) {
  const alg = { name: 'RSA-OAEP', hash: o.hash };
  const label = bytes(o.label);
  for (const key of [await s.importKey('pkcs8', bytes(o.pkcs8), alg, false, ['decrypt']), await s.importKey('jwk', o.privateJwk, alg, false, ['decrypt'])]) {
    const plain = await s.decrypt({ name: 'RSA-OAEP', label }, key, bytes(o.ciphertext));
    check(new TextDecoder().decode(plain) === 'cross-checked', `RSA-OAEP ${o.hash}: decrypt`);
  }
  const pub = await s.importKey('spki', bytes(o.spki), alg, true, ['encrypt']);
  const again = await s.encrypt({ name: 'RSA-OAEP', label }, pub, data);
  const key = await s.importKey('pkcs8', bytes(o.pkcs8), alg, false, ['decrypt']);
  check(new TextDecoder().decode(await s.decrypt({ name: 'RSA-OAEP', label }, key, again)) === 'cross-checked', `RSA-OAEP ${o.hash}: round trip`);
}
console.log(`checked ${checks}, failed ${JSON.stringify(failed)}`);
"#;

#[test]
fn key_pairs_interoperate_with_node() {
    // nano makes the keys, signatures, secrets and ciphertexts; Node checks.
    let from_nano = nano_script("pairs-nano-to-node", KEY_PAIR_PRODUCER);
    let checked = node(&format!("const v = {from_nano};\n{KEY_PAIR_CHECKER}"));
    assert_eq!(checked, "checked 87, failed []", "Node checking nano");
    // And the other way round.
    let from_node = node(KEY_PAIR_PRODUCER);
    let checked = nano_script("pairs-node-to-nano", &format!("const v = {from_node};\n{KEY_PAIR_CHECKER}"));
    assert_eq!(checked, "checked 87, failed []", "nano checking Node");
}

/// AES-CBC, AES-CTR, AES-GCM with a 192-bit key, a 16-byte IV and a 96-bit
/// tag, and AES-KW wrapping a JWK-exported key: made on one side...
const AES_PRODUCER: &str = r#"
const s = crypto.subtle;
const b64 = (b) => btoa(String.fromCharCode(...new Uint8Array(b)));
const data = new TextEncoder().encode('a plaintext that spans more than two AES blocks');
const out = [];
for (const [params, length] of [
  [{ name: 'AES-CBC', iv: crypto.getRandomValues(new Uint8Array(16)) }, 256],
  [{ name: 'AES-CTR', counter: crypto.getRandomValues(new Uint8Array(16)), length: 32 }, 128],
  [{ name: 'AES-GCM', iv: crypto.getRandomValues(new Uint8Array(16)), tagLength: 96, additionalData: data }, 192],
]) {
  const key = await s.generateKey({ name: params.name, length }, true, ['encrypt', 'decrypt']);
  const encoded = {};
  for (const [k, v] of Object.entries(params)) encoded[k] = v instanceof Uint8Array ? b64(v) : v;
  out.push({ params: encoded, jwk: await s.exportKey('jwk', key), ciphertext: b64(await s.encrypt(params, key, data)) });
}
const kek = await s.generateKey({ name: 'AES-KW', length: 256 }, true, ['wrapKey', 'unwrapKey']);
const wrapped = await s.generateKey({ name: 'AES-GCM', length: 256 }, true, ['encrypt']);
out.push({ kek: await s.exportKey('jwk', kek), wrapped: b64(await s.wrapKey('raw', wrapped, kek, 'AES-KW')), raw: b64(await s.exportKey('raw', wrapped)) });
console.log(JSON.stringify(out));
"#;

/// ...and checked on the other.
const AES_CHECKER: &str = r#"
const s = crypto.subtle;
const b64 = (b) => btoa(String.fromCharCode(...new Uint8Array(b)));
const bytes = (t) => Uint8Array.from(atob(t), (c) => c.charCodeAt(0));
const results = [];
for (const c of v.slice(0, 3)) {
  const params = {};
  for (const [k, x] of Object.entries(c.params)) params[k] = typeof x === 'string' && k !== 'name' ? bytes(x) : x;
  const key = await s.importKey('jwk', c.jwk, c.params.name, false, ['decrypt']);
  results.push(`${c.params.name} ${new TextDecoder().decode(await s.decrypt(params, key, bytes(c.ciphertext))).length}`);
}
const kw = v[3];
const kek = await s.importKey('jwk', kw.kek, 'AES-KW', false, ['unwrapKey']);
const key = await s.unwrapKey('raw', bytes(kw.wrapped), kek, 'AES-KW', 'AES-GCM', true, ['encrypt']);
results.push(`AES-KW ${b64(await s.exportKey('raw', key)) === kw.raw}`);
console.log(results.join(', '));
"#;

#[test]
fn aes_modes_interoperate_with_node() {
    let expected = "AES-CBC 47, AES-CTR 47, AES-GCM 47, AES-KW true";
    let from_nano = nano_script("aes-nano-to-node", AES_PRODUCER);
    assert_eq!(node(&format!("const v = {from_nano};\n{AES_CHECKER}")), expected, "Node checking nano");
    let from_node = node(AES_PRODUCER);
    assert_eq!(
        nano_script("aes-node-to-nano", &format!("const v = {from_node};\n{AES_CHECKER}")),
        expected,
        "nano checking Node"
    );
}
