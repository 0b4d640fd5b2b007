//! `just load`: the seed's load scenario. Every request fetches 16 KiB from
//! a Rust (hyper) upstream on 127.0.0.1 and streams it back through a
//! `TransformStream`; nano (`nano-host run`) and Node.js (a `node:http`
//! wrapper calling the very same `fetch` handler) each serve it under wrk at
//! 256 and at 1,000 connections, one after the other, against the same
//! upstream: throughput, p50/p99, failed requests, failed fetches (nano's
//! log), and the server's peak RSS (`VmHWM`) and peak PSS (sampled).

use super::{spawn_text_server, wait_for, Report};
use anyhow::{bail, Context as _, Result};
use bytes::Bytes;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const SECONDS: &str = "10";
const CONNECTIONS: [u32; 2] = [256, 1000];

/// The app, as both runtimes run it.
fn app_source(upstream: u16) -> String {
    format!(
        "const UPSTREAM = 'http://127.0.0.1:{upstream}/';\n\
         export default {{\n\
         \x20 async fetch(request, env, ctx) {{\n\
         \x20   const upstream = await fetch(UPSTREAM);\n\
         \x20   const {{ readable, writable }} = new TransformStream();\n\
         \x20   upstream.body.pipeTo(writable);\n\
         \x20   return new Response(readable, {{ headers: {{ 'content-type': 'application/octet-stream' }} }});\n\
         \x20 }},\n\
         }};\n"
    )
}

/// Node's side: `node:http` in front of the same handler.
const NODE_SERVER: &str = r#"import http from 'node:http';
import app from './app.mjs';
const port = Number(process.argv[2]);
http.createServer(async (req, res) => {
  try {
    const response = await app.fetch(new Request(`http://${req.headers.host}${req.url}`, { method: req.method }), {}, { waitUntil() {} });
    res.writeHead(response.status, Object.fromEntries(response.headers));
    if (response.body) for await (const chunk of response.body) res.write(chunk);
    res.end();
  } catch (e) {
    res.writeHead(502);
    res.end(String(e));
  }
}).listen(port, '127.0.0.1');
"#;

/// What wrk and the server's process said about one run.
pub(crate) struct Outcome {
    pub(crate) requests_per_s: f64,
    pub(crate) p50_ms: f64,
    pub(crate) p99_ms: f64,
    /// Non-2xx responses and socket errors (connect, read, write, timeout).
    pub(crate) failures: f64,
    /// `VmHWM`: counts a shared page once per mapping of it, and nano maps
    /// the app's memory image into every instance slot, so this overstates.
    peak_rss_mib: f64,
    /// The highest proportional set size (`Pss` of smaps_rollup, a shared
    /// page counted once) sampled during the run: the memory really used.
    peak_pss_mib: f64,
}

pub fn run(rt: &tokio::runtime::Runtime, nano_bin: &Path, dir: &Path, report: &mut Report) -> Result<()> {
    let upstream = rt.block_on(spawn_text_server(Bytes::from(vec![b'x'; 16 << 10])))?;
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let app = dir.join("app.mjs");
    std::fs::write(&app, app_source(upstream))?;
    std::fs::write(dir.join("node-server.mjs"), NODE_SERVER)?;
    let nano_log = dir.join("nano.log");
    const G: &str = "load";
    report.group(&format!(
        "load: each request fetches 16 KiB from a Rust upstream and streams it back through a TransformStream (wrk -t2 -d{SECONDS}s)"
    ));
    for connections in CONNECTIONS {
        let port = free_port()?;
        let log = std::fs::File::create(&nano_log)?;
        let nano = Command::new(nano_bin)
            .arg("run")
            .arg(&app)
            .args(["--listen", &format!("127.0.0.1:{port}"), "--allow-host", "127.0.0.1"])
            .env("NANO_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .context("starting nano-host run")?;
        let nano = measure(nano, port, connections)?;
        let logged = std::fs::read_to_string(&nano_log).unwrap_or_default();
        let failed_fetches = logged.lines().filter(|l| l.contains("fetch failed")).count();
        let app_errors = logged.lines().filter(|l| l.contains("ERROR")).count();

        let port = free_port()?;
        let node = Command::new("node")
            .arg(dir.join("node-server.mjs"))
            .arg(port.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("starting node (install it with `just setup`)")?;
        let node = measure(node, port, connections)?;

        let c = connections;
        report.compare(
            G,
            &format!("{c} connections: requests/s"),
            nano.requests_per_s,
            "req/s",
            "node",
            node.requests_per_s,
        );
        report.compare(G, &format!("{c} connections: p50"), nano.p50_ms, "ms", "node", node.p50_ms);
        report.compare(G, &format!("{c} connections: p99"), nano.p99_ms, "ms", "node", node.p99_ms);
        report.compare(G, &format!("{c} connections: failed requests"), nano.failures, "", "node", node.failures);
        report.add(G, &format!("{c} connections: nano's failed fetches (log)"), failed_fetches as f64, "");
        report.add(G, &format!("{c} connections: nano's error lines (log)"), app_errors as f64, "");
        report.compare(G, &format!("{c} connections: peak RSS"), nano.peak_rss_mib, "MiB", "node", node.peak_rss_mib);
        report.compare(G, &format!("{c} connections: peak PSS"), nano.peak_pss_mib, "MiB", "node", node.peak_pss_mib);
    }
    Ok(())
}

fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Runs wrk against the server `child` listens with on `port`, then stops it.
fn measure(mut child: Child, port: u16, connections: u32) -> Result<Outcome> {
    let result = wait_for(port).and_then(|()| {
        let url = format!("http://127.0.0.1:{port}/");
        let wrk = Command::new("wrk")
            .args(["-t2", &format!("-c{connections}"), "-d", SECONDS, "--latency", "--timeout", "10s", &url])
            .stdout(Stdio::piped())
            .spawn()
            .context("running wrk (install it with `just setup`)")?;
        let sampler = PssSampler::start(child.id());
        let out = wrk.wait_with_output().context("waiting for wrk")?;
        let peak_pss_mib = sampler.stop() as f64 / 1024.0;
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let peak_rss_mib = peak_rss_kib(child.id())? as f64 / 1024.0;
        parse_wrk(&text, peak_rss_mib, peak_pss_mib)
    });
    let _ = child.kill();
    let _ = child.wait();
    result
}

/// The most memory the process has held (`VmHWM`), in KiB.
fn peak_rss_kib(pid: u32) -> Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).context("reading the server's status")?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .context("no VmHWM in /proc/PID/status")
}

