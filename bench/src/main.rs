//! `just bench`: what nano's request path costs, each figure next to a
//! baseline measured in the same run. Printed, and written as JSON (`--json`,
//! by default `<target dir>/bench/results.json`).
//!
//! 1. In process: requests on one keep-alive HTTP/1.1 connection over an
//!    in-memory pipe, served by the library's own connection handler
//!    (`server::connection`, what `run` gives every accepted connection: the
//!    client timeouts, an instance slot, an instance reset in place after
//!    the request before or a fresh one, every limit at `run`'s default),
//!    next to a plain hyper server on the same kind of pipe; and the host's
//!    own phase times of each instance (instantiate or renew / handle /
//!    reset or drop, its `nano::instance` line); then reset in place
//!    against fresh instances, and the pagemap slot reset against the blind
//!    one.
//! 2. Over loopback with wrk (-t1 -c16): `nano-host run` of the app next to
//!    a plain hyper hello-world server; then the routes of bench/routes
//!    (hello, a SHA-256 of a 1 KiB POST, 1,000 entries stringified) under
//!    `nano-host run` and under Node.js's `node:http`, the same JavaScript
//!    per request in both (routes.rs).
//! 3. Web APIs (bench/url_clone.js) under `nano-host exec` and under Node.js,
//!    the same script in both.
//! 4. fetch(): 1,000 concurrent fetches from one script against a local
//!    server, and the round trip of one fetch next to the same request made
//!    directly from Rust (hyper, a new connection each time, as wasi:http
//!    does).
//! 5. Streams and Web Crypto throughput (bench/streams_crypto.mjs) next to
//!    flate2 and ring called natively.
//!
//! With `--load` (`just load`), only the load scenario runs instead (load.rs).
//!
//! Every ratio is nano's figure divided by its baseline's, whatever the unit:
//! for a rate higher is better, for a time lower is.

use anyhow::{bail, Context as _, Result};
use bytes::Bytes;
use clap::Parser;
use http_body_util::{BodyExt, Empty, Full};
use nano_host::app::AppConfig;
use nano_host::app_build::{self, BuildError, BuildOptions};
use nano_host::engine::{PoolLimits, Runtime};
use nano_host::limits::AppLimits;
use nano_host::server::{self, Server};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

// The allocator `nano-host` serves with (host/src/main.rs), so that the
// in-process figures are the server's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod load;
mod routes;

#[derive(Parser)]
#[command(about = "nano's benchmarks: the real request path next to same-run baselines")]
struct Args {
    /// The nano-host binary run over loopback and for scripts (default: the
    /// one beside this binary).
    #[arg(long)]
    nano_host: Option<PathBuf>,
    /// The app measured per request (default: examples/hello.js).
    #[arg(long)]
    app: Option<PathBuf>,
    /// Requests measured in process (after 100 not measured).
    #[arg(long, default_value_t = 2000)]
    requests: usize,
    /// Where to write the results as JSON (default: <target dir>/bench/results.json).
    #[arg(long)]
    json: Option<PathBuf>,
    /// Run only the load scenario (`just load`): nano and Node.js under wrk
    /// at 256 and 1,000 connections, each request a fetch streamed back.
    #[arg(long)]
    load: bool,
    /// Run only the routes against Node.js (routes.rs).
    #[arg(long, conflicts_with = "load")]
    routes: bool,
}

const WRK_SECONDS: &str = "5";
const WARMUP_REQUESTS: usize = 100;

fn main() -> Result<()> {
    let args = Args::parse();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().context("the bench crate is in the repository")?;
    let exe = std::env::current_exe().context("finding this binary")?;
    let exe_dir = exe.parent().context("this binary's folder")?;
    let nano_bin = args.nano_host.unwrap_or_else(|| exe_dir.join("nano-host"));
    if !nano_bin.is_file() {
        bail!("{} not found: build it (cargo build --release -p nano-host) or pass --nano-host", nano_bin.display());
    }
    let json_path = args.json.unwrap_or_else(|| {
        // <target>/release/nano-bench -> <target>/bench/results.json
        let target = std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| exe_dir.parent().unwrap_or(exe_dir).to_path_buf());
        target.join("bench/results.json")
    });
    let app = args.app.unwrap_or_else(|| root.join("examples/hello.js"));
    let instances = InstanceLog::install()?;
    // wrk at 1,000 connections, and the servers it talks to, need the fds.
    let _ = rlimit::increase_nofile_limit(u64::MAX);

    let mut report = Report::new(root, &nano_bin, &app);
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().context("tokio runtime")?;
    if args.load {
        let dir = json_path.parent().unwrap_or(Path::new(".")).join("load");
        load::run(&rt, &nano_bin, &dir, &mut report)?;
        return write_report(&report, &json_path.with_file_name("load.json"));
    }
    if args.routes {
        routes::run(&nano_bin, root, &mut report)?;
        return write_report(&report, &json_path.with_file_name("routes.json"));
    }
    let answer = rt.block_on(in_process(&app, args.requests, &instances, &mut report))?;
    rt.block_on(reset_modes(&app, args.requests, &instances, &mut report))?;
    rt.block_on(module_graph_cost(&json_path, args.requests, &instances, &mut report))?;
    over_http(&rt, &nano_bin, &app, answer, &mut report)?;
    routes::run(&nano_bin, root, &mut report)?;
    web_apis_against_node(&nano_bin, &root.join("bench/url_clone.js"), &mut report)?;
    fetch_against_rust(&rt, &nano_bin, &mut report)?;
    streams_and_crypto_against_native(&nano_bin, &root.join("bench/streams_crypto.mjs"), &mut report)?;

    write_report(&report, &json_path)
}

