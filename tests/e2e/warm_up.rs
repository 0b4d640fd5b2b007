//! The build's warm-up requests (`build --warm-up`, `[app.build] warm_up`):
//! what the handler makes lazily on its first request goes into the
//! snapshot, nothing of the warm-up's own request does, and a warm-up that
//! fails fails the build.

use crate::common::*;
use crate::cost::fuel_of_requests;
use std::path::Path;

/// A handler that builds a table on its first request, as a router does.
const LAZY: &str = r#"
let table = null;
export default {
  fetch(request) {
    if (table === null) {
      table = new Map();
      for (let i = 0; i < 2000; i++) table.set(`k${i}`, { i, s: String(i).repeat(3) });
    }
    return new Response(`${table.size} entries for ${new URL(request.url).pathname}`);
  },
};
"#;

#[test]
fn a_warm_up_puts_what_the_handler_builds_lazily_into_the_snapshot() {
    let dir = scratch("warm-up-cost");
    let app = dir.join("lazy.js");
    std::fs::write(&app, LAZY).unwrap();
    let (cold, responses) = fuel_of_requests(&app, &dir.join("cold.wasm"), &[], "/a", 3);
    assert_eq!(responses[0], (200, "2000 entries for /a".to_string()));
    let (warm, responses) = fuel_of_requests(&app, &dir.join("warm.wasm"), &["--warm-up", "/warm"], "/a", 3);
    assert_eq!(responses[2], (200, "2000 entries for /a".to_string()));
    println!("fuel per request: without a warm-up {cold:?}, with one {warm:?}");
    // Measured: ≈ 19.0M against ≈ 130k.
    assert!(warm[2] * 20 < cold[2], "the warm-up saved nothing: {warm:?} against {cold:?}");
}

/// The warm-up request leaves its marks in the app's own state (counted by
/// `calls`, and what it stored), but none of the platform's: its env was
/// empty (a secret never reaches the snapshot), the timer it left never
/// fires, the top-level code's timer did not run during it, the message it
/// posted was delivered, a Response the app returns to everyone is unread,
/// console's counter and group are a request's own.
#[test]
fn a_warm_up_leaves_nothing_of_the_platform_to_requests() {
    let dir = scratch("warm-up-state");
    std::fs::write(
        dir.join("app.js"),
        r#"
let calls = 0;
let warmEnv = null;
let warmUrl = null;
const page = new Response('the same page for everyone');
const { port1, port2 } = new MessageChannel();
const got = [];
port1.onmessage = (e) => got.push(e.data);
setTimeout(() => { globalThis.topFired = true; }, 0);
export default {
  async fetch(request, env, ctx) {
    calls++;
    const { pathname } = new URL(request.url);
    if (pathname === '/warm') {
      warmEnv = env;
      warmUrl = request.url + ' ' + request.headers.get('host');
      setTimeout(() => globalThis.wake?.(), 30);
      ctx.waitUntil(new Promise((r) => setTimeout(r, 5)).then(() => { globalThis.waited = true; }));
      port2.postMessage('warm');
      console.count('hits');
      console.group('warm');
      return new Response('warm');
    }
    if (pathname === '/page') return page;
    if (pathname === '/hang') return new Promise((r) => { globalThis.wake = () => r(new Response('woken')); });
    console.count('hits');
    return Response.json({
      calls, warmUrl, warmEnv: Object.keys(warmEnv), env: Object.keys(env), waited: globalThis.waited ?? false,
      topFired: globalThis.topFired ?? false, got,
    });
  },
};
"#,
    )
    .unwrap();
    let manifest = dir.join("nano.toml");
    std::fs::write(
        &manifest,
        "[[app]]\nname = \"app\"\nsource = \"app.js\"\nroutes = [\"/\"]\nvars = { SECRET_NAME = \"x\" }\n[app.build]\nwarm_up = [\"/warm?a=1\", \"/page\"]\n",
    )
    .unwrap();
    // A cache of its own: the build's log line below is only written by a
    // build, and the shared cache may hold this app from an earlier run.
    let mut cmd = nano();
    cmd.env("NANO_CACHE_DIR", dir.join("cache"));
    let server = Server::start_with(&manifest, &[], cmd);
    let expected = r#"{"calls":3,"warmUrl":"http://localhost/warm?a=1 localhost","warmEnv":[],"env":["SECRET_NAME"],"waited":true,"topFired":false,"got":["warm"]}"#;
    for _ in 0..2 {
        let res = server.get("/state");
        assert_eq!((res.status, res.text().as_str()), (200, expected));
        let page = server.get("/page");
        assert_eq!((page.status, page.text().as_str()), (200, "the same page for everyone"));
    }
    // Nothing wakes it: the warm-up's timer is gone, so the loop is empty.
    let hang = server.get("/hang");
    assert_eq!(hang.status, 500, "{}", hang.text());
    let log = server.wait_for_log("the fetch handler did not produce a response");
    let lines: Vec<&str> = log.lines().filter(|l| l.contains("hits: ")).collect();
    assert_eq!(lines.len(), 3, "{log}");
    assert!(lines[0].contains("INFO nano::app: hits: 1") && lines[0].contains("phase=\"build\""), "{log}");
    // Not `hits: 2`, and not indented by the warm-up's group.
    assert!(lines[1..].iter().all(|l| l.contains("INFO nano::app: hits: 1 ") && l.contains("request_id=")), "{log}");
}

