//! Helpers for end-to-end tests: the real `nano-host` binary, real apps, real
//! HTTP over 127.0.0.1.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

pub fn app(name: &str) -> PathBuf {
    repo_root().join("tests/apps").join(name)
}

/// A scratch directory of its own for one test.
pub fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("e2e").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `nano-host` with the shared test cache.
pub fn nano() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_nano-host"));
    cmd.env("NANO_CACHE_DIR", Path::new(env!("CARGO_TARGET_TMPDIR")).join("nano-cache"));
    cmd.env("NANO_LOG", "info");
    cmd
}

pub fn exec(script: &Path, args: &[&str]) -> Output {
    nano().arg("exec").arg(script).args(args).output().expect("running nano-host exec")
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The address on the line of `log` that starts with `prefix` and ends
/// `on http://ADDR`: what the server bound.
fn announced(log: &str, prefix: &str) -> Option<SocketAddr> {
    let line = log.lines().find(|line| line.starts_with(prefix))?;
    line.rsplit_once(" on http://")?.1.parse().ok()
}

/// A running `nano-host run`, killed when dropped.
pub struct Server {
    pub addr: SocketAddr,
    child: Child,
    log: Arc<Mutex<String>>,
    /// While set, the server's stderr is not read (the pipe fills up).
    log_paused: Arc<std::sync::atomic::AtomicBool>,
}

impl Server {
    pub fn start(app: &Path) -> Server {
        Server::start_with(app, &[], nano())
    }

    pub fn start_with(app: &Path, args: &[&str], cmd: Command) -> Server {
        Server::start_subcommand("run", app, args, cmd)
    }

    pub fn start_subcommand(subcommand: &str, app: &Path, args: &[&str], mut cmd: Command) -> Server {
        // Port 0: the server binds a port of its own and says which. A port
        // picked here and freed before the server binds it can be taken by
        // another test's server meanwhile (a CI run got a 404 from one).
        let mut child = cmd
            .arg(subcommand)
            .arg(app)
            .arg("--listen")
            .arg("127.0.0.1:0")
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("starting nano-host run");
        let log = Arc::new(Mutex::new(String::new()));
        let stderr = child.stderr.take().unwrap();
        let sink = log.clone();
        let log_paused = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let paused = log_paused.clone();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stderr).lines();
            loop {
                while paused.load(std::sync::atomic::Ordering::Relaxed) {
                    std::thread::sleep(Duration::from_millis(10));
                }
                let Some(Ok(line)) = lines.next() else { break };
                let mut log = sink.lock().unwrap();
                log.push_str(&line);
                log.push('\n');
            }
        });
        // `run` builds and compiles every app of a manifest before it
        // listens: a cold build of the example manifest's apps took 22 s
        // each on this 2-core machine while another test ran (a CI run
        // timed out at 60 s). Bounded, and a server that exits fails at once.
        let deadline = Instant::now() + Duration::from_secs(180);
        loop {
            let bound = announced(&log.lock().unwrap(), "nano: serving ");
            if let Some(addr) = bound {
                return Server { addr, child, log, log_paused };
            }
            if let Ok(Some(status)) = child.try_wait() {
                std::thread::sleep(Duration::from_millis(50)); // let the log reader finish
                panic!("nano-host run exited with {status}:\n{}", log.lock().unwrap());
            }
            assert!(Instant::now() < deadline, "server did not start:\n{}", log.lock().unwrap());
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The admin listener's address, for a server started with
    /// `--admin 127.0.0.1:0`.
    pub fn admin_addr(&self) -> SocketAddr {
        announced(&self.log(), "nano: admin ").expect("the server has an admin listener")
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Stops reading the server's stderr (`true`), as a log pipeline that
    /// stalls would, or reads it again.
    pub fn pause_log(&self, paused: bool) {
        self.log_paused.store(paused, std::sync::atomic::Ordering::Relaxed);
    }

    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// Waits until the log contains `needle` (bounded).
    pub fn wait_for_log(&self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let log = self.log();
            if log.contains(needle) {
                return log;
            }
            assert!(Instant::now() < deadline, "log never contained {needle:?}:\n{log}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn get(&self, path: &str) -> Response {
        self.request("GET", path, &[], b"")
    }

    pub fn request(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Response {
        request(self.addr, method, path, headers, body)
    }

    /// Sends SIGTERM and waits for the exit status (bounded).
    pub fn terminate(mut self) -> (std::process::ExitStatus, String) {
        Command::new("kill").arg("-TERM").arg(self.child.id().to_string()).status().unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                std::thread::sleep(Duration::from_millis(50)); // let the log reader finish
                return (status, self.log());
            }
            assert!(Instant::now() < deadline, "server did not exit after SIGTERM");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
    pub fn header_all(&self, name: &str) -> Vec<&str> {
        self.headers.iter().filter(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str()).collect()
    }
    pub fn text(&self) -> String {
        text(&self.body)
    }
}

/// A minimal HTTP/1.1 client (one request per connection), so the tests
/// see exactly what goes over the wire.
pub fn request(addr: SocketAddr, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Response {
    request_to(addr, &addr.to_string(), method, path, headers, body)
}

/// `request` with the `Host` header given (the route of a multi-app server).
pub fn request_to(
    addr: SocketAddr,
    host: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Response {
    let mut stream = TcpStream::connect(addr).expect("connecting to the server");
    stream.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let mut head = format!("{method} {path} HTTP/1.1\r\nhost: {host}\r\nconnection: close\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    if !body.is_empty() || method == "POST" || method == "PUT" {
        head.push_str(&format!("content-length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("reading the response");
    parse_response(&raw)
}

fn parse_response(raw: &[u8]) -> Response {
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").expect("a complete response head");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap();
    let status = status_line.split(' ').nth(1).unwrap().parse().unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let rest = &raw[split + 4..];
    let chunked = headers.iter().any(|(n, v)| n == "transfer-encoding" && v.contains("chunked"));
    let body = if chunked { dechunk(rest) } else { rest.to_vec() };
    Response { status, headers, body }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = data.windows(2).position(|w| w == b"\r\n") {
        let size =
            usize::from_str_radix(String::from_utf8_lossy(&data[..eol]).split(';').next().unwrap().trim(), 16).unwrap();
        data = &data[eol + 2..];
        if size == 0 {
            break;
        }
        out.extend_from_slice(&data[..size]);
        data = &data[size + 2..];
    }
    out
}

/// Resident memory of a process, in KiB.
pub fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).expect("VmRSS");
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// A process's proportional set size in KiB (`Pss` of smaps_rollup): its
/// memory with each shared page counted once. RSS counts a page of an app's
/// memory image once per pool slot that maps it, so after a burst it
/// overstates what the slots hold by the image's read pages times the slots.
pub fn pss_kib(pid: u32) -> u64 {
    let rollup = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).unwrap();
    let line = rollup.lines().find(|l| l.starts_with("Pss:")).expect("Pss");
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// CPU time a process has used (user + system), in clock ticks (1/100 s).
pub fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    // Fields after the command name, which is in parentheses.
    let fields: Vec<&str> = stat[stat.rfind(')').unwrap() + 2..].split(' ').collect();
    fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
}

/// Serves `component` in this process as `nano-host run` serves each
/// accepted connection (`server::connection`: the client limits, an instance
/// slot, a fresh instance per request) and sends GET `path` `requests` times
/// one after another on one keep-alive connection over an in-memory pipe.
/// With a pooling runtime, each instance has ended (its store dropped, its
/// slot reset and back in the pool) before the next request, so every
/// request runs in the slot the one before it used. `after_each` sees the
/// runtime then. Returns each response's status and body.
pub fn in_process(
    runtime: &std::sync::Arc<nano_host::engine::Runtime>,
    component: &wasmtime::component::Component,
    path: &str,
    requests: usize,
    after_each: impl FnMut(&nano_host::engine::Runtime),
) -> Vec<(u16, String)> {
    in_process_with(runtime, component, nano_host::limits::AppLimits::default(), path, requests, after_each)
}

/// `in_process` for an app with `limits` (e.g. an outbound allow-list).
pub fn in_process_with(
    runtime: &std::sync::Arc<nano_host::engine::Runtime>,
    component: &wasmtime::component::Component,
    limits: nano_host::limits::AppLimits,
    path: &str,
    requests: usize,
    after_each: impl FnMut(&nano_host::engine::Runtime),
) -> Vec<(u16, String)> {
    in_process_paths(runtime, component, limits, &vec![path; requests], after_each)
}

/// `in_process_with`, one GET request per path of `paths`, in turn.
pub fn in_process_paths(
    runtime: &std::sync::Arc<nano_host::engine::Runtime>,
    component: &wasmtime::component::Component,
    limits: nano_host::limits::AppLimits,
    paths: &[&str],
    mut after_each: impl FnMut(&nano_host::engine::Runtime),
) -> Vec<(u16, String)> {
    use http_body_util::BodyExt;
    // One thread: wasmtime's pool keeps a free list per thread (its home
    // shard), so every instance here can reuse the same slot.
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let config = nano_host::app::AppConfig::new("test", limits);
        let app = nano_host::server::Server::single(runtime.clone(), config, component, None).unwrap();
        let (client, server) = tokio::io::duplex(64 << 10);
        let conn = nano_host::server::connection(app, server);
        tokio::spawn(async move {
            let _ = conn.await;
        });
        let (mut sender, conn) =
            hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(client)).await.unwrap();
        tokio::spawn(conn);
        let mut responses = Vec::new();
        for path in paths {
            let req = hyper::Request::get(*path)
                .header("host", "localhost")
                .body(http_body_util::Empty::<bytes::Bytes>::new())
                .unwrap();
            sender.ready().await.expect("the connection stays open between requests");
            let res = sender.send_request(req).await.unwrap();
            let status = res.status().as_u16();
            let body = res.into_body().collect().await.unwrap().to_bytes();
            responses.push((status, text(&body)));
            // The instance's task ends just after its last body byte; its
            // memory is no longer counted live a moment before the slot is
            // back among the unused ones (reset and ready), or before the
            // instance, reset in place, is parked.
            if let Some(_pool) = runtime.engine.pooling_allocator_metrics() {
                let deadline = Instant::now() + Duration::from_secs(10);
                let busy = |pool: wasmtime::PoolingAllocatorMetrics| {
                    runtime.parked.get() == 0 && (pool.memories() > 0 || pool.unused_warm_memories() == 0)
                };
                while busy(runtime.engine.pooling_allocator_metrics().unwrap()) {
                    assert!(Instant::now() < deadline, "the instance never ended");
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
            } else {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            after_each(runtime);
        }
        responses
    })
}
