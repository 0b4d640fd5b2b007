//! fetch(): through the real host, against an upstream server on 127.0.0.1.

use crate::common::*;
use crate::upstream::{self, Upstream};
use std::process::Output;

/// Runs a module script with `UPSTREAM` defined, allowing 127.0.0.1 unless
/// other flags are given.
fn fetch_script(up: &Upstream, name: &str, flags: &[&str], body: &str) -> Output {
    let path = scratch(&format!("fetch-{name}")).join(format!("{name}.mjs"));
    std::fs::write(&path, format!("const UPSTREAM = 'http://{}';\n{body}\nexport {{}};\n", up.addr)).unwrap();
    let mut cmd = nano();
    cmd.arg("exec");
    if flags.is_empty() {
        cmd.args(["--allow-host", "127.0.0.1"]);
    } else {
        cmd.args(flags);
    }
    cmd.arg(&path).output().unwrap()
}

pub fn assert_ok(out: &Output) -> String {
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", text(&out.stderr));
    stdout
}

#[test]
fn get_post_headers_and_bodies() {
    let up = upstream::start();
    let out = fetch_script(
        &up,
        "basic",
        &[],
        r#"
const r = await fetch(`${UPSTREAM}/hello`);
console.log(r.status, r.ok, r.headers.get('content-type'), await r.text(), r.url === `${UPSTREAM}/hello`, r.redirected);
const e = await fetch(`${UPSTREAM}/echo`, { method: 'POST', body: 'payload', headers: { 'x-test': 'yes' } });
console.log(await e.text());
const j = await fetch(new Request(`${UPSTREAM}/echo`, { method: 'PUT', body: new URLSearchParams({ a: '1' }) }));
console.log(await j.text());
const t = await fetch(`${UPSTREAM}/teapot`);
console.log(t.status, t.ok, await t.text());
const big = await fetch(`${UPSTREAM}/big`);
console.log((await big.arrayBuffer()).byteLength);
await assertUsedTwice(big);
async function assertUsedTwice(res) { try { await res.text(); console.log('no error'); } catch (err) { console.log(err.name); } }
"#,
    );
    let stdout = assert_ok(&out);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines[0], "200 true text/plain hello upstream true false");
    assert_eq!(lines[1], "POST x-test=yes content-type=text/plain;charset=UTF-8 body=payload");
    assert_eq!(lines[2], "PUT x-test= content-type=application/x-www-form-urlencoded;charset=UTF-8 body=a=1");
    assert_eq!(lines[3], "418 false short and stout");
    assert_eq!(lines[4], "1048576");
    assert_eq!(lines[5], "TypeError");
}

#[test]
fn fetches_overlap_instead_of_queueing() {
    let up = upstream::start();
    let out = fetch_script(
        &up,
        "overlap",
        &[],
        r#"
const start = performance.now();
const bodies = await Promise.all(Array.from({ length: 10 }, () => fetch(`${UPSTREAM}/slow?ms=300`).then((r) => r.text())));
const elapsed = performance.now() - start;
console.log(bodies.every((b) => b === 'slept 300'), elapsed < 1500 ? 'overlapped' : `took ${elapsed} ms`);
// A timer keeps running while fetches are pending.
let ticks = 0;
const timer = setInterval(() => ticks++, 20);
await fetch(`${UPSTREAM}/slow?ms=200`);
clearInterval(timer);
console.log(ticks >= 5 ? 'timers ran' : `only ${ticks} ticks`);
"#,
    );
    assert_eq!(assert_ok(&out), "true overlapped\ntimers ran\n");
}

