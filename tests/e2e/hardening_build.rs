//! What an app's top-level code may do at build time (no randomness frozen
//! into the snapshot, no host objects left in it, no network unless
//! allowed, a time budget apart from the request's), the checked cache, and
//! the duration flags.

use crate::common::*;
use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn write_app(dir: &Path, name: &str, source: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, source).unwrap();
    path
}

/// `nano-host` with a cache directory of the test's own.
fn with_cache(cache: &Path) -> Command {
    let mut cmd = nano();
    cmd.env("NANO_CACHE_DIR", cache);
    cmd
}

/// Runs `cmd` to its exit; a command still running after `limit` (a server
/// that should not have started) fails the test.
fn exit_within(mut cmd: Command, limit: Duration) -> Output {
    let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let deadline = Instant::now() + limit;
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!("still running after {limit:?}:\n{}", text(&out.stderr));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

fn build(app: &Path, args: &[&str]) -> Output {
    let cmd = {
        let mut cmd = nano();
        cmd.arg("build").arg(app).arg("-o").arg(app.with_extension("wasm")).args(args);
        cmd
    };
    exit_within(cmd, Duration::from_secs(120))
}

#[test]
fn randomness_drawn_at_build_time_fails_the_build_at_its_line_and_is_fresh_in_fetch() {
    let dir = scratch("hb-random");
    let cases = [
        (
            "uuid.js",
            "// A per-deployment secret?\nconst prefix = 'session-';\nconst secret = prefix + crypto.randomUUID();\nexport default { fetch() { return new Response(secret); } };\n",
            3,
            "crypto.randomUUID() cannot run at build time",
        ),
        (
            "values.js",
            "var bytes = new Uint8Array(16);\ncrypto.getRandomValues(bytes);\naddEventListener('fetch', (event) => event.respondWith(new Response(bytes.join(','))));\n",
            2,
            "crypto.getRandomValues() cannot run at build time",
        ),
        (
            "key.mjs",
            "const key = await crypto.subtle.generateKey({ name: 'HMAC', hash: 'SHA-256' }, true, ['sign']);\nexport default { fetch() { return new Response('signed'); } };\n",
            1,
            "crypto.subtle.generateKey() cannot run at build time",
        ),
    ];
    for (name, source, line, message) in cases {
        let path = write_app(&dir, name, source);
        let res = build(&path, &[]);
        let err = text(&res.stderr);
        assert_eq!(res.status.code(), Some(1), "{name}: {err}");
        assert!(err.contains(&format!("{}:{line}:", path.display())), "{name}: no location: {err}");
        assert!(err.contains(&format!("Error: {message}")) && err.contains("call it inside fetch()"), "{name}: {err}");
        assert!(!path.with_extension("wasm").exists(), "{name}: a component was written");
    }

    // The same calls made lazily, at request time, work and differ per request.
    let lazy = write_app(
        &dir,
        "lazy.js",
        "const token = () => crypto.randomUUID();\nconst buffer = new Uint8Array(8);\nexport default {\n  async fetch() {\n    crypto.getRandomValues(buffer);\n    const key = await crypto.subtle.generateKey({ name: 'HMAC', hash: 'SHA-256' }, true, ['sign']);\n    const raw = new Uint8Array(await crypto.subtle.exportKey('raw', key));\n    return new Response(`${token()} ${buffer.join(',')} ${raw.join(',')}`);\n  },\n};\n",
    );
    let server = Server::start(&lazy);
    let bodies: Vec<String> = (0..3).map(|_| server.get("/").text()).collect();
    for body in &bodies {
        assert_eq!(body.split(' ').count(), 3, "{body}");
    }
    for part in 0..3 {
        let values: BTreeSet<&str> = bodies.iter().map(|b| b.split(' ').nth(part).unwrap()).collect();
        assert_eq!(values.len(), 3, "part {part} repeated across requests: {bodies:?}");
    }
}

/// Builds each app, which must fail with exit 1, naming every `needles` in
/// the error, and write nothing.
fn assert_build_fails(dir: &Path, name: &str, source: &str, needles: &[&str]) {
    let path = write_app(dir, name, source);
    let res = build(&path, &[]);
    let err = text(&res.stderr);
    assert_eq!(res.status.code(), Some(1), "{name}: {err}");
    for needle in needles {
        let needle = needle.replace("{path}", &path.display().to_string());
        assert!(err.contains(&needle), "{name}: no `{needle}` in: {err}");
    }
    assert!(!err.contains("panicked") && !err.contains("wasm backtrace"), "{name}: {err}");
    assert!(!path.with_extension("wasm").exists(), "{name}: a component was written");
}

const IMPORT_HMAC_KEY: &str =
    "crypto.subtle.importKey('raw', new TextEncoder().encode('Jefe'), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])";

#[test]
fn host_objects_made_by_top_level_code_fail_the_build_at_their_line() {
    let dir = scratch("hb-host-objects");
    let refused = "TypeError: crypto.subtle.importKey cannot run at build time (top-level code): the key would not exist at request time; create it inside fetch()";
    // Awaited in a module: the module's own failure, at the call's line.
    assert_build_fails(
        &dir,
        "awaited.mjs",
        &format!("const name = 'HMAC';\nconst key = await {IMPORT_HMAC_KEY};\nexport default {{ fetch() {{ return new Response(name); }} }};\n"),
        &["{path}:2:", refused],
    );
    // Not awaited, in a module and in a classic script (whose queued work
    // runs at build time too): an unhandled rejection, at the same line.
    assert_build_fails(
        &dir,
        "unawaited.mjs",
        &format!("let key;\n{IMPORT_HMAC_KEY}.then((k) => {{ key = k; }});\nexport default {{ fetch() {{ return new Response(String(key)); }} }};\n"),
        &["Uncaught (in promise) {path}:2:", refused],
    );
    assert_build_fails(
        &dir,
        "unawaited.js",
        &format!("var key;\n\n{IMPORT_HMAC_KEY}.then(function (k) {{ key = k; }});\naddEventListener('fetch', (event) => event.respondWith(new Response(String(key))));\n"),
        &["Uncaught (in promise) {path}:3:", refused],
    );
    // Streams that hold a host object once written to, left open when the
    // top-level code ends; and a fetch nobody awaited.
    let left_open = "the top-level code left objects open in the host when it ended: 1 × ";
    assert_build_fails(
        &dir,
        "digest.mjs",
        "const digest = new crypto.DigestStream('SHA-256');\nawait digest.getWriter().write(new Uint8Array([1, 2, 3]));\nexport default { fetch() { return new Response('x'); } };\n",
        &["{path}: ", &format!("{left_open}crypto.DigestStream written to but not closed"), "create them inside fetch()"],
    );
    assert_build_fails(
        &dir,
        "gzip.mjs",
        "const gzip = new CompressionStream('gzip');\ngzip.writable.getWriter().write(new Uint8Array(1000));\nawait gzip.readable.getReader().read();\nexport default { fetch() { return new Response('x'); } };\n",
        &["{path}: ", &format!("{left_open}CompressionStream or DecompressionStream written to but not closed")],
    );
    assert_build_fails(
        &dir,
        "fetch.mjs",
        "fetch('http://127.0.0.1:9/warm-up');\nexport default { fetch() { return new Response('x'); } };\n",
        &["{path}: ", &format!("{left_open}fetch() still waiting for its response")],
    );
}

#[test]
fn a_build_time_fetch_must_read_its_body_to_the_end_or_cancel_it() {
    // A server answering every connection with the same small body.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().map_while(Result::ok) {
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).unwrap_or(0) == 1 {
                head.push(byte[0]);
            }
            let _ = stream.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 6\r\nconnection: close\r\n\r\nconfig");
        }
    });
    let dir = scratch("hb-fetch-body");
    let allow = format!("127.0.0.1:{port}");
    let net = ["--allow-net", "--allow-host", allow.as_str()];
    let url = format!("http://127.0.0.1:{port}/");
    let cases = [
        (
            "unread.mjs",
            "const status = response.status;",
            Some("1 × fetch() response body not read to its end (read it whole or cancel it)"),
        ),
        ("cancelled.mjs", "const status = response.status;\nawait response.body.cancel();", None),
        ("read.mjs", "const status = await response.text();", None),
    ];
    for (name, then, left) in cases {
        let path = write_app(
            &dir,
            name,
            &format!("const response = await fetch('{url}');\n{then}\nexport default {{ fetch() {{ return new Response(String(status)); }} }};\n"),
        );
        let res = build(&path, &net);
        let err = text(&res.stderr);
        match left {
            Some(left) => {
                assert_eq!(res.status.code(), Some(1), "{name}: {err}");
                assert!(
                    err.contains(&format!("{}: the top-level code left objects open in the host", path.display())),
                    "{name}: {err}"
                );
                assert!(err.contains(left), "{name}: {err}");
            }
            None => {
                assert!(res.status.success(), "{name}: {err}");
                let server = Server::start(&path.with_extension("wasm"));
                let expected = if name == "read.mjs" { "config" } else { "200" };
                assert_eq!(server.get("/").text(), expected, "{name}");
            }
        }
    }
}

