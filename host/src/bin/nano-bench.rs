//! `just bench`: the per-request path of nano, measured.
//!
//! 1. In process: instantiate / handle / drop of the hello example, phase by
//!    phase, as `run` does it per request.
//! 2. Over loopback with wrk (-t1 -c16): `nano-host run examples/hello.js`
//!    next to a plain hyper hello-world server, measured in the same run.
//! 3. Web APIs (bench/*.js) under `nano-host exec` and under Node.js, the
//!    same script in both, as ratios.
//! 4. fetch(): 1,000 concurrent fetches from one script against a local
//!    server, and the round trip of one fetch next to the same request made
//!    directly from Rust (hyper, a new connection each time, as wasi:http
//!    does).
//! 5. Streams and Web Crypto throughput (bench/streams_crypto.mjs) next to
//!    flate2 and ring called natively.

use bytes::Bytes;
use http_body_util::{BodyExt, Empty, Full};
use nano_host::engine::{Limits, Runtime};
use nano_host::state::{LogSink, State};
use std::net::TcpListener as StdListener;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use wasmtime_wasi_http::p2::bindings::http::types::Scheme;
use wasmtime_wasi_http::p2::bindings::ProxyPre;
use wasmtime_wasi_http::WasiHttpView;

/// Requests measured in process (`NANO_BENCH_ITERATIONS` overrides).
fn iterations() -> usize {
    std::env::var("NANO_BENCH_ITERATIONS").ok().and_then(|n| n.parse().ok()).unwrap_or(2000)
}
const WRK_SECONDS: &str = "5";

fn main() {
    let nano_bin = std::env::args().nth(1).map(PathBuf::from).expect("usage: nano-bench <path to nano-host>");
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf();
    // An app of one's own may be measured instead: nano-bench <nano-host> [app.js]
    let hello = std::env::args().nth(2).map(PathBuf::from).unwrap_or_else(|| root.join("examples/hello.js"));
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    rt.block_on(per_request_phases(&hello));
    over_http(&rt, &nano_bin, &hello);
    web_apis_against_node(&nano_bin, &root.join("bench/url_clone.js"));
    fetch_against_rust(&rt, &nano_bin);
    streams_and_crypto_against_native(&nano_bin, &root.join("bench/streams_crypto.mjs"));
}

fn mb_per_s(megabytes: f64, f: impl FnOnce()) -> f64 {
    let start = Instant::now();
    f();
    megabytes / start.elapsed().as_secs_f64()
}

fn streams_and_crypto_against_native(nano_bin: &std::path::Path, script: &std::path::Path) {
    use std::io::Write;
    let nano =
        run_script(Command::new(nano_bin).args(["exec", "--max-memory-mb", "1024", "--timeout", "300"]).arg(script))
            .expect("nano-host exec of the streams/crypto bench");
    let get = |name: &str| nano.iter().find(|(k, _)| k == name).map(|(_, v)| *v).unwrap_or(f64::NAN);
    let chunk: Vec<u8> = (0..64 * 1024).map(|i| ((i * 7) % 251) as u8).collect();
    let gzip = mb_per_s(100.0, || {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        for _ in 0..1600 {
            encoder.write_all(&chunk).unwrap();
            encoder.get_mut().clear(); // output is dropped as the stream's would be
        }
        encoder.finish().unwrap();
    });
    let one_mb = vec![1u8; 1 << 20];
    let sha_1mb = mb_per_s(100.0, || {
        for _ in 0..100 {
            std::hint::black_box(ring::digest::digest(&ring::digest::SHA256, &one_mb));
        }
    });
    let hundred_mb = vec![1u8; 100 << 20];
    let sha_100mb = mb_per_s(100.0, || {
        std::hint::black_box(ring::digest::digest(&ring::digest::SHA256, &hundred_mb));
    });
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &[0u8; 32]);
    let message = [0u8; 1024];
    let start = Instant::now();
    for _ in 0..5000 {
        std::hint::black_box(ring::hmac::sign(&key, &message));
    }
    let hmac = 5000.0 / start.elapsed().as_secs_f64();
    let (ecdsa_sign, ecdsa_verify) = ecdsa_p256_ring(&message);
    let (p256_sign, p256_verify) = ecdsa_p256_rustcrypto(&message);
    let gcm_key =
        ring::aead::LessSafeKey::new(ring::aead::UnboundKey::new(&ring::aead::AES_256_GCM, &[0u8; 32]).unwrap());
    let aes_gcm = mb_per_s(100.0, || {
        for _ in 0..100 {
            let mut data = one_mb.clone(); // nano copies the plaintext in too
            let nonce = ring::aead::Nonce::assume_unique_for_key([0u8; 12]);
            gcm_key.seal_in_place_append_tag(nonce, ring::aead::Aad::empty(), &mut data).unwrap();
            std::hint::black_box(data);
        }
    });
    let row = |name: &str, nano: f64, native: f64, unit: &str| {
        println!("  {name:<34} nano {nano:>10.1}   native {native:>10.1} {unit}   ratio {:>6.3}", nano / native)
    };
    println!("streams and Web Crypto (nano next to flate2 / ring called natively):");
    println!("  {:<34} nano {:>10.1} MB/s", "identity TransformStream, 100 MB", get("identity_transform_100mb_mb_s"));
    row("gzip CompressionStream, 100 MB", get("gzip_100mb_mb_s"), gzip, "MB/s");
    row("SHA-256 digest, 1 MB x 100", get("sha256_1mb_mb_s"), sha_1mb, "MB/s");
    row("SHA-256 digest, 100 MB", get("sha256_100mb_mb_s"), sha_100mb, "MB/s");
    row("HMAC-SHA-256 sign, 1 KB", get("hmac_sha256_1kb_per_s"), hmac, "/s  ");
    row("SHA-256 DigestStream, 100 MB", get("digest_stream_100mb_mb_s"), sha_100mb, "MB/s");
    row("ECDSA P-256 sign, 1 KB (ring)", get("ecdsa_p256_sign_per_s"), ecdsa_sign, "/s  ");
    row("ECDSA P-256 verify, 1 KB (ring)", get("ecdsa_p256_verify_per_s"), ecdsa_verify, "/s  ");
    row("ECDSA P-256 sign (p256 crate)", get("ecdsa_p256_sign_per_s"), p256_sign, "/s  ");
    row("ECDSA P-256 verify (p256 crate)", get("ecdsa_p256_verify_per_s"), p256_verify, "/s  ");
    row("AES-256-GCM encrypt, 1 MB x 100", get("aes_256_gcm_1mb_mb_s"), aes_gcm, "MB/s");
}