fn write_report(report: &Report, json_path: &Path) -> Result<()> {
    if let Some(dir) = json_path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let json = serde_json::to_string_pretty(report).context("serialising the results")?;
    std::fs::write(json_path, json + "\n").with_context(|| format!("writing {}", json_path.display()))?;
    println!("results written to {}", json_path.display());
    Ok(())
}

/// The run's figures, as written to the JSON file.
#[derive(Serialize)]
struct Report {
    /// Bumped when the meaning of a field changes.
    schema: u32,
    unix_time: u64,
    cpus: usize,
    /// `git rev-parse HEAD` of the checkout, if it is one.
    revision: Option<String>,
    nano_host: String,
    app: String,
    results: Vec<Measurement>,
}

#[derive(Serialize)]
struct Measurement {
    group: &'static str,
    name: String,
    value: f64,
    unit: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline: Option<Baseline>,
    /// value / baseline.value
    #[serde(skip_serializing_if = "Option::is_none")]
    ratio: Option<f64>,
}

#[derive(Serialize)]
struct Baseline {
    name: String,
    value: f64,
}

impl Report {
    fn new(root: &Path, nano_bin: &Path, app: &Path) -> Report {
        let revision = Command::new("git")
            .arg("-C")
            .arg(root)
            .args(["rev-parse", "HEAD"])
            .output()
            .ok()
            .filter(|out| out.status.success())
            .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_string());
        Report {
            schema: 1,
            unix_time: SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_secs()),
            cpus: std::thread::available_parallelism().map_or(1, |n| n.get()),
            revision,
            nano_host: nano_bin.display().to_string(),
            app: app.display().to_string(),
            results: Vec::new(),
        }
    }

    fn group(&self, title: &str) {
        println!("{title}:");
    }

    fn add(&mut self, group: &'static str, name: &str, value: f64, unit: &'static str) {
        // A ratio ("x") to three places, as `compare` prints its ratios.
        let places = if unit == "x" { 3 } else { 1 };
        println!("  {name:<44} {value:>12.places$} {unit:<5}");
        self.results.push(Measurement { group, name: name.into(), value, unit, baseline: None, ratio: None });
    }

    /// A figure of nano's next to the same work done by `baseline_name`.
    fn compare(
        &mut self,
        group: &'static str,
        name: &str,
        value: f64,
        unit: &'static str,
        baseline_name: &str,
        baseline: f64,
    ) {
        let ratio = value / baseline;
        println!("  {name:<44} {value:>12.1} {unit:<5}  {baseline_name} {baseline:>12.1}   ratio {ratio:>6.3}");
        let baseline = Some(Baseline { name: baseline_name.into(), value: baseline });
        self.results.push(Measurement { group, name: name.into(), value, unit, baseline, ratio: Some(ratio) });
    }

    /// Mean, p50 and p99 of `samples`, in µs, each next to the same of
    /// `baseline`'s samples if given.
    fn latency(
        &mut self,
        group: &'static str,
        name: &str,
        samples: &mut [Duration],
        baseline: Option<(&str, &mut [Duration])>,
    ) {
        let row = |name: &str, [mean, p50, p99]: [f64; 3]| {
            println!("  {name:<44} mean {mean:>8.1} µs   p50 {p50:>8.1} µs   p99 {p99:>8.1} µs")
        };
        let nano = stats_us(samples);
        row(name, nano);
        let baseline = baseline.map(|(baseline_name, samples)| {
            let stats = stats_us(samples);
            row(&format!("  {baseline_name}"), stats);
            (baseline_name, stats)
        });
        for (i, stat) in ["mean", "p50", "p99"].into_iter().enumerate() {
            self.results.push(Measurement {
                group,
                name: format!("{name} {stat}"),
                value: nano[i],
                unit: "us",
                baseline: baseline.map(|(name, stats)| Baseline { name: name.into(), value: stats[i] }),
                ratio: baseline.map(|(_, stats)| nano[i] / stats[i]),
            });
        }
    }
}