#[test]
fn keys_made_in_fetch_and_streams_made_at_the_top_level_work_in_every_request() {
    let dir = scratch("hb-host-objects-ok");
    // RFC 4231 test case 2, with the key imported per request. A DigestStream
    // and a CompressionStream made at the top level but first written in
    // fetch() get host objects of each request's own (two requests each), and
    // a body compressed at the top level (closed there) is in the snapshot.
    let app = write_app(
        &dir,
        "app.mjs",
        &format!(
            r#"const hex = (buffer) => Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, '0')).join('');
const text = 'nano '.repeat(1000);
const digest = new crypto.DigestStream('SHA-256');
const gzip = new CompressionStream('gzip');
const gunzip = (bytes) => new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'))).text();
const atBuild = new Uint8Array(await new Response(new Blob([text]).stream().pipeThrough(new CompressionStream('gzip'))).arrayBuffer());
const oneShot = hex(await crypto.subtle.digest('SHA-256', new TextEncoder().encode('abc')));
export default {{
  async fetch(request) {{
    const path = new URL(request.url).pathname;
    if (path === '/hmac') {{
      const key = await {IMPORT_HMAC_KEY};
      return new Response(hex(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode('what do ya want for nothing?'))));
    }}
    if (path === '/digest') {{
      const writer = digest.getWriter();
      await writer.write(new TextEncoder().encode('abc'));
      await writer.close();
      return new Response(hex(await digest.digest) + ' ' + oneShot);
    }}
    if (path === '/gzip') {{
      const compressed = await new Response(new Blob([text]).stream().pipeThrough(gzip)).arrayBuffer();
      return new Response(String((await gunzip(compressed)) === text));
    }}
    return new Response(String((await gunzip(atBuild)) === text && atBuild.length < text.length));
  }},
}};
"#
        ),
    );
    let server = Server::start(&app);
    let sha256_abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    for _ in 0..2 {
        assert_eq!(server.get("/hmac").text(), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
        assert_eq!(server.get("/digest").text(), format!("{sha256_abc} {sha256_abc}"));
        assert_eq!(server.get("/gzip").text(), "true");
        assert_eq!(server.get("/at-build").text(), "true");
    }
    let (_, log) = server.terminate();
    assert!(!log.contains("ERROR"), "{log}");
}