/// The list is part of the build cache's key: the same app warmed another
/// way is built again, not taken from the cache.
#[test]
fn a_changed_warm_up_list_builds_again() {
    let dir = scratch("warm-up-cache");
    let app = dir.join("app.js");
    let js = "let first = null;\nexport default { fetch(r) { first ??= r.url; return new Response(first); } };\n";
    std::fs::write(&app, js).unwrap();
    for path in ["/a", "/b", "/a"] {
        let server = Server::start_with(&app, &["--warm-up", path], nano());
        assert_eq!(server.get("/x").text(), format!("http://localhost{path}"));
    }
}

fn build_error(dir: &Path, js: &str, warm_up: &str) -> String {
    let app = dir.join("app.js");
    std::fs::write(&app, js).unwrap();
    let out = dir.join("app.wasm");
    let res = nano().arg("build").arg(&app).arg("-o").arg(&out).args(["--warm-up", warm_up]).output().unwrap();
    assert_eq!(res.status.code(), Some(1), "{}", text(&res.stderr));
    assert!(!out.exists());
    text(&res.stderr)
}

#[test]
fn a_warm_up_that_fails_fails_the_build() {
    let dir = scratch("warm-up-fails");
    let throws = "export default {\n  fetch(request) {\n    throw new Error('not ready: ' + request.url);\n  },\n};\n";
    let err = build_error(&dir, throws, "/boom");
    assert!(
        err.contains("app.js:3:")
            && err.contains(
                ": Error: not ready: http://localhost/boom (in the warm-up request GET http://localhost/boom)\n"
            ),
        "{err}"
    );
    let answers_500 = "export default { fetch() { return new Response('no', { status: 503 }); } };\n";
    let err = build_error(&dir, answers_500, "/");
    assert!(err.contains("app.js: the warm-up request GET http://localhost/ was answered with status 503"), "{err}");
    // The top-level code's rules hold: no randomness drawn at build time.
    let random = "export default {\n  fetch() {\n    return new Response(crypto.randomUUID());\n  },\n};\n";
    let err = build_error(&dir, random, "/");
    assert!(
        err.contains("app.js:3:") && err.contains(": Error: crypto.randomUUID() cannot run at build time"),
        "{err}"
    );
    // A rejection nobody handles fails it, as at the top level.
    let rejects = "export default {\n  fetch(r, env, ctx) {\n    Promise.reject(new TypeError('lost'));\n    return new Response('ok');\n  },\n};\n";
    let err = build_error(&dir, rejects, "/");
    assert!(err.contains("Uncaught (in promise) ") && err.contains("app.js:3:"), "{err}");
    assert!(err.contains(": TypeError: lost (in the warm-up request GET http://localhost/)"), "{err}");
    // Reported errors fail it too: a rejected waitUntil, logged in a request.
    let late = "export default {\n  fetch(r, env, ctx) {\n    ctx.waitUntil(Promise.reject(new Error('late')));\n    return new Response('ok');\n  },\n};\n";
    let err = build_error(&dir, late, "/");
    assert!(err.contains(": Error: late (in the warm-up request GET http://localhost/)"), "{err}");
    // A handler that never answers fails at once, though the top-level code
    // left an interval (which does not run during a warm-up).
    let hangs = "setInterval(() => {}, 1000);\nexport default { fetch() { return new Promise(() => {}); } };\n";
    let started = std::time::Instant::now();
    let err = build_error(&dir, hangs, "/");
    assert!(err.contains("app.js: the event loop is empty but the work never finished"), "{err}");
    assert!(started.elapsed() < std::time::Duration::from_secs(30), "{err}");
    let res = nano().arg("build").arg(dir.join("app.js")).args(["--warm-up", "api/x"]).output().unwrap();
    assert_eq!(res.status.code(), Some(2));
    assert!(
        text(&res.stderr).contains("`api/x` is neither a path (`/api/users/1`) nor an http(s) URL"),
        "{}",
        text(&res.stderr)
    );
}