/// Mean, p50 and p99 in µs (NaN if there are no samples).
fn stats_us(samples: &mut [Duration]) -> [f64; 3] {
    if samples.is_empty() {
        return [f64::NAN; 3];
    }
    samples.sort();
    let n = samples.len();
    let mean = samples.iter().sum::<Duration>() / n as u32;
    let pct = |p: f64| samples[((n as f64 * p) as usize).min(n - 1)];
    [mean, pct(0.5), pct(0.99)].map(|d| d.as_secs_f64() * 1e6)
}

/// The phase times the host logs for each instance it served (server.rs,
/// the `nano::instance` "instance finished" line), collected in process.
#[derive(Clone, Default)]
struct InstanceLog(Arc<Mutex<Vec<InstancePhases>>>);

#[derive(Clone, Copy, Default)]
struct InstancePhases {
    instantiate_us: Option<u64>,
    handle_us: Option<u64>,
    drop_us: Option<u64>,
    peak_memory_kib: Option<u64>,
}

impl InstanceLog {
    /// Collects the host's instance lines; anything at warn or above goes
    /// to stderr as usual.
    fn install() -> Result<InstanceLog> {
        use tracing_subscriber::filter::{filter_fn, LevelFilter};
        use tracing_subscriber::prelude::*;
        let log = InstanceLog::default();
        tracing_subscriber::registry()
            .with(log.clone().with_filter(filter_fn(|meta| meta.target() == "nano::instance")))
            .with(tracing_subscriber::fmt::layer().with_writer(std::io::stderr).with_filter(LevelFilter::WARN))
            .try_init()
            .context("installing the log collector")?;
        Ok(log)
    }

    fn take(&self) -> Vec<InstancePhases> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(|p| p.into_inner()))
    }

    fn len(&self) -> usize {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    /// Takes the lines once `n` instances have logged theirs (each logs
    /// when its task ends, just after the client has the last byte), or
    /// after 10 s, whatever arrived.
    async fn wait_for(&self, n: usize) -> Vec<InstancePhases> {
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.len() < n && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        self.take()
    }
}

/// The median of one phase over the instances logged, in µs.
fn phase_p50(logged: &[InstancePhases], get: fn(&InstancePhases) -> Option<u64>) -> f64 {
    let mut samples: Vec<Duration> = logged.iter().filter_map(get).map(Duration::from_micros).collect();
    stats_us(&mut samples)[1]
}

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for InstanceLog {
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        let mut phases = InstancePhases::default();
        event.record(&mut phases);
        // exec's line has no phases; only served instances count.
        if phases.drop_us.is_some() {
            self.0.lock().unwrap_or_else(|p| p.into_inner()).push(phases);
        }
    }
}

impl tracing::field::Visit for InstancePhases {
    fn record_u64(&mut self, field: &tracing::field::Field, value: u64) {
        match field.name() {
            "instantiate_us" => self.instantiate_us = Some(value),
            "handle_us" => self.handle_us = Some(value),
            "drop_us" => self.drop_us = Some(value),
            "peak_memory_kib" => self.peak_memory_kib = Some(value),
            _ => {}
        }
    }

    fn record_debug(&mut self, _: &tracing::field::Field, _: &dyn std::fmt::Debug) {}
}

/// Returns the app's answer to GET /bench.
async fn in_process(app_path: &Path, requests: usize, instances: &InstanceLog, report: &mut Report) -> Result<Bytes> {
    instances.take();
    let Run { samples: mut nano, body, rate: nano_rate, faults_per_request, .. } =
        app_requests(app_path, requests).await?;
    let phases: Vec<InstancePhases> =
        instances.wait_for(requests + WARMUP_REQUESTS).await.into_iter().skip(WARMUP_REQUESTS).collect();
    if phases.len() != requests {
        bail!("the host logged {} measured instances for {requests} requests", phases.len());
    }

    // Baseline: plain hyper on the same kind of pipe, answering the body the
    // app answered.
    let answer = body.clone();
    let hyper_run = sequential_requests(requests, move |io| {
        let service = hyper::service::service_fn(move |_req| {
            let body = body.clone();
            async move { Ok::<_, std::convert::Infallible>(hyper::Response::new(Full::new(body))) }
        });
        tokio::spawn(
            hyper::server::conn::http1::Builder::new().serve_connection(hyper_util::rt::TokioIo::new(io), service),
        );
    })
    .await
    .context("requests to the plain hyper server")?;
    let mut hyper_samples = hyper_run.samples;
    let hyper_rate = hyper_run.rate;

    const G: &str = "in_process";
    report.group(&format!(
        "in process, {}: {requests} requests one after another on one connection over an in-memory pipe, as run serves them (each in the instance the one before left, reset in place)",
        app_path.display()
    ));
    report.compare(G, "requests per second, one connection", nano_rate, "req/s", "plain hyper", hyper_rate);
    report.latency(G, "request, sent to last body byte", &mut nano, Some(("plain hyper", &mut hyper_samples)));
    let phase = |get: fn(&InstancePhases) -> Option<u64>| -> Vec<Duration> {
        phases.iter().filter_map(get).map(Duration::from_micros).collect()
    };
    report.latency(G, "instantiate or renew the store (host)", &mut phase(|p| p.instantiate_us), None);
    report.latency(G, "handle (host)", &mut phase(|p| p.handle_us), None);
    report.latency(G, "reset or drop the store (host)", &mut phase(|p| p.drop_us), None);
    let peak = phases.iter().filter_map(|p| p.peak_memory_kib).max().unwrap_or(0);
    report.add(G, "peak instance memory", peak as f64 / 1024.0, "MiB");
    report.compare(
        G,
        "minor page faults per request",
        faults_per_request,
        "faults",
        "plain hyper",
        hyper_run.faults_per_request,
    );
    Ok(answer)
}