#[test]
fn the_build_has_no_network_unless_allowed() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let dir = scratch("hb-net");
    let path = write_app(
        &dir,
        "config.js",
        &format!("const response = await fetch('http://127.0.0.1:{port}/config');\nconst config = await response.text();\nexport default {{ fetch() {{ return new Response(config); }} }};\n"),
    );

    let res = build(&path, &[]);
    let err = text(&res.stderr);
    assert_eq!(res.status.code(), Some(1), "{err}");
    assert!(err.contains("no network access") && err.contains("--allow-net"), "{err}");
    // `run` builds the same way.
    let mut run = nano();
    run.arg("run").arg(&path).arg("--listen").arg("127.0.0.1:0");
    let res = exit_within(run, Duration::from_secs(60));
    assert_eq!(res.status.code(), Some(1), "{}", text(&res.stderr));
    assert!(text(&res.stderr).contains("no network access"), "{}", text(&res.stderr));
    // Nothing connected: a connection would still be waiting in the backlog.
    listener.set_nonblocking(true).unwrap();
    assert!(listener.accept().is_err_and(|e| e.kind() == std::io::ErrorKind::WouldBlock), "the build connected");

    listener.set_nonblocking(false).unwrap();
    let connections = Arc::new(AtomicUsize::new(0));
    let counted = connections.clone();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().map_while(Result::ok) {
            counted.fetch_add(1, Ordering::SeqCst);
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).unwrap_or(0) == 1 {
                head.push(byte[0]);
            }
            let _ =
                stream.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 13\r\nconnection: close\r\n\r\nremote config");
        }
    });
    let allow_host = format!("127.0.0.1:{port}");
    let res = build(&path, &["--allow-net", "--allow-host", &allow_host]);
    assert!(res.status.success(), "{}", text(&res.stderr));
    assert_eq!(connections.load(Ordering::SeqCst), 1);
    let server = Server::start(&path.with_extension("wasm"));
    assert_eq!(server.get("/").text(), "remote config");
}