#[test]
fn failures_reject_with_a_type_error_and_a_reason() {
    let up = upstream::start();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let allow = ["--allow-host", "127.0.0.1", "--allow-host", "nano-test.invalid"];
    let out = fetch_script(
        &up,
        "failures",
        &allow,
        &format!(
            r#"
const attempt = async (what, input, init) => {{
  try {{ await fetch(input, init); console.log(what, 'resolved'); }}
  catch (err) {{ console.log(what, err.name, err.message); }}
}};
await attempt('refused', 'http://127.0.0.1:{closed}/');
await attempt('scheme', 'ftp://127.0.0.1/');
await attempt('url', 'not a url');
await attempt('timeout', `${{UPSTREAM}}/slow?ms=3000`, {{ signal: AbortSignal.timeout(50) }});
const controller = new AbortController();
const pending = attempt('abort', `${{UPSTREAM}}/slow?ms=3000`, {{ signal: controller.signal }});
setTimeout(() => controller.abort(), 20);
await pending;
await attempt('pre-aborted', `${{UPSTREAM}}/hello`, {{ signal: AbortSignal.abort() }});
await attempt('tls', `${{UPSTREAM.replace('http:', 'https:')}}/hello`);
await attempt('dns', 'http://nano-test.invalid/');
"#
        ),
    );
    let stdout = assert_ok(&out);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines[0], "refused TypeError fetch failed: connection refused");
    assert!(lines[1].starts_with("scheme TypeError") && lines[1].contains("ftp"), "{stdout}");
    assert!(lines[2].starts_with("url TypeError") && lines[2].contains("not a url"), "{stdout}");
    assert!(lines[3].starts_with("timeout TimeoutError"), "{stdout}");
    assert!(lines[4].starts_with("abort AbortError"), "{stdout}");
    assert!(lines[5].starts_with("pre-aborted AbortError"), "{stdout}");
    assert_eq!(lines[6], "tls TypeError fetch failed: TLS handshake failed");
    assert_eq!(lines[7], "dns TypeError fetch failed: DNS lookup failed");
}

#[test]
fn redirects_follow_manual_error() {
    let up = upstream::start();
    let out = fetch_script(
        &up,
        "redirects",
        &[],
        r#"
const r = await fetch(`${UPSTREAM}/redirect/3`);
console.log(r.status, await r.text(), r.redirected, r.url.endsWith('/redirect/0'));
const m = await fetch(`${UPSTREAM}/redirect/3`, { redirect: 'manual' });
console.log(m.status, m.headers.get('location'));
try { await fetch(`${UPSTREAM}/redirect/1`, { redirect: 'error' }); } catch (err) { console.log(err.name); }
try { await fetch(`${UPSTREAM}/redirect/25`); } catch (err) { console.log(err.name, err.message.includes('20 redirects')); }
const s = await fetch(`${UPSTREAM}/see-other`, { method: 'POST', body: 'dropped' });
console.log(await s.text());
"#,
    );
    assert_eq!(
        assert_ok(&out),
        "200 landed true true\n302 /redirect/2\nTypeError\nTypeError true\nGET x-test= content-type= body=\n"
    );
}

#[test]
fn outbound_policy_refuses_private_addresses_and_unlisted_hosts() {
    let up = upstream::start();
    let script = r#"
try { await fetch(`${UPSTREAM}/hello`); console.log('allowed'); } catch (err) { console.log(err.name, err.message); }
"#;
    // By default loopback is refused (SSRF protection).
    let out = fetch_script(&up, "policy-default", &["--timeout", "10"], script);
    let stdout = assert_ok(&out);
    assert!(
        stdout.starts_with("TypeError")
            && stdout.contains("private, loopback, link-local or otherwise special-purpose"),
        "{stdout}"
    );
    // An allow-list without this host refuses it too.
    let out = fetch_script(&up, "policy-list", &["--allow-host", "example.com"], script);
    let stdout = assert_ok(&out);
    assert!(stdout.starts_with("TypeError") && stdout.contains("--allow-host"), "{stdout}");
    // Listing host:port allows exactly that.
    let exact = format!("127.0.0.1:{}", up.addr.port());
    let out = fetch_script(&up, "policy-exact", &["--allow-host", &exact], script);
    assert_eq!(assert_ok(&out), "allowed\n");
}