/// Samples a process's `Pss` (smaps_rollup) every 200 ms on a thread of its
/// own, keeping the highest, until stopped.
struct PssSampler {
    stop: std::sync::mpsc::Sender<()>,
    thread: std::thread::JoinHandle<u64>,
}

impl PssSampler {
    fn start(pid: u32) -> PssSampler {
        let (stop, stopped) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            let mut peak = 0;
            loop {
                peak = peak.max(pss_kib(pid).unwrap_or(0));
                if stopped.recv_timeout(Duration::from_millis(200)).is_ok() {
                    return peak;
                }
            }
        });
        PssSampler { stop, thread }
    }

    /// The highest Pss seen, in KiB.
    fn stop(self) -> u64 {
        let _ = self.stop.send(());
        self.thread.join().unwrap_or(0)
    }
}

fn pss_kib(pid: u32) -> Option<u64> {
    let rollup = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).ok()?;
    rollup
        .lines()
        .find_map(|l| l.strip_prefix("Pss:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

pub(crate) fn parse_wrk(text: &str, peak_rss_mib: f64, peak_pss_mib: f64) -> Result<Outcome> {
    let field = |prefix: &str| text.lines().find_map(|l| l.trim().strip_prefix(prefix).map(str::trim));
    let Some(rate) = field("Requests/sec:").and_then(|v| v.parse().ok()) else {
        bail!("no Requests/sec in wrk's output:\n{text}");
    };
    let latency = |percent: &str| field(percent).map(parse_duration_ms).unwrap_or(f64::NAN);
    let non_2xx: f64 = field("Non-2xx or 3xx responses:").and_then(|v| v.parse().ok()).unwrap_or(0.0);
    // "Socket errors: connect 0, read 12, write 0, timeout 3"
    let socket: f64 = field("Socket errors:")
        .map(|v| v.split(',').filter_map(|part| part.split_whitespace().last()?.parse::<f64>().ok()).sum())
        .unwrap_or(0.0);
    Ok(Outcome {
        requests_per_s: rate,
        p50_ms: latency("50%"),
        p99_ms: latency("99%"),
        failures: non_2xx + socket,
        peak_rss_mib,
        peak_pss_mib,
    })
}

/// wrk's `12.34ms`, `1.02s`, `850.00us` in milliseconds.
fn parse_duration_ms(text: &str) -> f64 {
    let text = text.trim();
    let (number, scale) = if let Some(n) = text.strip_suffix("us") {
        (n, 0.001)
    } else if let Some(n) = text.strip_suffix("ms") {
        (n, 1.0)
    } else if let Some(n) = text.strip_suffix('s') {
        (n, 1000.0)
    } else {
        (text, f64::NAN)
    };
    number.parse::<f64>().map_or(f64::NAN, |n| n * scale)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrk_output_is_read() {
        let text = "  Latency Distribution\n     50%   12.50ms\n     75%   20.00ms\n     90%   30.00ms\n     99%    1.20s\n\
                    \x20 1000 requests in 10.00s, 16.00MB read\n  Socket errors: connect 0, read 12, write 0, timeout 3\n\
                    \x20 Non-2xx or 3xx responses: 5\nRequests/sec:    100.50\nTransfer/sec:      1.60MB\n";
        let outcome = parse_wrk(text, 1.0, 1.0).unwrap();
        assert_eq!(outcome.requests_per_s, 100.5);
        assert_eq!((outcome.p50_ms, outcome.p99_ms), (12.5, 1200.0));
        assert_eq!(outcome.failures, 20.0);
        assert_eq!(parse_duration_ms("850.00us"), 0.85);
    }
}
