//! The routes bench: nano (`nano-host run bench/routes/app.mjs`) and Node.js
//! (`node:http` in `bench/routes/node.mjs`) serve the same JavaScript per
//! request (`bench/routes/work.mjs`): `/hello` (a URL parsed, a text),
//! `/digest` (SHA-256 of a 1 KiB POST, in hex) and `/json` (1,000 entries
//! made and stringified). wrk drives each route against each runtime in
//! turn (`-t1 -c16`, as the loopback hello), three runs each: the median
//! run's requests/s, p99, and the server's CPU per request, read from
//! `/proc/PID/stat` around the run; and the lowest and highest of the
//! runs' ratios. nano runs with `NANO_LOG=warn`, as Node logs nothing; a
//! second nano server at the default level (an access line per request,
//! its stderr a pipe the bench drains, as a log collector would) serves
//! `/hello` once more, so the bench also says what `run` costs as
//! shipped.

use super::load::parse_wrk;
use super::{wait_for, Report};
use anyhow::{bail, Context as _, Result};
use std::path::Path;
use std::process::{Child, Command, Stdio};

const SECONDS: &str = "3";
/// Not measured: Node's JIT and nano's parked instances warm up.
const WARMUP_SECONDS: &str = "1";
/// Runs per route and runtime, nano's and Node's in turn: this machine's
/// speed drifts by ±20% over a minute, and one run each made the ratio
/// swing as much. Each figure reported is the median run's.
const ROUNDS: usize = 3;

/// (name, path, wrk script, whether nano logs its access lines)
const ROUTES: [(&str, &str, Option<&str>, bool); 4] = [
    ("hello", "/hello", None, false),
    ("digest", "/digest", Some("post_1k.lua"), false),
    ("json", "/json", None, false),
    ("hello (logged)", "/hello", None, true),
];

/// One runtime's figures on one route.
struct Measured {
    requests_per_s: f64,
    p99_ms: f64,
    cpu_us_per_request: f64,
    failures: f64,
}