#[test]
fn in_flight_fetches_are_limited_per_request() {
    let up = upstream::start();
    let out = fetch_script(
        &up,
        "limit",
        &["--allow-host", "127.0.0.1", "--max-fetches", "3"],
        r#"
const results = await Promise.allSettled(Array.from({ length: 5 }, () => fetch(`${UPSTREAM}/slow?ms=100`)));
console.log(results.filter((r) => r.status === 'fulfilled').length);
const rejected = results.filter((r) => r.status === 'rejected');
console.log(rejected.length, rejected.every((r) => r.reason instanceof TypeError && r.reason.message.includes('limit is 3')));
// The three still count: their bodies are neither read nor cancelled.
console.log(await fetch(`${UPSTREAM}/hello`).then(() => 'fetched', (e) => e.message.includes('limit is 3')));
await Promise.all(results.filter((r) => r.status === 'fulfilled').map((r) => r.value.body.cancel()));
console.log((await fetch(`${UPSTREAM}/hello`)).status);
"#,
    );
    assert_eq!(assert_ok(&out), "3\n2 true\ntrue\n200\n");
}

#[test]
fn a_served_app_proxies_an_upstream() {
    let up = upstream::start();
    let dir = scratch("fetch-proxy");
    let app_path = dir.join("proxy.js");
    std::fs::write(
        &app_path,
        format!(
            "export default {{ async fetch(request) {{\n  const url = new URL(request.url);\n  const upstream = await fetch('http://{}' + url.pathname);\n  return new Response(await upstream.text(), {{ status: upstream.status, headers: {{ 'x-proxied': 'yes' }} }});\n}} }};\n",
            up.addr
        ),
    )
    .unwrap();
    let server = Server::start_with(&app_path, &["--allow-host", "127.0.0.1"], nano());
    let res = server.get("/hello");
    assert_eq!(res.status, 200, "{}", server.log());
    assert_eq!(res.text(), "hello upstream");
    assert_eq!(res.header("x-proxied"), Some("yes"));
    assert_eq!(server.get("/teapot").status, 418);
}

/// More requests than the server lets start at once while they are
/// runnable (8 per core, host/src/cpu_gate.rs): instances waiting on a
/// fetch do not count, so all of them wait on the upstream together.
#[test]
fn instances_waiting_on_a_fetch_do_not_keep_new_ones_from_starting() {
    let up = upstream::start();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let n = cores * 8 + 24;
    let app_path = scratch("barrier").join("app.js");
    std::fs::write(
        &app_path,
        format!(
            "export default {{ async fetch() {{\n  const r = await fetch('http://{}/barrier?n={n}&id=1');\n  return new Response(await r.text(), {{ status: r.status }});\n}} }};\n",
            up.addr
        ),
    )
    .unwrap();
    let server = Server::start_with(&app_path, &["--allow-host", "127.0.0.1"], nano());
    let addr = server.addr;
    let clients: Vec<_> = (0..n).map(|_| std::thread::spawn(move || request(addr, "GET", "/", &[], b""))).collect();
    for client in clients {
        let response = client.join().unwrap();
        assert_eq!((response.status, response.text()), (200, "all here".to_string()), "{}", server.log());
    }
}

#[test]
fn a_thousand_concurrent_fetches_and_large_requests() {
    let up = upstream::start();
    let out = fetch_script(
        &up,
        "thousand",
        &["--allow-host", "127.0.0.1", "--timeout", "120"],
        r#"
const all = await Promise.all(Array.from({ length: 1000 }, () => fetch(`${UPSTREAM}/slow?ms=200`).then((r) => r.text())));
console.log(all.length, all.every((b) => b === 'slept 200'));
const upload = new Uint8Array(10 << 20).fill(7);
console.log(await (await fetch(`${UPSTREAM}/size`, { method: 'POST', body: upload })).text());
// 64 KB: the http crate under wasi:http caps a request target at 65,534 bytes.
const longQuery = 'q=' + 'a'.repeat(64000);
console.log(await (await fetch(`${UPSTREAM}/size?${longQuery}`)).text());
"#,
    );
    assert_eq!(assert_ok(&out), format!("1000 true\n{} 0\n0 {}\n", 10 << 20, 64000 + 2));
}