/// How an instance is made ready for a request, the same app and requests
/// each way, the phases and faults of each: an instance reset in place
/// after the request before (as `run` serves; reuse.rs) against a fresh
/// instance per request (`--fresh-instances`) in a slot reset by the
/// pagemap scan `run` uses (only the pages the instance wrote are copied
/// back; patches/README.md), and that slot reset against the blind one it
/// replaces (the first 4 MiB copied back whatever was touched).
async fn reset_modes(app_path: &Path, requests: usize, instances: &InstanceLog, report: &mut Report) -> Result<()> {
    let mut measured = Vec::new();
    for (reuse_instances, pagemap_scan) in [(true, true), (false, true), (false, false)] {
        instances.take();
        let pool = PoolLimits { pagemap_scan, reuse_instances, ..PoolLimits::default() };
        let mut run = app_requests_in(app_path, requests, pool).await?;
        let logged = instances.wait_for(requests + WARMUP_REQUESTS).await;
        let p50 = |get| phase_p50(&logged, get);
        measured.push([
            stats_us(&mut run.samples)[1],
            p50(|p| p.instantiate_us),
            p50(|p| p.handle_us),
            p50(|p| p.drop_us),
            run.faults_per_request,
            run.slot_resident.unwrap_or(0) as f64 / 1024.0,
        ]);
    }
    let rows = [
        ("request p50", "us"),
        ("instantiate or renew p50", "us"),
        ("handle p50", "us"),
        ("drop or reset p50", "us"),
        ("minor page faults per request", "faults"),
        ("memory a used slot keeps resident", "KiB"),
    ];
    const G: &str = "instance_reuse";
    report.group(&format!(
        "{}: instance reset in place (as run) against a fresh instance per request (--fresh-instances)",
        app_path.display()
    ));
    // A parked instance's slot is in use: the pool's figure for unused
    // slots says nothing of it.
    for (i, (name, unit)) in rows.into_iter().enumerate().take(5) {
        report.compare(G, name, measured[0][i], unit, "fresh instances", measured[1][i]);
    }
    const S: &str = "slot_reset";
    report.group(&format!(
        "{}: fresh instances, slot reset by pagemap scan (as run) against the blind reset",
        app_path.display()
    ));
    for (i, (name, unit)) in rows.into_iter().enumerate() {
        report.compare(S, name, measured[1][i], unit, "blind reset", measured[2][i]);
    }
    Ok(())
}

/// MODULES modules behind one handler: each imports the next and a JSON
/// file of its own, and the handler calls a function of the first. Written
/// next to the JSON results, so builds of it are cached like any app's.
const MODULES: usize = 200;