pub fn run(nano_bin: &Path, root: &Path, report: &mut Report) -> Result<()> {
    let dir = root.join("bench/routes");
    // The ports taken before any is freed: different ones.
    let (nano_port, node_port, logged_port) = {
        let a = std::net::TcpListener::bind("127.0.0.1:0")?;
        let b = std::net::TcpListener::bind("127.0.0.1:0")?;
        let c = std::net::TcpListener::bind("127.0.0.1:0")?;
        (a.local_addr()?.port(), b.local_addr()?.port(), c.local_addr()?.port())
    };
    let nano_run = |port: u16| {
        let mut cmd = Command::new(nano_bin);
        cmd.arg("run").arg(dir.join("app.mjs")).args(["--listen", &format!("127.0.0.1:{port}")]);
        cmd.stdout(Stdio::null()).env_remove("NANO_LOG");
        cmd
    };
    let nano = nano_run(nano_port).env("NANO_LOG", "warn").stderr(Stdio::null()).spawn();
    let mut nano = Server(nano.context("starting nano-host run")?);
    let mut logged = Server(nano_run(logged_port).stderr(Stdio::piped()).spawn().context("starting nano-host run")?);
    // Drained and dropped by a thread of the bench (whose CPU is not the
    // server's); it ends when the server does.
    let mut log = logged.0.stderr.take().context("the logged server's stderr")?;
    std::thread::spawn(move || std::io::copy(&mut log, &mut std::io::sink()));
    let node = Command::new("node")
        .arg(dir.join("node.mjs"))
        .arg(node_port.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .context("starting node (install it with `just setup`)")?;
    let mut node = Server(node);
    wait_for(nano_port)?;
    wait_for(node_port)?;
    wait_for(logged_port)?;
    // Something else could have taken a port meanwhile: each server must
    // still be running, its own listener bound.
    for (name, server) in [("nano-host run", &mut nano), ("node", &mut node), ("nano-host run (logged)", &mut logged)] {
        if let Some(status) = server.0.try_wait()? {
            bail!("{name} exited ({status}) before the routes bench ran");
        }
    }

    const G: &str = "routes";
    report.group(&format!(
        "routes against Node.js (bench/routes: the same JavaScript per request; wrk -t1 -c16 -d{SECONDS}s, \
         {ROUNDS} runs each in turn, medians)"
    ));
    for (name, path, script, logs) in ROUTES {
        let script = script.map(|s| dir.join(s));
        let script = script.as_deref();
        let (nano, nano_port) = if logs { (&logged, logged_port) } else { (&nano, nano_port) };
        warm_up(nano_port, path, script)?;
        warm_up(node_port, path, script)?;
        let (mut nanos, mut nodes) = (Vec::new(), Vec::new());
        for _ in 0..ROUNDS {
            nanos.push(measure(nano, nano_port, path, script)?);
            nodes.push(measure(&node, node_port, path, script)?);
        }
        if let Some((a, b)) = nanos.iter().zip(&nodes).find(|(a, b)| a.failures > 0.0 || b.failures > 0.0) {
            bail!("{path}: failed requests (nano {}, node {})", a.failures, b.failures);
        }
        let mut ratios: Vec<f64> = nanos.iter().zip(&nodes).map(|(a, b)| a.requests_per_s / b.requests_per_s).collect();
        ratios.sort_by(f64::total_cmp);
        let (nano, node) = (Measured::median(&nanos), Measured::median(&nodes));
        report.compare(G, &format!("{name}: requests/s"), nano.requests_per_s, "req/s", "node", node.requests_per_s);
        report.compare(G, &format!("{name}: p99"), nano.p99_ms, "ms", "node", node.p99_ms);
        report.compare(
            G,
            &format!("{name}: server CPU per request"),
            nano.cpu_us_per_request,
            "us",
            "node",
            node.cpu_us_per_request,
        );
        report.add(G, &format!("{name}: requests/s ratio, lowest run"), ratios[0], "x");
        report.add(G, &format!("{name}: requests/s ratio, highest run"), ratios[ratios.len() - 1], "x");
    }
    Ok(())
}

impl Measured {
    /// Each figure's median over `runs` (an odd number of them).
    fn median(runs: &[Measured]) -> Measured {
        let median = |figure: fn(&Measured) -> f64| {
            let mut values: Vec<f64> = runs.iter().map(figure).collect();
            values.sort_by(f64::total_cmp);
            values[values.len() / 2]
        };
        Measured {
            requests_per_s: median(|m| m.requests_per_s),
            p99_ms: median(|m| m.p99_ms),
            cpu_us_per_request: median(|m| m.cpu_us_per_request),
            failures: median(|m| m.failures),
        }
    }
}

/// A server process, stopped when dropped.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// wrk's report of `seconds` of requests to `path`.
fn wrk(port: u16, path: &str, script: Option<&Path>, seconds: &str) -> Result<String> {
    let url = format!("http://127.0.0.1:{port}{path}");
    let mut cmd = Command::new("wrk");
    cmd.args(["-t1", "-c16", "-d", seconds, "--latency"]);
    if let Some(script) = script {
        cmd.arg("-s").arg(script);
    }
    let out = cmd.arg(&url).output().context("running wrk (install it with `just setup`)")?;
    if !out.status.success() {
        bail!("wrk against {url} failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn warm_up(port: u16, path: &str, script: Option<&Path>) -> Result<()> {
    wrk(port, path, script, WARMUP_SECONDS).map(drop)
}

fn measure(server: &Server, port: u16, path: &str, script: Option<&Path>) -> Result<Measured> {
    let pid = server.0.id();
    let before = cpu_ticks(pid)?;
    let text = wrk(port, path, script, SECONDS)?;
    let used = cpu_ticks(pid)? - before;
    let outcome = parse_wrk(&text, f64::NAN, f64::NAN)?;
    // "  123456 requests in 5.00s, 1.23MB read"
    let requests: f64 = text
        .lines()
        .find_map(|l| l.trim().split_once(" requests in ").and_then(|(n, _)| n.parse().ok()))
        .with_context(|| format!("no request count in wrk's output:\n{text}"))?;
    // SAFETY: sysconf reads a constant of the system.
    let ticks_per_s = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    Ok(Measured {
        requests_per_s: outcome.requests_per_s,
        p99_ms: outcome.p99_ms,
        cpu_us_per_request: used as f64 / ticks_per_s * 1e6 / requests,
        failures: outcome.failures,
    })
}

/// User + system CPU time the process has used, in clock ticks.
fn cpu_ticks(pid: u32) -> Result<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).context("reading the server's stat")?;
    // Fields after the command name (which may hold spaces), from field 3:
    // utime and stime are fields 14 and 15.
    let after_name = stat.rsplit_once(')').map(|(_, rest)| rest).context("no command name in stat")?;
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let field = |n: usize| fields.get(n - 3).and_then(|v| v.parse::<u64>().ok());
    Ok(field(14).context("no utime in stat")? + field(15).context("no stime in stat")?)
}