#[test]
fn response_bodies_stream_in_and_can_fail_or_be_aborted_midway() {
    let up = upstream::start();
    let out = fetch_script(
        &up,
        "body-stream",
        &[],
        r#"
// Chunks arrive as the upstream sends them, not as one buffer.
const r = await fetch(`${UPSTREAM}/stream?mb=4`);
let bytes = 0, chunks = 0;
for await (const chunk of r.body) { bytes += chunk.byteLength; chunks++; }
console.log(bytes, chunks > 16 ? 'many chunks' : `${chunks} chunks`, r.bodyUsed);
// The first line of a slow body is there before the rest is sent.
const start = performance.now();
const drip = await fetch(`${UPSTREAM}/drip?n=3&ms=300`);
const reader = drip.body.getReader();
const first = new TextDecoder().decode((await reader.read()).value);
console.log(JSON.stringify(first), performance.now() - start < 250 ? 'early' : 'late');
await reader.cancel();
// clone() tees: both copies get everything.
const c = await fetch(`${UPSTREAM}/stream?mb=1`);
const copy = c.clone();
const [a, b] = await Promise.all([c.arrayBuffer(), copy.arrayBuffer()]);
console.log(a.byteLength, b.byteLength);
// A body cut short by the network errors the stream with a TypeError.
const cut = await fetch(`${UPSTREAM}/cut`);
try { await cut.text(); console.log('no error'); } catch (err) { console.log(err.name, /body/.test(err.message)); }
// Aborting after the headers errors the rest of the body with the reason.
const controller = new AbortController();
const slow = await fetch(`${UPSTREAM}/drip?n=5&ms=200`, { signal: controller.signal });
const r2 = slow.body.getReader();
await r2.read();
controller.abort();
try { await r2.read(); console.log('no error'); } catch (err) { console.log(err.name); }
// A body nobody reads does not keep the script alive or leak.
await fetch(`${UPSTREAM}/stream?mb=8`);
console.log('done');
"#,
    );
    let stdout = assert_ok(&out);
    assert_eq!(
        stdout,
        "4194304 many chunks true\n\"line 0\\n\" early\n1048576 1048576\nTypeError true\nAbortError\ndone\n"
    );
}

#[test]
fn request_bodies_stream_out() {
    let up = upstream::start();
    let out = fetch_script(
        &up,
        "upload-stream",
        &[],
        r#"
// 20 MiB made chunk by chunk as the upload takes them.
let made = 0;
const source = new ReadableStream({
  pull(controller) {
    controller.enqueue(new Uint8Array(256 * 1024));
    if (++made === 80) controller.close();
  },
});
const r = await fetch(`${UPSTREAM}/size`, { method: 'POST', body: source, duplex: 'half' });
console.log(await r.text(), made);
// A fetched body sent on as the next request's body.
const relay = await fetch(`${UPSTREAM}/size`, { method: 'POST', body: (await fetch(`${UPSTREAM}/stream?mb=3`)).body, duplex: 'half' });
console.log(await relay.text());
// 303 turns into a GET without the body; 307 would need to send it again.
const other = await fetch(`${UPSTREAM}/see-other`, { method: 'POST', body: new Blob(['x']).stream(), duplex: 'half' });
console.log(await other.text());
try {
  await fetch(`${UPSTREAM}/temporary`, { method: 'POST', body: new Blob(['x']).stream(), duplex: 'half' });
  console.log('followed');
} catch (err) { console.log(err.name, err.message.includes('streamed request body')); }
// A stream that fails fails the fetch.
const failing = new ReadableStream({ pull(c) { c.error(new Error('no more')); } });
try { await fetch(`${UPSTREAM}/size`, { method: 'POST', body: failing, duplex: 'half' }); console.log('resolved'); }
catch (err) { console.log(err.name); }
"#,
    );
    assert_eq!(
        assert_ok(&out),
        "20971520 0 80\n3145728 0\nGET x-test= content-type= body=\nTypeError true\nTypeError\n"
    );
}