/// Per-request cost of an app of MODULES modules against the same handler
/// in one module: the modules are declared and evaluated in the snapshot,
/// so the ratio should be 1.
async fn module_graph_cost(
    json_path: &Path,
    requests: usize,
    instances: &InstanceLog,
    report: &mut Report,
) -> Result<()> {
    let dir = json_path.parent().unwrap_or(Path::new(".")).join("module-graph");
    let single = dir.join("single.js");
    let many = dir.join("many/index.js");
    std::fs::create_dir_all(dir.join("many/lib")).with_context(|| format!("creating {}", dir.display()))?;
    let handler = "export default { fetch: () => new Response('hello, ' + greet()) };\n";
    std::fs::write(&single, format!("const greet = () => 'world';\n{handler}"))?;
    std::fs::write(&many, format!("import {{ greet }} from './lib/m0.js';\n{handler}"))?;
    for i in 0..MODULES {
        // Every module is imported (and evaluated, into the snapshot); the
        // request calls into the first one only, as the single module does.
        let next = if i + 1 < MODULES { format!("import './m{}.js';\n", i + 1) } else { String::new() };
        let module = format!(
            "{next}import data from './m{i}.json';\nexport const table{i} = data.rows.map((r) => r * {i});\nexport function greet() {{ return 'world'; }}\n"
        );
        std::fs::write(dir.join(format!("many/lib/m{i}.js")), module)?;
        let rows: Vec<String> = (0..50).map(|r| r.to_string()).collect();
        std::fs::write(dir.join(format!("many/lib/m{i}.json")), format!("{{\"rows\": [{}]}}", rows.join(",")))?;
    }
    let mut p50 = Vec::new();
    let mut phases = Vec::new();
    for app_path in [&single, &many] {
        instances.take();
        let Run { mut samples, body, .. } = app_requests(app_path, requests).await?;
        if body != "hello, world" {
            bail!("{} answered {body:?}", app_path.display());
        }
        p50.push(stats_us(&mut samples)[1]);
        let logged = instances.wait_for(requests + WARMUP_REQUESTS).await;
        let phase = |get| phase_p50(&logged, get);
        let peak = logged.iter().filter_map(|p| p.peak_memory_kib).max().unwrap_or(0);
        phases.push([phase(|p| p.instantiate_us), phase(|p| p.handle_us), phase(|p| p.drop_us), peak as f64 / 1024.0]);
    }
    const G: &str = "module_graph";
    report.group(&format!(
        "an app of {} modules ({MODULES} JS + {MODULES} JSON) against one module, same handler",
        2 * MODULES + 1
    ));
    report.compare(G, "request p50", p50[1], "us", "one module", p50[0]);
    for (i, name) in ["instantiate or renew p50", "handle p50", "drop or reset p50"].into_iter().enumerate() {
        report.compare(G, name, phases[1][i], "us", "one module", phases[0][i]);
    }
    report.compare(G, "peak instance memory", phases[1][3], "MiB", "one module", phases[0][3]);
    Ok(())
}

/// `sequential_requests` to the app at `app_path`, served in process as
/// `nano-host run` sets an app up: a pooling runtime with the default
/// limits, the app built (or taken from the build cache) and linked once.
async fn app_requests(app_path: &Path, requests: usize) -> Result<Run> {
    app_requests_in(app_path, requests, PoolLimits::default()).await
}

/// `app_requests` with other pool settings than `run`'s.
async fn app_requests_in(app_path: &Path, requests: usize, pool: PoolLimits) -> Result<Run> {
    let runtime = Runtime::new(pool, true)?;
    let wasm = app_build::build_cached(&runtime, app_path, &BuildOptions::default()).await.map_err(|e| match e {
        BuildError::App(message) => anyhow::anyhow!(message),
        BuildError::Internal(e) => anyhow::anyhow!("building {}: {e:?}", app_path.display()),
    })?;
    let component = runtime.load_component(&wasm)?;
    let config = AppConfig::new(app_path.display().to_string(), AppLimits::default());
    let engine = runtime.engine.clone();
    let app = Server::single(runtime, config, &component, Some(&wasm))?;
    let mut run = sequential_requests(requests, |io| {
        let conn = server::connection(app.clone(), io);
        tokio::spawn(async move {
            let _ = conn.await;
        });
    })
    .await
    .with_context(|| format!("requests to {} in process", app_path.display()))?;
    // The last instance is dropped (and its slot reset) just after its body's
    // last byte went out.
    tokio::time::sleep(Duration::from_millis(50)).await;
    run.slot_resident = engine.pooling_allocator_metrics().map(|pool| pool.unused_memory_bytes_resident());
    Ok(run)
}

/// Sends `requests` (after `WARMUP_REQUESTS`) GETs one after another on one
/// keep-alive HTTP/1.1 connection over an in-memory pipe whose other end
/// `serve` takes; each one's time from sending to the last byte of its
/// body, and the last body.
async fn sequential_requests(requests: usize, serve: impl FnOnce(tokio::io::DuplexStream)) -> Result<Run> {
    let (client, server) = tokio::io::duplex(64 << 10);
    serve(server);
    let (mut sender, conn) = hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(client)).await?;
    tokio::spawn(conn);
    let mut samples = Vec::with_capacity(requests);
    let mut body = Bytes::new();
    let mut faults_before = 0;
    let mut measuring = Instant::now();
    for i in 0..requests + WARMUP_REQUESTS {
        if i == WARMUP_REQUESTS {
            faults_before = minor_faults();
            measuring = Instant::now();
        }
        sender.ready().await.context("the connection closed")?;
        let request = hyper::Request::get("/bench").header("host", "localhost").body(Empty::<Bytes>::new())?;
        let sent = Instant::now();
        let response = sender.send_request(request).await.context("sending a request")?;
        let status = response.status();
        body = response.into_body().collect().await.context("reading a response body")?.to_bytes();
        if status != hyper::StatusCode::OK || body.is_empty() {
            bail!("got {status} and {} bytes", body.len());
        }
        if i >= WARMUP_REQUESTS {
            samples.push(sent.elapsed());
        }
    }
    let rate = requests as f64 / measuring.elapsed().as_secs_f64();
    let faults_per_request = (minor_faults() - faults_before) as f64 / requests as f64;
    Ok(Run { samples, body, rate, faults_per_request, slot_resident: None })
}

