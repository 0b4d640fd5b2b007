//! `WebAssembly` in the guest (wasmi): modules written in the text format
//! here, assembled at test time and handed to JS scripts as byte arrays; an
//! npm package that ships a `.wasm` (hash-wasm) against Node's digests; a
//! module past the memory limit failing cleanly; an instance made by
//! top-level code living on in the snapshot.

use crate::common::*;
use std::path::Path;
use std::process::Command;

/// The module most of the suite uses: JS imports, an exported memory,
/// globals, a table, traps, i64 and several results, a custom section.
const MAIN: &str = r#"
(module
  (import "env" "add" (func $add (param i32 i32) (result i32)))
  (import "env" "fail" (func $fail))
  (memory (export "mem") 1 4)
  (global $counter (export "counter") (mut i32) (i32.const 7))
  (global (export "big") (mut i64) (i64.const 0))
  (table (export "table") 2 funcref)
  (elem (i32.const 0) $double)
  (@custom "note" "hello from a custom section")
  (func $double (export "double") (param i32) (result i32) (i32.mul (local.get 0) (i32.const 2)))
  (func (export "callAdd") (param i32 i32) (result i32) (call $add (local.get 0) (local.get 1)))
  (func (export "callFail") (call $fail))
  (func (export "recurse") (param i32) (result i32) (call $add (local.get 0) (i32.const 1)))
  (func (export "sum") (param $n i32) (result i32) (local $i i32) (local $s i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $s (i32.add (local.get $s) (i32.load8_u (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $s))
  (func (export "fill") (param $v i32) (param $n i32) (memory.fill (i32.const 0) (local.get $v) (local.get $n)))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "trap") (unreachable))
  (func (export "div") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
  (func (export "add64") (param i64 i64) (result i64) (i64.add (local.get 0) (local.get 1)))
  (func (export "f32") (param f32) (result f32) (local.get 0))
  (func (export "swap") (param i32 f64) (result f64 i32) (local.get 1) (local.get 0))
  (func (export "callTable") (param i32 i32) (result i32)
    (call_indirect (param i32) (result i32) (local.get 1) (local.get 0)))
  (func (export "incr") (global.set $counter (i32.add (global.get $counter) (i32.const 1)))))
"#;

/// Imports a memory and globals made in JS.
const IMPORTER: &str = r#"
(module
  (import "js" "mem" (memory 1))
  (import "js" "g" (global $g i32))
  (import "js" "mg" (global $mg (mut i32)))
  (import "js" "n" (global $n i32))
  (func (export "read") (param i32) (result i32) (i32.load (local.get 0)))
  (func (export "getG") (result i32) (global.get $g))
  (func (export "getN") (result i32) (global.get $n))
  (func (export "bump") (global.set $mg (i32.add (global.get $mg) (i32.const 1)))))
"#;

/// A start function that sets a global.
const START: &str = r#"
(module
  (global $value (export "value") (mut i32) (i32.const 0))
  (func $start (global.set $value (i32.const 99)))
  (start $start))
"#;

/// A start function that calls a JS import (not supported: see DEVIATIONS.md).
const START_JS: &str = r#"
(module
  (import "env" "f" (func $f))
  (func $start (call $f))
  (start $start))
"#;

/// Well-formed but invalid: an i64 where an i32 is returned.
const INVALID: &str = r#"(module (func (result i32) (i64.const 1)))"#;

/// Grows its memory a page at a time until refused; and a module whose
/// memory starts past any budget the tests give.
const GREEDY: &str = r#"
(module
  (memory (export "mem") 1)
  (func (export "growAll") (result i32) (local $pages i32)
    (block $refused
      (loop $more
        (br_if $refused (i32.eq (memory.grow (i32.const 16)) (i32.const -1)))
        (br $more)))
    (memory.size)))
"#;
const HUGE: &str = r#"(module (memory (export "mem") 2000))"#;

/// A loop of `n` iterations (adds, a multiply, a compare and a branch each),
/// the same as the JS one the benchmark compares it with.
const LOOP: &str = r#"
(module
  (func (export "run") (param $n i32) (result i32) (local $i i32) (local $acc i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $acc (i32.add (i32.mul (local.get $acc) (i32.const 31)) (local.get $i)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $acc)))
"#;

/// `const WASM = { name: new Uint8Array([...]), ... };` for the modules.
fn wasm_prelude(modules: &[(&str, &str)]) -> String {
    let mut out = String::from("const WASM = {\n");
    for (name, text) in modules {
        let bytes = wat::parse_str(text).unwrap_or_else(|e| panic!("assembling {name}: {e}"));
        let list: Vec<String> = bytes.iter().map(u8::to_string).collect();
        out.push_str(&format!("  {name}: new Uint8Array([{}]),\n", list.join(",")));
    }
    out.push_str("};\n");
    out
}

/// Runs `script` (harness and modules prepended) with `nano-host exec`.
fn run_script(name: &str, modules: &[(&str, &str)], script: &str, flags: &[&str]) -> (String, String) {
    let harness = std::fs::read_to_string(repo_root().join("tests/scripts/harness.js")).unwrap();
    let path = scratch(&format!("wasm-{name}")).join(format!("{name}.js"));
    std::fs::write(&path, format!("{}\n{harness}\n{script}\ndone();\n", wasm_prelude(modules))).unwrap();
    let out = nano().arg("exec").args(flags).arg(&path).output().expect("running nano-host exec");
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{name} failed:\n{stdout}\n{stderr}");
    assert!(stdout.lines().any(|l| l.starts_with("ok ")), "{name} did not finish:\n{stdout}\n{stderr}");
    (stdout, stderr)
}

#[test]
fn webassembly_js_api_conformance() {
    let suite = std::fs::read_to_string(repo_root().join("tests/scripts/webassembly.js")).unwrap();
    let modules =
        [("main", MAIN), ("importer", IMPORTER), ("start", START), ("startJs", START_JS), ("invalid", INVALID)];
    run_script("suite", &modules, &suite, &[]);
}

#[test]
fn a_module_past_the_memory_limit_fails_cleanly() {
    // 64 MiB of linear memory: nested memories may take half of it.
    let script = r#"
      assertThrows(() => new WebAssembly.Memory({ initial: 2000 }), 'RangeError', 'a Memory past the budget');
      const huge = new WebAssembly.Module(WASM.huge);
      assertThrows(() => new WebAssembly.Instance(huge), 'RangeError', 'a module whose memory is past the budget');
      const { exports } = new WebAssembly.Instance(new WebAssembly.Module(WASM.greedy));
      const pages = exports.growAll();
      assert(pages > 16 && pages <= 512, `grew to ${pages} pages, then memory.grow returned -1`);
      assertEq(exports.mem.buffer.byteLength, pages * 65536);
      assertThrows(() => exports.mem.grow(1000), 'RangeError');
      // The instance goes on: JS can still allocate and wasm still runs.
      const text = 'x'.repeat(1 << 20);
      assertEq(text.length, 1 << 20);
      assertEq(new WebAssembly.Instance(new WebAssembly.Module(WASM.greedy)).exports.mem.buffer.byteLength > 0, true);
    "#;
    run_script("memory-limit", &[("huge", HUGE), ("greedy", GREEDY)], script, &["--max-memory-mb", "64"]);
}

#[test]
fn a_module_over_the_size_limit_is_a_range_error() {
    let script = r#"
      const big = new Uint8Array(16 * 1024 * 1024 + 1);
      big.set([0, 97, 115, 109, 1, 0, 0, 0]);
      assertThrows(() => new WebAssembly.Module(big), 'RangeError');
      assertThrows(() => WebAssembly.validate(big), 'RangeError');
    "#;
    run_script("size-limit", &[], script, &[]);
}

/// Prints the interpreter's speed next to the same loop in JS (QuickJS):
/// the figure README quotes. Run with --nocapture to see it.
#[test]
fn interpreter_speed_next_to_js() {
    let script = r#"
      const n = 5_000_000;
      const { exports } = new WebAssembly.Instance(new WebAssembly.Module(WASM.loop));
      function run(n) { let acc = 0; for (let i = 0; i < n; i++) acc = (Math.imul(acc, 31) + i) | 0; return acc; }
      let t = performance.now();
      const fromWasm = exports.run(n);
      const wasmMs = performance.now() - t;
      t = performance.now();
      const fromJs = run(n);
      const jsMs = performance.now() - t;
      assertEq(fromWasm, fromJs);
      console.log(`loop of ${n} iterations: wasmi ${wasmMs.toFixed(0)} ms, QuickJS ${jsMs.toFixed(0)} ms (${(jsMs / wasmMs).toFixed(1)}x)`);
    "#;
    let (stdout, _) = run_script("speed", &[("loop", LOOP)], script, &[]);
    println!("{}", stdout.lines().find(|l| l.starts_with("loop of")).unwrap_or_default());
}

/// An instance made by top-level code is in the snapshot: every request
/// finds it as the build left it (and its memory fresh again).
#[test]
fn an_instance_made_at_build_time_lives_in_the_snapshot() {
    let dir = scratch("wasm-snapshot");
    let bytes = wat::parse_str(MAIN).unwrap();
    let list: Vec<String> = bytes.iter().map(u8::to_string).collect();
    let app = r#"
const bytes = new Uint8Array([BYTES]);
const { instance } = await WebAssembly.instantiate(bytes, {
  env: { add: (a, b) => a * 1000 + b, fail() { throw new Error('no'); } },
});
const view = new Uint8Array(instance.exports.mem.buffer);
view[0] = 5;
instance.exports.incr();
export default {
  fetch() {
    const before = [view[0], instance.exports.counter.value];
    instance.exports.fill(9, 1);
    instance.exports.incr();
    const grew = instance.exports.mem.grow(1);
    return Response.json({ before, after: [new Uint8Array(instance.exports.mem.buffer)[0], instance.exports.counter.value],
      call: instance.exports.callAdd(2, 3), grew, detached: view.length === 0 });
  },
};
"#
    .replace("BYTES", &list.join(","));
    std::fs::write(dir.join("app.js"), app).unwrap();
    let server = Server::start(&dir.join("app.js"));
    for _ in 0..3 {
        let response = server.get("/");
        assert_eq!(response.status, 200, "{}", server.log());
        assert_eq!(response.text(), r#"{"before":[5,8],"after":[9,9],"call":2003,"grew":1,"detached":true}"#);
    }
}

/// hash-wasm from the npm registry (its .wasm embedded, loaded with
/// WebAssembly.instantiate), imported by an app as people write it, gives
/// Node's digests.
#[test]
fn hash_wasm_from_npm_gives_nodes_digests() {
    let dir = scratch("wasm-hash-wasm");
    std::fs::write(
        dir.join("package.json"),
        r#"{ "name": "hash-app", "type": "module", "dependencies": { "hash-wasm": "4" } }"#,
    )
    .unwrap();
    npm_install(&dir);
    let inputs = ["", "abc", "The quick brown fox jumps over the lazy dog", &"a".repeat(100_000)];
    let script = format!(
        r#"
import {{ sha256, sha1, md5, xxhash64, blake3, crc32 }} from 'hash-wasm';
const inputs = {inputs:?};
for (const input of inputs) {{
  console.log(JSON.stringify([await sha256(input), await sha1(input), await md5(input), await xxhash64(input), await blake3(input), await crc32(input)]));
}}
"#
    );
    std::fs::write(dir.join("hashes.js"), &script).unwrap();
    let out = exec(&dir.join("hashes.js"), &[]);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{stdout}\n{stderr}");
    let ours: Vec<&str> = stdout.lines().filter(|l| l.starts_with('[')).collect();
    assert_eq!(ours.len(), inputs.len(), "{stdout}\n{stderr}");
    for (input, line) in inputs.iter().zip(&ours) {
        for (algorithm, digest) in ["sha256", "sha1", "md5"].iter().zip(line.trim_matches(['[', ']']).split(',')) {
            assert_eq!(digest.trim_matches('"'), node_digest(algorithm, input), "{algorithm} of {} bytes", input.len());
        }
    }
    // Node has no xxhash64, blake3 or crc32: their standard vectors for "abc".
    let abc: Vec<&str> = ours[1].trim_matches(['[', ']']).split(',').map(|d| d.trim_matches('"')).collect();
    assert_eq!(abc[3], "44bc2cf5ad770999", "xxhash64('abc')");
    assert_eq!(abc[4], "6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85", "blake3('abc')");
    assert_eq!(abc[5], "352441c2", "crc32('abc')");

    // The same package in a served app, its instance made at request time.
    std::fs::write(
        dir.join("app.js"),
        "import { sha256 } from 'hash-wasm';\nexport default { async fetch(request) { return new Response(await sha256(await request.text())); } };\n",
    )
    .unwrap();
    let server = Server::start(&dir.join("app.js"));
    for input in ["abc", "nano"] {
        let response = server.request("POST", "/", &[], input.as_bytes());
        assert_eq!(response.status, 200, "{}", server.log());
        assert_eq!(response.text(), node_digest("sha256", input));
    }
}

fn npm_install(dir: &Path) {
    let out = Command::new("npm")
        .args(["install", "--no-audit", "--no-fund", "--no-package-lock"])
        .current_dir(dir)
        .output()
        .expect("running npm (the test installs hash-wasm from the npm registry)");
    assert!(out.status.success(), "npm install failed:\n{}{}", text(&out.stdout), text(&out.stderr));
}

/// Node's hex digest of `input` (UTF-8).
fn node_digest(algorithm: &str, input: &str) -> String {
    let out = Command::new("node")
        .args([
            "-e",
            "process.stdout.write(require('crypto').createHash(process.argv[1]).update(process.argv[2]).digest('hex'))",
        ])
        .arg(algorithm)
        .arg(input)
        .output()
        .expect("running node");
    assert!(out.status.success(), "{}", text(&out.stderr));
    text(&out.stdout)
}
