use crate::common::*;

fn script(name: &str) -> std::path::PathBuf {
    repo_root().join("tests/scripts").join(name)
}

/// Each conformance script runs after `harness.js` (prepended here: scripts
/// are single files), prints `ok <n>` after its last assertion and exits 1
/// with the failing assertion otherwise.
fn run_suite(name: &str) {
    run_suite_with(&[], name);
}

/// A suite with data files (`data`) before it.
fn run_suite_with(data: &[&str], name: &str) {
    let harness = std::fs::read_to_string(script("harness.js")).unwrap();
    let data: Vec<String> = data.iter().map(|d| std::fs::read_to_string(script(d)).unwrap()).collect();
    let suite = format!("{}\n{}", data.join("\n"), std::fs::read_to_string(script(name)).unwrap());
    let path = scratch(&format!("suite-{name}")).join(name);
    std::fs::write(&path, format!("{harness}\n{suite}\ndone();\n")).unwrap();
    let out = exec(&path, &[]);
    let stdout = text(&out.stdout);
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{name} failed:\n{stdout}\n{stderr}");
    assert!(stdout.lines().any(|l| l.starts_with("ok ")), "{name} did not finish:\n{stdout}\n{stderr}");
}

#[test]
fn intl_matches_node() {
    run_suite_with(&["intl_cases.js"], "intl.js");
}
#[test]
fn headers_conformance() {
    run_suite("headers.js");
}
#[test]
fn request_response_conformance() {
    run_suite("request_response.js");
}
#[test]
fn deep_recursion_is_a_range_error() {
    run_suite("deep_recursion.js");
}
#[test]
fn encoding_conformance() {
    run_suite("encoding.js");
}
#[test]
fn legacy_encodings_conformance() {
    run_suite("encoding_legacy.js");
}
#[test]
fn events_and_abort_conformance() {
    run_suite("events_abort.js");
}
#[test]
fn global_error_and_rejection_events_conformance() {
    run_suite("global_events.js");
}
#[test]
fn performance_user_timing_conformance() {
    run_suite("performance.js");
}
#[test]
fn channel_messaging_conformance() {
    run_suite("messaging.js");
}
#[test]
fn timers_and_microtasks_conformance() {
    run_suite("timers.js");
}
#[test]
fn base64_dom_exception_and_globals_conformance() {
    run_suite("globals.js");
}
#[test]
fn url_and_search_params_conformance() {
    run_suite("url.js");
}
#[test]
fn json_stringify_conformance() {
    run_suite("json.js");
}
#[test]
fn objects_sharing_layouts_keep_their_properties() {
    run_suite("object_layouts.js");
}
#[test]
fn structured_clone_conformance() {
    run_suite("clone.js");
}
#[test]
fn web_crypto_known_answers_and_errors() {
    run_suite("crypto.js");
}
#[test]
fn web_crypto_key_pairs() {
    run_suite("crypto_asymmetric.js");
}
#[test]
fn web_crypto_ed448_and_x448() {
    run_suite("crypto_448.js");
}
#[test]
fn web_crypto_aes_modes_wrapping_and_digest_stream() {
    run_suite("crypto_aes.js");
}
#[test]
fn blob_file_and_form_data() {
    run_suite("blob_form_data.js");
}
#[test]
fn readable_streams() {
    run_suite("streams.js");
}
#[test]
fn readable_byte_streams_and_byob_readers() {
    run_suite("byte_streams.js");
}
#[test]
fn writable_transform_streams_and_pipes() {
    run_suite("writable_streams.js");
}

#[test]
fn structured_clone_size_limit_is_configurable() {
    let dir = scratch("clone-limit");
    let path = dir.join("big.js");
    std::fs::write(&path, "try { structuredClone('x'.repeat(2 << 20)); console.log('cloned'); } catch (e) { console.log(e.name, e.message); }\n").unwrap();
    let out = nano().args(["exec", "--clone-limit-mb", "1"]).arg(&path).output().unwrap();
    let stdout = text(&out.stdout);
    assert!(stdout.starts_with("DataCloneError the value is too large to clone"), "{stdout}{}", text(&out.stderr));
    let out = exec(&path, &[]);
    assert_eq!(text(&out.stdout), "cloned\n");
}

#[test]
fn console_prints_to_stdout_and_stderr() {
    let dir = scratch("exec-console");
    let path = dir.join("console.js");
    std::fs::write(
        &path,
        "console.log('out %d', 42); console.error('err', [1, 'a']); console.info({ a: { b: { c: {} } } });",
    )
    .unwrap();
    let out = exec(&path, &[]);
    assert!(out.status.success());
    assert_eq!(text(&out.stdout), "out 42\n{ a: { b: { c: {} } } }\n");
    assert_eq!(text(&out.stderr), "err [ 1, 'a' ]\n");
}

/// Each console method reaches the host with its own WIT log level (they
/// cross by name): debug and info on stdout, warn and error on stderr.
#[test]
fn every_console_level_reaches_the_host() {
    let dir = scratch("exec-console-levels");
    let path = dir.join("levels.js");
    std::fs::write(&path, "console.debug('d'); console.info('i'); console.log('l'); console.warn('w'); console.error('e'); console.assert(false, 'a');").unwrap();
    let out = exec(&path, &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "d\ni\nl\n");
    assert_eq!(text(&out.stderr), "w\ne\nAssertion failed: a\n");
}

