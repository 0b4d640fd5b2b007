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