/// Signatures and verifications per second with ring (the fastest native
/// P-256 at hand).
fn ecdsa_p256_ring(message: &[u8]) -> (f64, f64) {
    use ring::signature::{
        EcdsaKeyPair, KeyPair, UnparsedPublicKey, ECDSA_P256_SHA256_FIXED, ECDSA_P256_SHA256_FIXED_SIGNING,
    };
    let rng = ring::rand::SystemRandom::new();
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
    let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng).unwrap();
    let start = Instant::now();
    let mut signature = None;
    for _ in 0..2000 {
        signature = Some(pair.sign(&rng, message).unwrap());
    }
    let sign = 2000.0 / start.elapsed().as_secs_f64();
    let public = UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, pair.public_key().as_ref());
    let signature = signature.unwrap();
    let start = Instant::now();
    for _ in 0..2000 {
        public.verify(message, signature.as_ref()).unwrap();
    }
    (sign, 2000.0 / start.elapsed().as_secs_f64())
}

/// The same with the `p256` crate nano's host uses, to tell the cost of the
/// crate from the cost of the instance boundary.
fn ecdsa_p256_rustcrypto(message: &[u8]) -> (f64, f64) {
    use p256::ecdsa::signature::{Signer, Verifier};
    let key = p256::ecdsa::SigningKey::random(&mut rand_core::OsRng);
    let start = Instant::now();
    let mut signature: Option<p256::ecdsa::Signature> = None;
    for _ in 0..2000 {
        signature = Some(key.sign(message));
    }
    let sign = 2000.0 / start.elapsed().as_secs_f64();
    let (public, signature) = (*key.verifying_key(), signature.unwrap());
    let start = Instant::now();
    for _ in 0..2000 {
        public.verify(message, &signature).unwrap();
    }
    (sign, 2000.0 / start.elapsed().as_secs_f64())
}

const FETCH_ROUND_TRIPS: usize = 300;