#[test]
fn the_build_has_its_own_time_budget() {
    let dir = scratch("hb-build-timeout");
    let quick = write_app(&dir, "quick.js", "export default { fetch() { return new Response('quick'); } };\n");
    // A fresh cache, so the app is really built, under a 50 ms request timeout.
    let server = Server::start_with(&quick, &["--timeout", "0.05"], with_cache(&dir.join("cache")));
    assert_eq!(server.get("/").text(), "quick");
    drop(server);

    let waits = write_app(&dir, "waits.js", "await new Promise((resolve) => setTimeout(resolve, 30000));\nexport default { fetch() { return new Response('late'); } };\n");
    let spins = write_app(
        &dir,
        "spins.js",
        "for (;;) {}\naddEventListener('fetch', (event) => event.respondWith(new Response('never')));\n",
    );
    for path in [waits, spins] {
        let started = Instant::now();
        let res = build(&path, &["--build-timeout", "0.5"]);
        let err = text(&res.stderr);
        assert_eq!(res.status.code(), Some(1), "{err}");
        assert!(err.contains("did not finish within the build timeout (0.5 s, --build-timeout)"), "{err}");
        assert!(started.elapsed() < Duration::from_secs(20), "took {:?}", started.elapsed());
    }
}

#[test]
fn duration_flags_refuse_non_finite_negative_and_absurd_values() {
    let quick = write_app(
        &scratch("hb-durations"),
        "quick.js",
        "export default { fetch() { return new Response('quick'); } };\n",
    );
    let cases = [
        ("--timeout", "inf"),
        ("--timeout", "nan"),
        ("--timeout", "-1"),
        ("--timeout", "1e300"),
        ("--fetch-timeout", "inf"),
        ("--fetch-connect-timeout", "-0.5"),
        ("--build-timeout", "NaN"),
        ("--timeout", "soon"),
    ];
    for (flag, value) in cases {
        let mut cmd = nano();
        cmd.arg("run").arg(&quick).arg("--listen").arg("127.0.0.1:0").arg(flag).arg(value);
        let res = exit_within(cmd, Duration::from_secs(60));
        let err = text(&res.stderr);
        assert_eq!(res.status.code(), Some(2), "{flag} {value}: {err}");
        assert!(err.contains(&format!("invalid value '{value}' for '{flag}")), "{flag} {value}: {err}");
        assert!(err.contains("expected a number of seconds from 0 to 604800"), "{flag} {value}: {err}");
        assert!(!err.contains("panicked"), "{flag} {value}: {err}");
    }
}

fn entries(cache: &Path, kind: &str) -> BTreeSet<PathBuf> {
    std::fs::read_dir(cache.join(kind)).map(|d| d.map(|e| e.unwrap().path()).collect()).unwrap_or_default()
}

