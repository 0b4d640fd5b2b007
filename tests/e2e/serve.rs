use crate::common::*;
use std::time::{Duration, Instant};

#[test]
fn the_incoming_request_has_every_field_and_copies_keep_them() {
    let server = Server::start(&app("routes.js"));
    let res = server.request("GET", "/request-fields?q=1", &[("x-a", "incoming")], b"");
    assert_eq!(res.status, 200, "{}", server.log());
    let v: serde_json::Value = serde_json::from_str(&res.text()).unwrap();
    let url = format!("http://{}/request-fields?q=1", server.addr);
    let fields = |x: &str| format!("GET|{url}|cors|same-origin|default|follow|about:client|||false|false|{x}");
    assert_eq!(v["own"], fields("incoming"));
    assert_eq!(v["clone"], fields("incoming"));
    assert_eq!(v["copy"], fields("copy"));
    assert_eq!(v["sameSignal"], true);
    assert_eq!(v["ownSignals"], true);
}

#[test]
fn the_request_url_is_parsed_as_the_url_standard_does() {
    let server = Server::start(&app("routes.js"));
    let res = request_to(server.addr, "EXAMPLE.com:80", "GET", "/a/./b/../../url?q=%7e+1", &[], b"");
    assert_eq!(res.status, 200, "{}", server.log());
    let v: serde_json::Value = serde_json::from_str(&res.text()).unwrap();
    let url = "http://example.com/url?q=%7e+1";
    assert_eq!(v["url"], url);
    assert_eq!(v["href"], url);
    assert_eq!(v["host"], "example.com");
    assert_eq!(v["q"], "~ 1");
    assert_eq!(v["changed"], "http://example.com/changed?q=%7e+1");
    assert_eq!(v["again"], url, "a URL made from request.url is the app's own copy");
    assert_eq!(v["relative"], "http://example.com/up");
    assert_eq!(v["third"], "http://example.com/url?q=%7E+1&r=2");
    assert_eq!(v["againAfter"], url, "another URL of request.url keeps its own query");
    assert_eq!(v["againQuery"], "q,~ 1");
    assert_eq!(v["distinct"], true);
}

#[test]
fn hello_example_is_served() {
    let server = Server::start(&repo_root().join("examples/hello.js"));
    let res = server.get("/world");
    assert_eq!(res.status, 200, "{}", server.log());
    assert_eq!(res.text(), "Hello from nano! You asked for /world\n");
    assert_eq!(res.header("content-type"), Some("text/plain;charset=UTF-8"));
    let id = res.header("x-request-id").expect("every response carries a request id");
    assert_eq!(id.len(), 16);
    server.wait_for_log(id);
}

#[test]
fn serve_is_an_alias_of_run() {
    let server = Server::start_subcommand("serve", &repo_root().join("examples/hello.js"), &[], nano());
    assert_eq!(server.get("/alias").text(), "Hello from nano! You asked for /alias\n");
}

#[test]
fn every_request_gets_a_fresh_instance() {
    let server = Server::start(&app("fresh_instance.js"));
    let mut randoms = std::collections::HashSet::new();
    let mut built = None;
    for _ in 0..5 {
        let res = server.get("/");
        assert_eq!(res.status, 200, "{}", server.log());
        let body = res.text();
        assert!(body.contains("\"counter\":1,"), "state leaked between requests: {body}");
        let random = body.split("\"random\":").nth(1).unwrap().split(',').next().unwrap().to_string();
        let built_at = body.split("\"builtAt\":").nth(1).unwrap().split(',').next().unwrap().to_string();
        randoms.insert(random);
        // Values computed at build time are in the snapshot and stay the same...
        assert_eq!(built.get_or_insert(built_at.clone()), &built_at);
    }
    // ...but Math.random is reseeded in every instance.
    assert_eq!(randoms.len(), 5, "Math.random repeated across instances");
}