/// What `sequential_requests` measured.
struct Run {
    /// Each request's time from sending to the last byte of its body.
    samples: Vec<Duration>,
    /// The last body.
    body: Bytes,
    /// Requests per second over the measured requests.
    rate: f64,
    /// The process's minor page faults over the measured requests, per
    /// request (client and server alike: both run in this process).
    faults_per_request: f64,
    /// What the pool slot the requests ran in keeps resident after its
    /// reset: the pages the last request wrote (the pagemap scan resets
    /// those in place) or the blind reset's whole range. `None` for servers
    /// without a pool.
    slot_resident: Option<usize>,
}

/// The process's minor page faults so far (getrusage).
fn minor_faults() -> i64 {
    // SAFETY: getrusage only writes the struct it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: as above; RUSAGE_SELF is always valid.
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) } != 0 {
        return 0;
    }
    usage.ru_minflt
}

fn mb_per_s(megabytes: f64, f: impl FnOnce() -> Result<()>) -> Result<f64> {
    let start = Instant::now();
    f()?;
    Ok(megabytes / start.elapsed().as_secs_f64())
}

fn streams_and_crypto_against_native(nano_bin: &Path, script: &Path, report: &mut Report) -> Result<()> {
    use std::io::Write;
    let nano =
        run_script(Command::new(nano_bin).args(["exec", "--max-memory-mb", "1024", "--timeout", "300"]).arg(script))?;
    let get = |name: &str| nano.get(name).copied().unwrap_or(f64::NAN);
    let chunk: Vec<u8> = (0..64 * 1024).map(|i| ((i * 7) % 251) as u8).collect();
    let gzip = mb_per_s(100.0, || {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        for _ in 0..1600 {
            encoder.write_all(&chunk)?;
            encoder.get_mut().clear(); // output is dropped as the stream's would be
        }
        encoder.finish()?;
        Ok(())
    })?;
    let one_mb = vec![1u8; 1 << 20];
    let sha_1mb = mb_per_s(100.0, || {
        for _ in 0..100 {
            std::hint::black_box(ring::digest::digest(&ring::digest::SHA256, &one_mb));
        }
        Ok(())
    })?;
    let hundred_mb = vec![1u8; 100 << 20];
    let sha_100mb = mb_per_s(100.0, || {
        std::hint::black_box(ring::digest::digest(&ring::digest::SHA256, &hundred_mb));
        Ok(())
    })?;
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &[0u8; 32]);
    let message = [0u8; 1024];
    let start = Instant::now();
    for _ in 0..5000 {
        std::hint::black_box(ring::hmac::sign(&key, &message));
    }
    let hmac = 5000.0 / start.elapsed().as_secs_f64();
    let (ecdsa_sign, ecdsa_verify) = ecdsa_p256_ring(&message)?;
    let (p256_sign, p256_verify) = ecdsa_p256_rustcrypto(&message);
    let gcm_key = ring::aead::LessSafeKey::new(
        ring::aead::UnboundKey::new(&ring::aead::AES_256_GCM, &[0u8; 32]).map_err(|_| anyhow::anyhow!("AES key"))?,
    );
    let aes_gcm = mb_per_s(100.0, || {
        for _ in 0..100 {
            let mut data = one_mb.clone(); // nano copies the plaintext in too
            let nonce = ring::aead::Nonce::assume_unique_for_key([0u8; 12]);
            gcm_key
                .seal_in_place_append_tag(nonce, ring::aead::Aad::empty(), &mut data)
                .map_err(|_| anyhow::anyhow!("AES-GCM seal"))?;
            std::hint::black_box(data);
        }
        Ok(())
    })?;
    const G: &str = "streams_crypto";
    report.group("streams and Web Crypto (nano next to flate2 / ring / the p256 crate called natively)");
    report.add(G, "identity TransformStream, 100 MB", get("identity_transform_100mb_mb_s"), "MB/s");
    report.compare(G, "gzip CompressionStream, 100 MB", get("gzip_100mb_mb_s"), "MB/s", "flate2", gzip);
    report.compare(G, "SHA-256 digest, 1 MB x 100", get("sha256_1mb_mb_s"), "MB/s", "ring", sha_1mb);
    report.compare(G, "SHA-256 digest, 100 MB", get("sha256_100mb_mb_s"), "MB/s", "ring", sha_100mb);
    report.compare(G, "HMAC-SHA-256 sign, 1 KB", get("hmac_sha256_1kb_per_s"), "/s", "ring", hmac);
    report.compare(G, "SHA-256 DigestStream, 100 MB", get("digest_stream_100mb_mb_s"), "MB/s", "ring", sha_100mb);
    let (sign, verify) = (get("ecdsa_p256_sign_per_s"), get("ecdsa_p256_verify_per_s"));
    report.compare(G, "ECDSA P-256 sign, 1 KB (ring)", sign, "/s", "ring", ecdsa_sign);
    report.compare(G, "ECDSA P-256 verify, 1 KB (ring)", verify, "/s", "ring", ecdsa_verify);
    report.compare(G, "ECDSA P-256 sign, 1 KB (p256 crate)", sign, "/s", "p256 crate", p256_sign);
    report.compare(G, "ECDSA P-256 verify, 1 KB (p256 crate)", verify, "/s", "p256 crate", p256_verify);
    report.compare(G, "AES-256-GCM encrypt, 1 MB x 100", get("aes_256_gcm_1mb_mb_s"), "MB/s", "ring", aes_gcm);
    Ok(())
}