#[test]
fn uncaught_exceptions_exit_1_with_message_and_stack() {
    let dir = scratch("exec-throw");
    let path = dir.join("throws.js");
    std::fs::write(
        &path,
        "function inner() { throw new RangeError('bad range'); }\nfunction outer() { inner(); }\nouter();\n",
    )
    .unwrap();
    let out = exec(&path, &[]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("RangeError: bad range"), "{err}");
    assert!(err.contains("at inner") && err.contains("throws.js:1:"), "{err}");
}

#[test]
fn unhandled_rejections_exit_1() {
    let dir = scratch("exec-reject");
    let path = dir.join("rejects.mjs");
    std::fs::write(&path, "await null;\nsetTimeout(() => Promise.reject(new Error('late rejection')), 5);\n").unwrap();
    let out = exec(&path, &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("Uncaught (in promise) Error: late rejection"), "{}", text(&out.stderr));
}

#[test]
fn a_handled_rejection_is_not_reported() {
    let dir = scratch("exec-handled");
    let path = dir.join("handled.js");
    std::fs::write(&path, "const p = Promise.reject(new Error('x'));\np.catch(() => console.log('caught'));\n")
        .unwrap();
    let out = exec(&path, &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "caught\n");
}

#[test]
fn modules_and_scripts_are_told_apart() {
    let dir = scratch("exec-kinds");
    // A module: top-level await works; `this` is undefined.
    let module = dir.join("m.js");
    std::fs::write(
        &module,
        "import.meta;\nconst v = await Promise.resolve(7);\nconsole.log(v, typeof this);\nexport {};\n",
    )
    .unwrap();
    let out = exec(&module, &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "7 undefined\n");
    // A classic script: top-level var is a global property.
    let classic = dir.join("s.js");
    std::fs::write(&classic, "var g = 1;\nconsole.log(globalThis.g, typeof this);\n").unwrap();
    let out = exec(&classic, &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "1 object\n");
}

#[test]
fn exec_runs_until_timers_are_done() {
    let dir = scratch("exec-timers");
    let path = dir.join("t.js");
    std::fs::write(
        &path,
        "let n = 0; const id = setInterval(() => { console.log('tick', ++n); if (n === 3) clearInterval(id); }, 10);\n",
    )
    .unwrap();
    let started = std::time::Instant::now();
    let out = exec(&path, &[]);
    assert!(out.status.success());
    assert_eq!(text(&out.stdout), "tick 1\ntick 2\ntick 3\n");
    assert!(started.elapsed() >= std::time::Duration::from_millis(30));
}

#[test]
fn runaway_scripts_are_stopped_by_the_timeout() {
    let dir = scratch("exec-loop");
    let path = dir.join("loop.js");
    std::fs::write(&path, "while (true) {}\n").unwrap();
    let out = nano().args(["exec", "--timeout", "0.5"]).arg(&path).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("time limit"), "{}", text(&out.stderr));
}

#[test]
fn a_100_mb_digest_works_within_a_raised_memory_limit() {
    let dir = scratch("exec-big-digest");
    let path = dir.join("digest.mjs");
    std::fs::write(
        &path,
        "const d = await crypto.subtle.digest('SHA-256', new Uint8Array(100 << 20));\nconsole.log(Array.from(new Uint8Array(d).slice(0, 4), (b) => b.toString(16).padStart(2, '0')).join(''));\n",
    )
    .unwrap();
    // SHA-256 of 100 MiB of zeros starts 20492a4d.
    let out = nano().args(["exec", "--max-memory-mb", "512"]).arg(&path).output().unwrap();
    assert_eq!(text(&out.stdout), "20492a4d\n", "{}", text(&out.stderr));
    // Under the default 128 MiB it is a clean out-of-memory error, not a trap.
    let out = exec(&path, &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("out of memory"), "{}", text(&out.stderr));
}

#[test]
fn crypto_keys_are_freed_with_their_cryptokey_and_capped() {
    // Each key is host memory outside the instance's limit: collected
    // CryptoKeys free theirs, and at most 65,536 are alive at once.
    let dir = scratch("exec-crypto-keys");
    let path = dir.join("keys.mjs");
    std::fs::write(&path, r#"
for (let i = 0; i < 70000; i++) await crypto.subtle.importKey('raw', new Uint8Array(16), 'AES-GCM', false, ['encrypt']);
console.log('70000 made and dropped');
const kept = [];
try {
  for (let i = 0; i < 70000; i++) kept.push(await crypto.subtle.importKey('raw', new Uint8Array(16), 'AES-GCM', false, ['encrypt']));
} catch (e) { console.log(kept.length, e.name, e.message); }
export {};
"#).unwrap();
    let out = exec(&path, &[]);
    assert_eq!(
        text(&out.stdout),
        "70000 made and dropped\n65536 OperationError an instance can hold at most 65536 keys at once\n",
        "{}",
        text(&out.stderr)
    );
}