#[test]
fn a_short_request_does_not_collect_a_large_snapshot_heap() {
    let server = Server::start(&app("gc_threshold.js"));
    let res = server.get("/");
    assert_eq!(res.status, 200, "{}", server.log());
    assert_eq!(res.text(), "collected=false 220000");
    let res = server.get("/?garbage=1500000");
    assert_eq!(res.status, 200, "{}", server.log());
    assert_eq!(res.text(), "collected=true 220000");
}

#[test]
fn service_worker_style_app() {
    let server = Server::start(&app("service_worker.js"));
    let res = server.request("PUT", "/x", &[], b"data");
    assert_eq!(res.status, 201, "{}", server.log());
    assert_eq!(res.text(), "sw PUT");
    assert_eq!(res.header("x-style"), Some("service-worker"));
    // The event as the DOM and Service Workers standards make it: isTrusted
    // its only own property, cancelled by respondWith, which it takes once
    // and only while it is being dispatched.
    assert_eq!(
        res.header("x-event"),
        Some(
            r#"{"classes":true,"type":"fetch","cancelable":true,"bubbles":false,"isTrusted":false,"own":["isTrusted"],"phase":2,"timeStamp":true,"preventedBefore":false,"notAnEvent":"TypeError","second":"InvalidStateError","phaseAfter":0,"preventedAfter":true,"afterDispatch":"InvalidStateError"}"#
        )
    );
}