#[test]
fn host_controlled_headers_are_ignored_and_body_lengths_sent() {
    let up = upstream::start();
    let out = fetch_script(
        &up,
        "forbidden-headers",
        &[],
        r#"
const headers = {
  host: 'evil.example', connection: 'close', 'content-length': '999', 'transfer-encoding': 'chunked',
  'keep-alive': '1', 'proxy-authorization': 'x', 'x-http-method-override': 'TRACE', te: 'trailers',
  cookie: 'session=1', origin: 'https://app.example', 'x-custom': 'kept',
};
const r = new Request(`${UPSTREAM}/headers`, { method: 'POST', headers, body: 'hello' });
console.log([...r.headers.keys()].join(','));
r.headers.set('host', 'again');
r.headers.delete('content-length');
console.log(r.headers.has('host'));
console.log(await (await fetch(r)).text());
// A plain Headers object keeps everything; a Request made from it does not.
const plain = new Headers(headers);
console.log(plain.has('host'), new Request(UPSTREAM, { headers: plain }).headers.has('host'));
"#,
    );
    let stdout = assert_ok(&out);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines[0], "content-type,cookie,origin,x-custom");
    assert_eq!(lines[1], "false");
    let sent = &lines[2..lines.len() - 1];
    assert!(sent.contains(&"content-length: 5"), "{sent:?}");
    assert!(sent.contains(&"cookie: session=1"), "{sent:?}");
    assert!(sent.contains(&"x-custom: kept"), "{sent:?}");
    assert!(sent.contains(&format!("host: {}", up.addr).as_str()), "{sent:?}");
    assert!(
        !sent
            .iter()
            .any(|h| h.starts_with("proxy-") || h.starts_with("x-http-method") || h.starts_with("transfer-encoding")),
        "{sent:?}"
    );
    assert_eq!(lines[lines.len() - 1], "true false");
}

#[test]
fn fetch_timeouts_are_configurable() {
    let up = upstream::start();
    let flags = ["--allow-host", "127.0.0.1", "--fetch-timeout", "0.3"];
    let out = fetch_script(
        &up,
        "fetch-timeouts",
        &flags,
        r#"
const start = performance.now();
try { await fetch(`${UPSTREAM}/slow?ms=3000`); console.log('resolved'); }
catch (err) { console.log(err.name, err.message, performance.now() - start < 2000); }
// The head comes at once, then the body stalls for longer than the limit.
const r = await fetch(`${UPSTREAM}/drip?n=2&ms=1500`);
try { await r.text(); console.log('read'); } catch (err) { console.log(err.name, /timed out|timeout/.test(err.message) || err.message); }
console.log(await (await fetch(`${UPSTREAM}/slow?ms=50`)).text());
"#,
    );
    assert_eq!(
        assert_ok(&out),
        "TypeError fetch failed: timed out waiting for the response true\nTypeError true\nslept 50\n"
    );
}

#[test]
fn fetch_connect_timeout_is_configurable() {
    let up = upstream::start();
    // A listener with a backlog of 0 whose one slot is taken: the kernel
    // drops further SYNs, so connecting hangs until the timeout.
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let _guard = rt.enter();
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let listener = socket.listen(0).unwrap();
    let port = listener.local_addr().unwrap().port();
    let _taken = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    let flags = ["--allow-host", "127.0.0.1", "--fetch-connect-timeout", "0.5"];
    let out = fetch_script(
        &up,
        "connect-timeout",
        &flags,
        &format!(
            r#"
const start = performance.now();
try {{ await fetch('http://127.0.0.1:{port}/'); console.log('resolved'); }}
catch (err) {{ console.log(err.name, err.message, performance.now() - start < 5000); }}
"#
        ),
    );
    assert_eq!(assert_ok(&out), "TypeError fetch failed: connection timed out true\n");
    drop(listener);
}