/// Signatures and verifications per second with ring (the fastest native
/// P-256 at hand).
fn ecdsa_p256_ring(message: &[u8]) -> Result<(f64, f64)> {
    use ring::signature::{
        EcdsaKeyPair, KeyPair, UnparsedPublicKey, ECDSA_P256_SHA256_FIXED, ECDSA_P256_SHA256_FIXED_SIGNING,
    };
    let failed = |what: &'static str| move |_| anyhow::anyhow!("ring ECDSA: {what}");
    let rng = ring::rand::SystemRandom::new();
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).map_err(failed("generate"))?;
    let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng)
        .map_err(|_| anyhow::anyhow!("ring ECDSA: load the key"))?;
    let start = Instant::now();
    let mut signature = pair.sign(&rng, message).map_err(failed("sign"))?;
    for _ in 1..2000 {
        signature = pair.sign(&rng, message).map_err(failed("sign"))?;
    }
    let sign = 2000.0 / start.elapsed().as_secs_f64();
    let public = UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, pair.public_key().as_ref());
    let start = Instant::now();
    for _ in 0..2000 {
        public.verify(message, signature.as_ref()).map_err(failed("verify"))?;
    }
    Ok((sign, 2000.0 / start.elapsed().as_secs_f64()))
}

/// The same with the `p256` crate nano's host uses, to tell the cost of the
/// crate from the cost of the instance boundary.
fn ecdsa_p256_rustcrypto(message: &[u8]) -> (f64, f64) {
    use p256::ecdsa::signature::{Signer, Verifier};
    let key = p256::ecdsa::SigningKey::random(&mut rand_core::OsRng);
    let start = Instant::now();
    let mut signature: p256::ecdsa::Signature = key.sign(message);
    for _ in 1..2000 {
        signature = key.sign(message);
    }
    let sign = 2000.0 / start.elapsed().as_secs_f64();
    let public = *key.verifying_key();
    let start = Instant::now();
    let mut valid = 0;
    for _ in 0..2000 {
        valid += usize::from(public.verify(message, &signature).is_ok());
    }
    assert_eq!(valid, 2000, "p256 verified its own signature");
    (sign, 2000.0 / start.elapsed().as_secs_f64())
}

const FETCH_ROUND_TRIPS: usize = 300;

fn fetch_against_rust(rt: &tokio::runtime::Runtime, nano_bin: &Path, report: &mut Report) -> Result<()> {
    let port = rt.block_on(spawn_text_server(Bytes::from_static(b"pong")))?;
    let url = format!("http://127.0.0.1:{port}/");

    // Baseline: hyper from Rust, one connection per request.
    let started = Instant::now();
    rt.block_on(async {
        for _ in 0..FETCH_ROUND_TRIPS {
            let stream = tokio::net::TcpStream::connect(("127.0.0.1", port)).await?;
            let (mut sender, conn) =
                hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream)).await?;
            tokio::spawn(conn);
            let req = hyper::Request::builder()
                .uri(&url)
                .header("host", format!("127.0.0.1:{port}"))
                .body(Empty::<Bytes>::new())?;
            let body = sender.send_request(req).await?.into_body().collect().await?.to_bytes();
            if &body[..] != b"pong" {
                bail!("the local server answered {body:?}");
            }
        }
        Ok::<_, anyhow::Error>(())
    })
    .context("fetching from Rust")?;
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
    .with_context(|| format!("writing {}", script.display()))?;
    let nano =
        run_script(Command::new(nano_bin).args(["exec", "--allow-host", "127.0.0.1", "--timeout", "120"]).arg(&script));
    let _ = std::fs::remove_file(&script);
    let nano = nano?;
    let get = |name: &str| nano.get(name).copied().unwrap_or(f64::NAN);
    let peak = peak_memory_of_concurrent_fetches(nano_bin, &url)?;
    const G: &str = "fetch";
    report.group("fetch() against a local server");
    report.add(G, "1,000 concurrent fetches from one script", get("concurrent_1000_ms"), "ms");
    report.add(G, "peak instance memory meanwhile", peak as f64 / 1024.0, "MiB");
    report.compare(G, "one fetch round trip", get("round_trip_us"), "us", "Rust (hyper)", rust_us);
    Ok(())
}