fn only(set: BTreeSet<PathBuf>) -> PathBuf {
    assert_eq!(set.len(), 1, "{set:?}");
    set.into_iter().next().unwrap()
}

/// Serves `app` once with the cache at `cache`: the body of `/` and the log.
fn serve_once(app: &Path, cache: &Path) -> (String, String) {
    let server = Server::start_with(app, &[], with_cache(cache));
    let body = server.get("/").text();
    let (_, log) = server.terminate();
    (body, log)
}

#[test]
fn a_cache_entry_copied_over_another_is_rebuilt_not_loaded() {
    let dir = scratch("hb-cache-swap");
    let cache = dir.join("cache");
    let a = write_app(&dir, "a.js", "export default { fetch() { return new Response('served by a'); } };\n");
    let b = write_app(&dir, "b.js", "export default { fetch() { return new Response('served by b'); } };\n");
    assert_eq!(serve_once(&a, &cache).0, "served by a");
    let (a_compiled, a_built) = (only(entries(&cache, "compiled")), only(entries(&cache, "apps")));
    assert_eq!(serve_once(&b, &cache).0, "served by b");
    let b_compiled = only(&entries(&cache, "compiled") - &BTreeSet::from([a_compiled.clone()]));
    let b_built = only(&entries(&cache, "apps") - &BTreeSet::from([a_built.clone()]));

    // b's compiled code in a's place: a's is compiled again.
    std::fs::copy(&b_compiled, &a_compiled).unwrap();
    let (body, log) = serve_once(&a, &cache);
    assert_eq!(body, "served by a", "{log}");
    assert!(log.contains(&format!("not loading the cache entry {}", a_compiled.display())), "{log}");
    let (body, log) = serve_once(&a, &cache);
    assert_eq!(body, "served by a");
    assert!(!log.contains("not loading the cache entry"), "the rebuilt entry is not trusted: {log}");

    // b's built app in a's place: a is built again.
    std::fs::copy(&b_built, &a_built).unwrap();
    let (body, log) = serve_once(&a, &cache);
    assert_eq!(body, "served by a", "{log}");
    assert!(log.contains(&format!("not loading the cache entry {}", a_built.display())), "{log}");
}

#[test]
fn cache_files_are_private_and_open_or_linked_entries_are_not_loaded() {
    let cache = scratch("hb-cache-modes"); // made 0755 by the test: nano narrows it
    let app = write_app(&cache, "app.js", "export default { fetch() { return new Response('private'); } };\n");
    assert_eq!(serve_once(&app, &cache).0, "private");
    let mode = |path: &Path| std::fs::symlink_metadata(path).unwrap().mode() & 0o7777;
    for dir in [cache.clone(), cache.join("compiled"), cache.join("apps")] {
        assert_eq!(mode(&dir), 0o700, "{}", dir.display());
    }
    let compiled = only(entries(&cache, "compiled"));
    let built = only(entries(&cache, "apps"));
    for file in [cache.join("key"), compiled.clone(), built] {
        assert_eq!(mode(&file), 0o600, "{}", file.display());
    }

    std::fs::set_permissions(&compiled, std::fs::Permissions::from_mode(0o666)).unwrap();
    let (body, log) = serve_once(&app, &cache);
    assert_eq!(body, "private");
    assert!(
        log.contains(&format!("not loading the cache entry {}", compiled.display())) && log.contains("mode 666"),
        "{log}"
    );
    assert_eq!(mode(&compiled), 0o600);

    // A symbolic link to a valid entry is still not followed.
    let stash = cache.join("stash.cwasm");
    std::fs::rename(&compiled, &stash).unwrap();
    std::os::unix::fs::symlink(&stash, &compiled).unwrap();
    let (body, log) = serve_once(&app, &cache);
    assert_eq!(body, "private");
    assert!(
        log.contains(&format!("not loading the cache entry {}: it is a symbolic link", compiled.display())),
        "{log}"
    );
    assert!(std::fs::symlink_metadata(&compiled).unwrap().is_file(), "the link was not replaced");
}