#[test]
fn request_bodies_and_headers_reach_the_app() {
    let server = Server::start(&app("routes.js"));
    let res = server.request("POST", "/echo", &[("content-type", "text/plain")], "héllo wörld".as_bytes());
    assert_eq!(res.status, 200, "{}", server.log());
    assert_eq!(res.text(), "héllo wörld");
    assert_eq!(res.header("x-method"), Some("POST"));
    assert_eq!(res.header("x-content-type"), Some("text/plain"));

    let res = server.request("POST", "/json", &[("content-type", "application/json")], br#"{"a":1,"b":[true]}"#);
    assert_eq!(res.text(), r#"{"received":{"a":1,"b":[true]},"keys":["a","b"]}"#);

    let big: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    let sum: u64 = big.iter().map(|&b| b as u64).sum();
    let res = server.request("POST", "/bytes", &[], &big);
    assert_eq!(res.text(), format!(r#"{{"length":{},"sum":{sum}}}"#, big.len()));

    let res = server.request("GET", "/headers", &[("X-Custom", "  padded  "), ("x-custom", "second")], b"");
    let body = res.text();
    assert!(body.contains(r#""x-custom":"padded, second""#), "{body}");
}

#[test]
fn an_incoming_request_has_a_body_unless_get_head_or_empty() {
    let server = Server::start(&app("routes.js"));
    let after = [("x-after", "seen")];
    let body_of = |method: &str, body: &[u8]| server.request(method, "/has-body", &after, body).text();
    assert_eq!(body_of("GET", b""), "none|seen", "{}", server.log());
    assert_eq!(body_of("POST", b""), "none|seen", "content-length: 0");
    assert_eq!(body_of("POST", b"abc"), "body:abc|seen");
    assert_eq!(body_of("DELETE", b"abc"), "body:abc|seen");
    // A chunked body has no content-length (and wasi:http drops the
    // transfer-encoding): a body all the same.
    let mut stream = std::net::TcpStream::connect(server.addr).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let raw = format!(
        "POST /has-body HTTP/1.1\r\nhost: {}\r\nconnection: close\r\nx-after: seen\r\n\
         transfer-encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n",
        server.addr
    );
    std::io::Write::write_all(&mut stream, raw.as_bytes()).unwrap();
    let mut answer = String::new();
    std::io::Read::read_to_string(&mut stream, &mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.ends_with("body:abcde|seen"), "{answer}");
}

#[test]
fn response_headers_status_and_redirects() {
    let server = Server::start(&app("routes.js"));
    let res = server.get("/cookies");
    assert_eq!(res.header_all("set-cookie"), vec!["a=1", "b=2"]);
    assert_eq!(res.header("x-multi"), Some("one, two"));
    assert_eq!(res.header("content-type"), Some("text/plain;charset=UTF-8"));

    // A record's list (kept flat) as the client gets it, the body's type
    // added; and as the Headers object made later reads it.
    let res = server.get("/record-headers");
    assert_eq!(res.text(), "content-type=text/plain;charset=UTF-8&x-a=1&x-b=2");
    assert_eq!((res.header("x-a"), res.header("x-z")), (Some("a"), Some("z")));
    assert_eq!(res.header_all("content-type"), ["text/plain;charset=UTF-8"]);
    let res = server.get("/record-headers?json");
    assert_eq!(res.header("content-type"), Some("application/json"));
    assert_eq!(res.header("x-b"), Some("b, again"));
    assert_eq!(res.header("x-c"), Some("c"));

    let res = server.get("/late-headers");
    assert_eq!((res.status, res.text().as_str()), (200, "late"));
    assert_eq!(res.header("x-late"), Some("1"));
    assert_eq!(res.header_all("content-type"), vec!["text/x-late"]);

    let res = server.get("/status");
    assert_eq!(res.status, 204);
    assert!(res.body.is_empty());

    let res = server.get("/redirect");
    assert_eq!(res.status, 307);
    assert_eq!(res.header("location"), Some("https://example.com/next"));

    assert_eq!(server.get("/nowhere").status, 404);
}

/// A body known in full goes out with its head in one host call up to
/// 64 KiB (`nano:platform/incoming.respond`), through wasi:http's stream
/// beyond: either way the same length, fields, and refusals.
#[test]
fn whole_bodies_either_side_of_the_one_call_limit() {
    let server = Server::start(&app("routes.js"));
    for n in [0, 1, 65_536, 65_537, 1 << 20] {
        let res = server.get(&format!("/sized?n={n}"));
        assert_eq!(res.status, 200, "{n}: {}", server.log());
        assert_eq!(res.body.len(), n, "{n}");
        assert!(res.body.iter().all(|&b| b == b'x'), "{n}");
        assert_eq!(res.header("content-length"), Some(n.to_string().as_str()), "{n}");
        assert_eq!(res.header("x-ok"), Some("1"), "{n}");
        assert_eq!(res.header("keep-alive"), None, "{n}");
    }
    // Logged once per request, possibly just after its response went out.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while server.log().matches("response header `keep-alive` dropped").count() < 5 {
        assert!(std::time::Instant::now() < deadline, "{}", server.log());
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

#[test]
fn a_string_body_goes_out_as_utf8_with_lone_surrogates_replaced() {
    let server = Server::start(&app("routes.js"));
    let res = server.get("/text");
    assert_eq!(res.status, 200, "{}", server.log());
    let expected = "a\u{fffd}b\u{e9}\u{1f600}\u{fffd}".as_bytes();
    assert_eq!(res.body, expected);
    assert_eq!(res.header("content-length"), Some(expected.len().to_string().as_str()));
    assert_eq!(res.header("content-type"), Some("text/plain;charset=UTF-8"));
}

#[test]
fn stream_bodies_in_and_out() {
    let server = Server::start(&app("routes.js"));
    let res = server.get("/stream");
    assert_eq!(res.status, 200, "{}", server.log());
    assert_eq!(res.text(), "chunk 0;chunk 1;chunk 2;");
    let res = server.request("POST", "/echo-stream", &[], b"request body through request.body");
    assert_eq!(res.text(), "request body through request.body");
}

#[test]
fn timers_really_wait() {
    let server = Server::start(&app("routes.js"));
    let started = Instant::now();
    let res = server.get("/sleep");
    let elapsed = started.elapsed();
    assert_eq!(res.status, 200, "{}", server.log());
    let waited: f64 = res.text().split(':').nth(1).unwrap().trim_end_matches('}').parse().unwrap();
    assert!(waited >= 49.0, "setTimeout(50) fired after {waited} ms");
    assert!(elapsed >= Duration::from_millis(50));
}

#[test]
fn app_errors_are_500s_with_a_request_id_and_a_logged_stack() {
    let server = Server::start(&app("routes.js"));
    for (path, message) in [
        ("/throw", "Error: boom from the app"),
        ("/reject", "TypeError: rejected on purpose"),
        ("/not-a-response", "must return a Response"),
        ("/never", "did not produce a response"),
    ] {
        let res = server.get(path);
        assert_eq!(res.status, 500, "{path}");
        let id = res.header("x-request-id").expect("request id").to_string();
        assert!(res.text().contains("Internal Server Error"));
        let log = server.wait_for_log(message);
        let line = log.lines().find(|l| l.contains(message)).unwrap();
        assert!(line.contains(&id) || log.contains(&format!("request_id={id}")), "{log}");
    }
    // The stack names the app's file and line; a failed handler is the
    // request's error, not also an unhandled rejection.
    let log = server.log();
    assert!(log.contains("routes.js:"), "no stack in the log:\n{log}");
    assert!(!log.contains("Uncaught (in promise)"), "a failed handler logged as unhandled:\n{log}");
    // And the server still works.
    assert_eq!(server.get("/status").status, 204);
}

#[test]
fn console_output_goes_to_the_log_with_the_request_id() {
    let server = Server::start(&app("routes.js"));
    let res = server.get("/console");
    let id = res.header("x-request-id").unwrap().to_string();
    let log = server.wait_for_log("an error line");
    let line = log.lines().find(|l| l.contains("hello log, 3 items")).expect("console.log line");
    assert!(line.contains("{ nested: true }"), "{line}");
    assert!(line.contains(&id), "{line}");
}

#[test]
fn wait_until_runs_after_the_response() {
    let server = Server::start(&app("routes.js"));
    let res = server.get("/wait-until");
    assert_eq!(res.text(), "sent before waitUntil finished");
    server.wait_for_log("waitUntil finished");
}

#[test]
fn traps_and_runaway_code_never_crash_the_host() {
    let server = Server::start_with(&app("routes.js"), &["--timeout", "1", "--max-memory-mb", "64"], nano());
    // Running past the wall-clock limit is a 504; a trap, a 500.
    for (path, status) in [("/loop", 504), ("/recurse", 500), ("/oom", 500)] {
        let started = Instant::now();
        let res = server.get(path);
        assert_eq!(res.status, status, "{path}: {}", server.log());
        assert!(res.header("x-request-id").is_some());
        assert!(started.elapsed() < Duration::from_secs(20), "{path} was not stopped");
        // Served normally right after.
        assert_eq!(server.get("/status").status, 204, "{path} broke the server");
    }
    let log = server.log();
    assert!(log.contains("time limit"), "{log}");
    assert!(log.contains("RangeError: Maximum call stack size exceeded"), "/recurse is a JS error: {log}");
    // Deep recursion is an error the app can catch.
    let caught = server.get("/recurse-caught");
    assert_eq!((caught.status, caught.text().as_str()), (200, "RangeError: Maximum call stack size exceeded"));
}

/// An idle server does not wake up: the thread that advances the epoch
/// (the clock of the CPU and wall limits) sleeps when no instance lives,
/// where it ticked 500 times a second; and a runaway request after a long
/// idle stretch is still stopped, so the clock starts again.
#[test]
fn an_idle_server_sleeps_and_still_stops_runaway_code() {
    if !cfg!(target_os = "linux") {
        return;
    }
    let server = Server::start_with(&app("routes.js"), &["--timeout", "1"], nano());
    assert_eq!(server.get("/status").status, 204);
    // Every epoch thread of the server, summed: a runtime swapped out when
    // idle (server.rs, `trim_idle_memory`) ends its own thread.
    let epoch_threads = || {
        let tasks = std::fs::read_dir(format!("/proc/{}/task", server.pid())).unwrap();
        tasks
            .map(|task| task.unwrap().path())
            .filter(|task| std::fs::read_to_string(task.join("comm")).is_ok_and(|name| name.trim() == "nano-epoch"))
    };
    assert!(epoch_threads().next().is_some(), "the server has a nano-epoch thread");
    let switches = || -> u64 {
        epoch_threads()
            .filter_map(|task| std::fs::read_to_string(task.join("status")).ok())
            .filter_map(|status| {
                let line = status.lines().find(|l| l.starts_with("voluntary_ctxt_switches:"))?;
                line.split_whitespace().nth(1)?.parse::<u64>().ok()
            })
            .sum()
    };
    // It sleeps 128 ticks (a quarter second, longer on a loaded machine)
    // after the last instance ends; it woke 500 times a second before.
    let mut woke = Vec::new();
    for _ in 0..8 {
        let before = switches();
        std::thread::sleep(Duration::from_secs(1));
        woke.push(switches().saturating_sub(before));
        if woke.last() <= Some(&5) {
            break;
        }
    }
    assert!(woke.last() <= Some(&5), "the idle epoch thread woke {woke:?} times a second");
    let started = Instant::now();
    assert_eq!(server.get("/loop").status, 504, "{}", server.log());
    assert!(started.elapsed() < Duration::from_secs(20), "/loop was not stopped");
    assert_eq!(server.get("/status").status, 204);
}

#[test]
fn sigterm_drains_in_flight_requests_and_exits_0() {
    let server = Server::start(&app("slow.js"));
    let addr = server.addr;
    let pending = std::thread::spawn(move || request(addr, "GET", "/?ms=700", &[], b""));
    server.wait_for_log("serving");
    std::thread::sleep(Duration::from_millis(200)); // the request is in flight
    let (status, log) = server.terminate();
    let res = pending.join().unwrap();
    assert_eq!(res.status, 200, "{log}");
    assert_eq!(res.text(), "slept 700");
    assert!(status.success(), "exit status {status}: {log}");
}

#[test]
fn compiled_code_is_cached_between_starts() {
    let cache = scratch("compile-cache");
    let with_cache = || {
        let mut cmd = nano();
        cmd.env("NANO_CACHE_DIR", &cache);
        cmd
    };
    let server = Server::start_with(&app("service_worker.js"), &[], with_cache());
    assert_eq!(server.get("/").status, 201);
    drop(server);
    let list = |dir: &str| -> Vec<std::path::PathBuf> {
        std::fs::read_dir(cache.join(dir)).map(|d| d.map(|e| e.unwrap().path()).collect()).unwrap_or_default()
    };
    let compiled = list("compiled");
    assert_eq!(compiled.len(), 1, "one precompiled component expected: {compiled:?}");
    assert_eq!(list("apps").len(), 1, "one built app expected");
    let modified = std::fs::metadata(&compiled[0]).unwrap().modified().unwrap();
    let server = Server::start_with(&app("service_worker.js"), &[], with_cache());
    assert_eq!(server.get("/").status, 201);
    assert_eq!(list("compiled"), compiled, "the second start compiled again");
    assert_eq!(std::fs::metadata(&compiled[0]).unwrap().modified().unwrap(), modified);
}

#[test]
fn each_request_has_its_own_performance_timeline() {
    // A mark made at build time (top level) or by an earlier request is not
    // in a request's timeline, performance.now() starts near 0, and the
    // time origin is the request's start on the wall clock.
    let dir = scratch("perf-timeline");
    let path = dir.join("app.js");
    std::fs::write(
        &path,
        "performance.mark('top level');\n\
         export default { fetch() {\n\
           const before = performance.getEntries().map((e) => e.name);\n\
           performance.mark('request');\n\
           const now = performance.now();\n\
           return new Response([JSON.stringify(before), now, performance.timeOrigin, Date.now()].join(' '));\n\
         } };\n",
    )
    .unwrap();
    let server = Server::start(&path);
    let mut last_origin = 0.0;
    for _ in 0..3 {
        let body = server.get("/").text();
        let fields: Vec<&str> = body.split(' ').collect();
        assert_eq!(fields.len(), 4, "{body}");
        assert_eq!(fields[0], "[]", "{body}");
        let [now, origin, wall]: [f64; 3] = std::array::from_fn(|i| fields[i + 1].parse().unwrap());
        assert!((0.0..1000.0).contains(&now), "{body}");
        // Date.now() has whole milliseconds; the clocks are read a moment apart.
        assert!((origin + now - wall).abs() < 50.0, "{body}");
        assert!(origin > last_origin, "the time origin did not move on: {body}");
        last_origin = origin;
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}