/// The peak linear memory (KiB) of an instance making 1,000 concurrent
/// fetches, from the host's `nano::instance` debug line.
fn peak_memory_of_concurrent_fetches(nano_bin: &Path, url: &str) -> Result<u64> {
    let script = std::env::temp_dir().join(format!("nano-bench-fetch-peak-{}.mjs", std::process::id()));
    std::fs::write(
        &script,
        format!("await Promise.all(Array.from({{ length: 1000 }}, () => fetch('{url}').then((r) => r.text())));\nexport {{}};\n"),
    )
    .with_context(|| format!("writing {}", script.display()))?;
    let out = Command::new(nano_bin)
        .args(["exec", "--allow-host", "127.0.0.1", "--timeout", "120"])
        .arg(&script)
        .env("NANO_LOG", "warn,nano::instance=debug")
        .output();
    let _ = std::fs::remove_file(&script);
    let out = out.context("nano-host exec of the fetch memory bench")?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    stderr
        .lines()
        .find_map(|l| l.split("peak_memory_kib=").nth(1)?.split_whitespace().next()?.parse().ok())
        .with_context(|| format!("no peak_memory_kib in the output of nano-host exec:\n{stderr}"))
}

/// Runs a bench script that prints one JSON object of numbers as its last
/// line.
fn run_script(cmd: &mut Command) -> Result<std::collections::BTreeMap<String, f64>> {
    let out = cmd.output().with_context(|| format!("running {cmd:?}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        bail!("{cmd:?} failed ({}):\n{stdout}\n{}", out.status, String::from_utf8_lossy(&out.stderr));
    }
    let line = stdout.lines().last().unwrap_or_default();
    serde_json::from_str(line).with_context(|| format!("{cmd:?} printed no JSON object of numbers: {line:?}"))
}

fn web_apis_against_node(nano_bin: &Path, script: &Path, report: &mut Report) -> Result<()> {
    let nano = run_script(Command::new(nano_bin).arg("exec").arg(script))?;
    let node = run_script(Command::new("node").arg(script));
    const G: &str = "web_apis";
    report.group(&format!("web APIs, {} (the same script in nano and Node.js)", script.display()));
    for (name, &value) in &nano {
        let unit = if name.ends_with("_per_s") { "/s" } else { "" };
        match node.as_ref().ok().and_then(|node| node.get(name)) {
            Some(&baseline) if name.ends_with("_per_s") => report.compare(G, name, value, unit, "node", baseline),
            _ => report.add(G, name, value, unit),
        }
    }
    if let Err(e) = node {
        println!("  (no Node.js baseline: {e:#})");
    }
    Ok(())
}

fn wrk(url: &str) -> Result<f64> {
    let out = Command::new("wrk")
        .args(["-t1", "-c16", "-d", WRK_SECONDS, url])
        .output()
        .context("running wrk (install it with `just setup`)")?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .find_map(|l| l.strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse().ok())
        .with_context(|| format!("no Requests/sec in wrk's output:\n{text}"))
}

/// A minimal hyper server on 127.0.0.1 answering every request with `body`;
/// its port.
async fn spawn_text_server(body: Bytes) -> Result<u16> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await.context("binding a local port")?;
    let port = listener.local_addr()?.port();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let body = body.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |_req| {
                    let body = body.clone();
                    async move { Ok::<_, std::convert::Infallible>(hyper::Response::new(Full::new(body))) }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    Ok(port)
}

fn wait_for(port: u16) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(120);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if Instant::now() > deadline {
            bail!("nothing listening on port {port} after 120 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok(())
}

/// `body`: what the app answers to GET /bench, which the baseline answers too.
fn over_http(
    rt: &tokio::runtime::Runtime,
    nano_bin: &Path,
    app: &Path,
    body: Bytes,
    report: &mut Report,
) -> Result<()> {
    // Baseline: the smallest hyper server answering the same text.
    let base_port = rt.block_on(spawn_text_server(body))?;
    let baseline = wrk(&format!("http://127.0.0.1:{base_port}/bench"))?;

    let nano_port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let mut child = Command::new(nano_bin)
        .args(["run"])
        .arg(app)
        .args(["--listen", &format!("127.0.0.1:{nano_port}")])
        .env("NANO_LOG", "warn")
        .stderr(Stdio::null())
        .spawn()
        .context("starting nano-host run")?;
    let nano = wait_for(nano_port).and_then(|()| wrk(&format!("http://127.0.0.1:{nano_port}/bench")));
    let _ = child.kill();
    let _ = child.wait();
    const G: &str = "loopback";
    report
        .group(&format!("over loopback, wrk -t1 -c16 -d{WRK_SECONDS}s (load generator and server share the machine)"));
    report.compare(G, &format!("nano-host run {}", app.display()), nano?, "req/s", "plain hyper", baseline);
    Ok(())
}