fn fetch_against_rust(rt: &tokio::runtime::Runtime, nano_bin: &std::path::Path) {
    let port = spawn_text_server(rt, b"pong");
    wait_for(port);
    let url = format!("http://127.0.0.1:{port}/");

    // Baseline: hyper from Rust, one connection per request.
    let started = Instant::now();
    rt.block_on(async {
        for _ in 0..FETCH_ROUND_TRIPS {
            let stream = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.unwrap();
            let (mut sender, conn) =
                hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream)).await.unwrap();
            tokio::spawn(conn);
            let req = hyper::Request::builder()
                .uri(&url)
                .header("host", format!("127.0.0.1:{port}"))
                .body(Empty::<Bytes>::new())
                .unwrap();
            let body = sender.send_request(req).await.unwrap().into_body().collect().await.unwrap().to_bytes();
            assert_eq!(&body[..], b"pong");
        }
    });
    let rust_us = started.elapsed().as_secs_f64() * 1e6 / FETCH_ROUND_TRIPS as f64;

    let script = std::env::temp_dir().join(format!("nano-bench-fetch-{}.mjs", std::process::id()));
    std::fs::write(
        &script,
        format!(
            r#"const url = '{url}';
let start = performance.now();
const all = await Promise.all(Array.from({{ length: 1000 }}, () => fetch(url).then((r) => r.text())));
const concurrentMs = performance.now() - start;
if (!all.every((b) => b === 'pong')) throw new Error('bad body');
for (let i = 0; i < 20; i++) await (await fetch(url)).text();
start = performance.now();
for (let i = 0; i < {FETCH_ROUND_TRIPS}; i++) await (await fetch(url)).text();
const roundTripUs = (performance.now() - start) * 1000 / {FETCH_ROUND_TRIPS};
console.log(JSON.stringify({{ concurrent_1000_ms: concurrentMs, round_trip_us: roundTripUs }}));
export {{}};
"#
        ),
    )
    .unwrap();
    let nano =
        run_script(Command::new(nano_bin).args(["exec", "--allow-host", "127.0.0.1", "--timeout", "120"]).arg(&script))
            .expect("nano-host exec of the fetch bench");
    let _ = std::fs::remove_file(&script);
    let get = |name: &str| nano.iter().find(|(k, _)| k == name).map(|(_, v)| *v).unwrap_or(f64::NAN);
    let peak = peak_memory_of_concurrent_fetches(nano_bin, &url);
    println!("fetch() against a local server:");
    println!("  1,000 concurrent fetches from one script   {:>10.1} ms", get("concurrent_1000_ms"));
    println!("  peak instance memory meanwhile             {:>10.1} MiB", peak as f64 / 1024.0);
    println!("  one fetch round trip, nano                 {:>10.1} µs", get("round_trip_us"));
    println!("  the same request from Rust (hyper)         {rust_us:>10.1} µs");
    println!("  ratio nano / Rust                          {:>10.2}", get("round_trip_us") / rust_us);
}