#[test]
fn connections_are_reused_within_an_app_and_never_across_apps() {
    use std::sync::atomic::Ordering;
    let up = upstream::start();
    // Sequential fetches of one script share one connection; a body cut
    // off or not read, or a `connection: close`, is not reused.
    let out = fetch_script(
        &up,
        "reuse",
        &[],
        "for (let i = 0; i < 10; i++) await (await fetch(UPSTREAM + '/hello')).text();\n\
         console.log('sequential', 'done');",
    );
    assert_ok(&out);
    assert_eq!(up.connections.load(Ordering::SeqCst), 1, "ten sequential fetches, one connection");
    let out = fetch_script(
        &up,
        "no-reuse",
        &[],
        "await (await fetch(UPSTREAM + '/close')).text();\n\
         await (await fetch(UPSTREAM + '/hello')).text();\n\
         try { await (await fetch(UPSTREAM + '/cut')).text(); } catch {}\n\
         console.log(await (await fetch(UPSTREAM + '/hello')).text());",
    );
    assert_eq!(assert_ok(&out), "hello upstream\n");
    assert_eq!(up.connections.load(Ordering::SeqCst), 1 + 3, "after a close and a failed body, new connections");

    // Served: each request is a fresh instance, the pool is the app's.
    let up = upstream::start();
    let dir = scratch("fetch-pool-apps");
    let app = format!(
        "export default {{ async fetch() {{ return new Response(await (await fetch('http://{}/hello')).text()); }} }};\n",
        up.addr
    );
    std::fs::write(dir.join("a.js"), &app).unwrap();
    std::fs::write(dir.join("b.js"), &app).unwrap();
    std::fs::write(
        dir.join("nano.toml"),
        "[[app]]\nname = \"a\"\nsource = \"a.js\"\nroutes = [\"/a\"]\n[app.outbound]\nallow = [\"127.0.0.1\"]\n\n\
         [[app]]\nname = \"b\"\nsource = \"b.js\"\nroutes = [\"/b\"]\n[app.outbound]\nallow = [\"127.0.0.1\"]\n",
    )
    .unwrap();
    let server = Server::start(&dir.join("nano.toml"));
    for _ in 0..5 {
        assert_eq!(server.get("/a").text(), "hello upstream", "{}", server.log());
    }
    assert_eq!(up.connections.load(Ordering::SeqCst), 1, "one app's five requests, one connection");
    for _ in 0..5 {
        assert_eq!(server.get("/b").text(), "hello upstream");
    }
    assert_eq!(up.connections.load(Ordering::SeqCst), 2, "another app never takes the first one's connection");
}

/// A fetched body piped into an identity TransformStream that nobody reads:
/// the pipe waits for a reader (so a response can move the body in the
/// host), but one that never comes must not change what the standard says.
/// An empty body's pipe settles; a pipe that shut down (aborted, with
/// `preventCancel`) lets nothing of its source through.
#[test]
fn a_pipe_from_a_fetched_body_into_an_unread_transform_behaves_as_the_standard_says() {
    let up = upstream::start();
    let out = fetch_script(
        &up,
        "deferred-pipe",
        &[],
        r#"
const empty = await fetch(`${UPSTREAM}/empty`);
const ts = new TransformStream();
await empty.body.pipeTo(ts.writable);
console.log('piped', (await new Response(ts.readable).text()).length);

const big = await fetch(`${UPSTREAM}/stream?mb=1`);
const { readable, writable } = new TransformStream();
const controller = new AbortController();
const piped = big.body.pipeTo(writable, { preventCancel: true, signal: controller.signal });
controller.abort();
console.log(await piped.then(() => 'resolved', (e) => e.name));
const sent = await fetch(`${UPSTREAM}/size`, { method: 'POST', body: readable, duplex: 'half' }).then((r) => r.text(), (e) => e.name);
console.log('upload', sent);
"#,
    );
    let stdout = assert_ok(&out);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines[..2], ["piped 0", "AbortError"], "{stdout}");
    assert!(
        lines[2].starts_with("upload") && !lines[2].contains("1048576"),
        "nothing of the source goes out: {stdout}"
    );
}