/// The peak linear memory (KiB) of an instance making 1,000 concurrent
/// fetches, from the host's `nano::instance` debug line.
fn peak_memory_of_concurrent_fetches(nano_bin: &std::path::Path, url: &str) -> u64 {
    let script = std::env::temp_dir().join(format!("nano-bench-fetch-peak-{}.mjs", std::process::id()));
    std::fs::write(
        &script,
        format!("await Promise.all(Array.from({{ length: 1000 }}, () => fetch('{url}').then((r) => r.text())));\nexport {{}};\n"),
    )
    .unwrap();
    let out = Command::new(nano_bin)
        .args(["exec", "--allow-host", "127.0.0.1", "--timeout", "120"])
        .arg(&script)
        .env("NANO_LOG", "warn,nano::instance=debug")
        .output()
        .expect("nano-host exec of the fetch memory bench");
    let _ = std::fs::remove_file(&script);
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .find_map(|l| l.split("peak_memory_kib=").nth(1)?.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// Runs a bench script that prints one JSON object of numbers.
fn run_script(cmd: &mut Command) -> Option<Vec<(String, f64)>> {
    let out = cmd.output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().last()?.trim().trim_start_matches('{').trim_end_matches('}').to_string();
    Some(
        line.split(',')
            .filter_map(|kv| kv.split_once(':'))
            .filter_map(|(k, v)| Some((k.trim_matches('"').to_string(), v.parse().ok()?)))
            .collect(),
    )
}

fn web_apis_against_node(nano_bin: &std::path::Path, script: &std::path::Path) {
    println!("web APIs, {} (same script in nano and Node.js):", script.display());
    let nano = run_script(Command::new(nano_bin).arg("exec").arg(script)).expect("nano-host exec of the bench script");
    let node = run_script(Command::new("node").arg(script));
    for (name, value) in &nano {
        let baseline = node.as_ref().and_then(|n| n.iter().find(|(k, _)| k == name)).map(|(_, v)| *v);
        match baseline {
            Some(b) if name.ends_with("_per_s") => {
                println!("  {name:<28} nano {value:>12.0}   node {b:>12.0}   ratio nano/node {:>6.3}", value / b)
            }
            _ => println!("  {name:<28} {value:>12.0}"),
        }
    }
    if node.is_none() {
        println!("  (node not found: no baseline)");
    }
}

struct Samples(Vec<Duration>);

impl Samples {
    fn report(&mut self, name: &str) {
        self.0.sort();
        let n = self.0.len();
        let mean = self.0.iter().sum::<Duration>() / n as u32;
        let pct = |p: f64| self.0[((n as f64 * p) as usize).min(n - 1)];
        println!(
            "  {name:<12} mean {:>8.1} µs   p50 {:>8.1} µs   p99 {:>8.1} µs",
            mean.as_secs_f64() * 1e6,
            pct(0.5).as_secs_f64() * 1e6,
            pct(0.99).as_secs_f64() * 1e6
        );
    }
}

async fn per_request_phases(hello: &std::path::Path) {
    let runtime = Runtime::new(Limits::default(), true).expect("runtime");
    let source = std::fs::read_to_string(hello).unwrap();
    let module = nano_host::app_build::is_module(hello, &source);
    let wasm = nano_host::app_build::build(&runtime, &source, "app.js", module).await.expect("build the app");
    let component = runtime.load_component(&wasm).unwrap();
    let pre = ProxyPre::new(runtime.instantiate_pre(&component).unwrap()).unwrap();
    let (mut inst, mut handle, mut drop_t, mut total) =
        (Samples(vec![]), Samples(vec![]), Samples(vec![]), Samples(vec![]));
    for i in 0..iterations() + 100 {
        let t0 = Instant::now();
        let state = State::new(State::wasi(&runtime.limits).build(), LogSink::Stdio, &runtime.limits);
        let mut store = runtime.new_store(state);
        let req = hyper::Request::builder().uri("http://localhost/bench").body(Empty::<Bytes>::new()).unwrap();
        let req = store.data_mut().http().new_incoming_request(Scheme::Http, req).unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel();
        let out = store.data_mut().http().new_response_outparam(tx).unwrap();
        let proxy = pre.instantiate_async(&mut store).await.unwrap();
        let t1 = Instant::now();
        proxy.wasi_http_incoming_handler().call_handle(&mut store, req, out).await.unwrap();
        let body = rx.await.unwrap().unwrap().into_body().collect().await.unwrap().to_bytes();
        assert!(!body.is_empty());
        let t2 = Instant::now();
        drop(store);
        let t3 = Instant::now();
        if i >= 100 {
            inst.0.push(t1 - t0);
            handle.0.push(t2 - t1);
            drop_t.0.push(t3 - t2);
            total.0.push(t3 - t0);
        }
    }
    println!("per request, {}, in process", hello.display());
    println!("  ({} requests, fresh instance each):", iterations());
    inst.report("instantiate");
    handle.report("handle");
    drop_t.report("drop store");
    total.report("total");
}

fn free_port() -> u16 {
    StdListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn wrk(url: &str) -> f64 {
    let out = Command::new("wrk")
        .args(["-t1", "-c16", "-d", WRK_SECONDS, url])
        .output()
        .expect("running wrk (install it with `just setup`)");
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .find_map(|l| l.strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no Requests/sec in wrk output:\n{text}"))
}

/// A minimal hyper server answering every request with `body`; its port.
fn spawn_text_server(rt: &tokio::runtime::Runtime, body: &'static [u8]) -> u16 {
    let port = free_port();
    rt.spawn(async move {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await.unwrap();
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |_req| async move {
                    Ok::<_, std::convert::Infallible>(hyper::Response::new(Full::new(Bytes::from_static(body))))
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    port
}

fn wait_for(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "server on {port} did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn over_http(rt: &tokio::runtime::Runtime, nano_bin: &std::path::Path, hello: &std::path::Path) {
    // Baseline: the smallest hyper server answering the same text.
    let base_port = spawn_text_server(rt, b"Hello from nano! You asked for /bench\n");
    wait_for(base_port);
    let baseline = wrk(&format!("http://127.0.0.1:{base_port}/bench"));

    let nano_port = free_port();
    let mut child = Command::new(nano_bin)
        .args(["run"])
        .arg(hello)
        .args(["--listen", &format!("127.0.0.1:{nano_port}")])
        .env("NANO_LOG", "warn")
        .stderr(Stdio::null())
        .spawn()
        .expect("starting nano-host");
    wait_for(nano_port);
    let nano = wrk(&format!("http://127.0.0.1:{nano_port}/bench"));
    let _ = child.kill();
    let _ = child.wait();

    println!("over loopback, wrk -t1 -c16 -d{WRK_SECONDS}s (load generator and server share the machine):");
    println!("  plain hyper hello world   {baseline:>10.0} req/s");
    println!("  nano, examples/hello.js   {nano:>10.0} req/s");
    println!("  ratio nano / hyper        {:>10.3}", nano / baseline);
}
