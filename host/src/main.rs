//! The `nano-host` command line: build, run (serve), exec.

use clap::{Parser, Subcommand};
use nano_host::app_build::{self, BuildError};
use nano_host::engine::{HttpLimits, PoolLimits, Runtime};
use nano_host::fetch::tls::TlsClient;
use nano_host::fetch::{AllowEntry, OutboundPolicy};
use nano_host::limits::AppLimits;
use nano_host::log_writer;
use nano_host::metrics::Metrics;
use nano_host::plan::{self, Plan};
use nano_host::server::{self, Server};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

// mimalloc, not glibc's malloc: a request makes and frees hundreds of small
// host objects (the store, its instances' import tables, hyper's buffers)
// across the runtime's threads. Hello's profile: allocation 5.2% of the
// server's CPU with glibc, 3.5% with mimalloc; `just load` at 1,000
// connections 1,350 -> 1,855 req/s in one run, peak PSS 184 -> 199 MiB.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "nano-host",
    version,
    about = "Run JavaScript apps as WebAssembly components, a fresh instance per request"
)]
struct Cli {
    /// Log format of the server: text or json.
    #[arg(long, global = true, default_value = "text")]
    log_format: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args, Clone)]
struct LimitArgs {
    /// Linear memory limit of one instance, in MiB.
    #[arg(long, default_value_t = 128)]
    max_memory_mb: usize,
    /// Wall-clock time limit of one request or script, in seconds (504).
    #[arg(long, default_value = "30", value_parser = seconds, allow_negative_numbers = true)]
    timeout: Duration,
    /// CPU time limit of one request or script, in milliseconds: time its
    /// code runs, not time it waits on fetches or timers (503).
    #[arg(long, default_value_t = 30_000, value_parser = clap::value_parser!(u64).range(1..=3_600_000))]
    cpu_ms: u64,
    /// Host memory one instance may hold outside its linear memory (crypto
    /// keys, digest and compression state, pending output), in MiB.
    #[arg(long, default_value_t = 64)]
    max_host_memory_mb: usize,
    /// Largest value structuredClone accepts, in MiB of its wire format.
    #[arg(long, default_value_t = 64)]
    clone_limit_mb: usize,
    /// fetch() calls one request (or script) may have open: a fetch counts
    /// from the call until its response body has arrived in full or is
    /// cancelled.
    #[arg(long, default_value_t = 1000)]
    max_fetches: u32,
    /// Seconds a fetch() may take to resolve its host (DNS), and again to
    /// connect (TCP and TLS).
    #[arg(long, default_value = "10", value_parser = seconds, allow_negative_numbers = true)]
    fetch_connect_timeout: Duration,
    /// Seconds a fetch() may wait for the response head, and at most between
    /// two pieces of its body (the guest may ask for less, never more).
    #[arg(long, default_value = "60", value_parser = seconds, allow_negative_numbers = true)]
    fetch_timeout: Duration,
    /// Request body limit, in KiB (413 past it).
    #[arg(long, default_value_t = 100 << 10)]
    max_body_kb: u64,
    /// Where fetch() may go; repeatable. A name (`api.example.com`,
    /// `api.example.com:8443`) allows that host, but never a private,
    /// loopback, link-local or other special-purpose address it resolves to.
    /// Only an address entry opens such an address: an IP (`127.0.0.1:3000`,
    /// `[::1]:8080`, `10.0.0.5`: any port when none is given) or a CIDR block
    /// (`10.0.0.0/8`). Without any entry every public address may be fetched.
    #[arg(long = "allow-host", value_name = "HOST[:PORT]|IP[:PORT]|CIDR")]
    allow_hosts: Vec<AllowEntry>,
    /// A PEM file of CA certificates that fetch() over https trusts besides
    /// the public (webpki) roots, for every app: an internal CA, a test
    /// upstream's.
    #[arg(long, value_name = "FILE", value_parser = TlsClient::parse_ca_file)]
    ca_certs: Option<TlsClient>,
}

impl LimitArgs {
    fn limits(&self) -> AppLimits {
        AppLimits {
            max_memory: self.max_memory_mb << 20,
            timeout: self.timeout.max(Duration::from_millis(10)),
            cpu_time: Duration::from_millis(self.cpu_ms),
            host_memory: self.max_host_memory_mb << 20,
            clone_max_bytes: self.clone_limit_mb << 20,
            max_fetches: self.max_fetches,
            fetch_connect_timeout: self.fetch_connect_timeout.max(Duration::from_millis(1)),
            fetch_first_byte_timeout: self.fetch_timeout.max(Duration::from_millis(1)),
            fetch_between_bytes_timeout: self.fetch_timeout.max(Duration::from_millis(1)),
            max_body: self.max_body_kb.saturating_mul(1024),
            outbound: OutboundPolicy {
                allowed: Arc::new(self.allow_hosts.clone()),
                tls: self.ca_certs.clone().unwrap_or_default(),
            },
            ..AppLimits::default()
        }
    }
}

/// What one client connection may hold (`run`).
#[derive(clap::Args, Clone)]
struct HttpArgs {
    /// Seconds a client has to send a request head; also how long a
    /// keep-alive connection may stay idle between requests.
    #[arg(long, default_value = "10", value_parser = seconds, allow_negative_numbers = true)]
    header_timeout: Duration,
    /// Longest pause, in seconds, between two pieces of a request body.
    #[arg(long, default_value = "30", value_parser = seconds, allow_negative_numbers = true)]
    body_timeout: Duration,
    /// Seconds a client may take to accept any of the response's bytes.
    #[arg(long, default_value = "30", value_parser = seconds, allow_negative_numbers = true)]
    write_timeout: Duration,
    /// Client connections open at once.
    #[arg(long, default_value_t = 10_000)]
    max_connections: usize,
    /// Client connections open at once from one IP address.
    #[arg(long, default_value_t = 1_000)]
    max_connections_per_ip: usize,
    /// Seconds a request waits for a free instance slot before a 503.
    #[arg(long, default_value = "1", value_parser = seconds, allow_negative_numbers = true)]
    queue_timeout: Duration,
}

impl HttpArgs {
    fn limits(&self) -> HttpLimits {
        HttpLimits {
            header_timeout: self.header_timeout.max(Duration::from_millis(1)),
            body_timeout: self.body_timeout.max(Duration::from_millis(1)),
            write_timeout: self.write_timeout.max(Duration::from_millis(1)),
            max_connections: self.max_connections,
            max_connections_per_ip: self.max_connections_per_ip,
            queue_timeout: self.queue_timeout,
            ..HttpLimits::default()
        }
    }
}

/// The longest duration a flag takes: more is a typo (and would overflow).
const MAX_SECONDS: f64 = 7.0 * 24.0 * 3600.0;

/// A duration flag in seconds: a finite number from 0 to a week.
fn seconds(text: &str) -> Result<Duration, String> {
    let expected = || format!("expected a number of seconds from 0 to {MAX_SECONDS} (a week)");
    let secs: f64 = text.trim().parse().map_err(|_| expected())?;
    // NaN and the infinities are outside the range too.
    if !(0.0..=MAX_SECONDS).contains(&secs) {
        return Err(expected());
    }
    Ok(Duration::from_secs_f64(secs))
}

/// How a JS app is built (`build`, and `run` of a .js file).
#[derive(clap::Args, Clone)]
struct BuildArgs {
    /// Let the app's top-level code, which runs at build time, use fetch()
    /// (under the outbound policy of --allow-host). Off by default: building
    /// an app reaches no network.
    #[arg(long)]
    allow_net: bool,
    /// Time limit of the build, in seconds: the app's top-level code,
    /// top-level await included (apart from the request --timeout).
    #[arg(long, default_value = "60", value_parser = seconds, allow_negative_numbers = true)]
    build_timeout: Duration,
    /// After the top-level code, request this path (`/api/users/1`, on
    /// http://localhost) or http(s) URL from the app's fetch handler (GET,
    /// no body), so that what the handler builds lazily on its first
    /// request (a router, a cache) is in the snapshot; repeatable. The
    /// handler then runs at build time, under the top-level code's rules,
    /// and what it leaves in the app's state every request sees.
    #[arg(long = "warm-up", value_name = "PATH|URL", value_parser = app_build::warm_up_url)]
    warm_up: Vec<String>,
}

impl BuildArgs {
    fn options(&self, outbound: &OutboundPolicy) -> app_build::BuildOptions {
        app_build::BuildOptions {
            allow_net: self.allow_net,
            timeout: self.build_timeout.max(Duration::from_millis(10)),
            outbound: outbound.clone(),
            warm_up: self.warm_up.clone(),
        }
    }
}

#[derive(Subcommand)]
enum Command {
    /// Compile a JS or TypeScript app, with the modules it imports (npm
    /// packages from node_modules too), into a pre-initialised WebAssembly
    /// component.
    Build {
        /// The app's entry: a .js/.mjs/.ts/.tsx/... file (an ES module with
        /// `export default { fetch }`, or a script with
        /// `addEventListener('fetch', ...)`), or a folder or package.json
        /// whose `exports`/`module`/`main` names it.
        app: PathBuf,
        /// Where to write the component.
        #[arg(short, long)]
        output: Option<PathBuf>,
        #[command(flatten)]
        build: BuildArgs,
        /// With --allow-net: where the build's fetch() may go, as `run
        /// --allow-host` (repeatable).
        #[arg(long = "allow-host", value_name = "HOST[:PORT]|IP[:PORT]|CIDR")]
        allow_hosts: Vec<AllowEntry>,
    },
    /// Serve apps over HTTP: a manifest (nano.toml) of many apps, or one app
    /// (a .js file, built on the fly, or a built .wasm). Flags are the
    /// defaults of every app; the manifest's values win. SIGHUP reloads.
    #[command(alias = "serve")]
    Run {
        /// nano.toml, an app's entry (app.js, src/index.ts, a folder or
        /// package.json; built on the fly) or a built app.wasm.
        app: PathBuf,
        /// Address to listen on [default: the manifest's `listen`, or 127.0.0.1:8080].
        #[arg(long)]
        listen: Option<SocketAddr>,
        /// Address of the admin listener (/healthz, /readyz, /metrics)
        /// [default: the manifest's `admin`, or none].
        #[arg(long)]
        admin: Option<SocketAddr>,
        /// Instances alive at once, of all apps (the pool's size).
        #[arg(long, default_value_t = 1000)]
        max_instances: u32,
        /// Make a new instance for every request, rather than reuse one that
        /// an earlier request left at rest, reset in place to exactly what a
        /// new one would be (its memory byte for byte). Slower; the reset is
        /// the default.
        #[arg(long)]
        fresh_instances: bool,
        #[command(flatten)]
        http: HttpArgs,
        #[command(flatten)]
        limits: LimitArgs,
        #[command(flatten)]
        build: BuildArgs,
    },
    /// Create a project that builds, serves and tests as it is: package.json,
    /// tsconfig.json, nano.toml, src/index.ts, a test, nano.d.ts.
    New {
        /// The project's folder; its name is the app's name.
        dir: PathBuf,
    },
    /// Write the TypeScript declarations of what nano adds to the web
    /// platform: the handler's (request, env, ctx), ExecutionContext, ...
    Types {
        /// Where to write them.
        #[arg(short, long, default_value = "nano.d.ts")]
        output: PathBuf,
    },
    /// Run a script with the same globals as an app, until its event loop is empty.
    Exec {
        script: PathBuf,
        /// Arguments for the script.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
        #[command(flatten)]
        limits: LimitArgs,
    },
}

fn main() -> ExitCode {
    // With RUST_BACKTRACE=1 (common in shells) every error value also
    // captures a backtrace, and wasmtime makes one as each store is dropped:
    // about 2% of a hello request. Panics still print theirs.
    if std::env::var_os("RUST_LIB_BACKTRACE").is_none() {
        // Before any other thread exists (setting the environment is not thread-safe).
        std::env::set_var("RUST_LIB_BACKTRACE", "0");
    }
    let cli = Cli::parse();
    let log = init_tracing(&cli.log_format, matches!(cli.command, Command::Run { .. }));
    // Every connection and every fetch in flight is a file descriptor.
    if let Err(e) = rlimit::increase_nofile_limit(u64::MAX) {
        tracing::warn!("could not raise the open-files limit: {e}");
    }
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime");
    let result = runtime.block_on(run(cli.command));
    // Host work still running on the blocking pool (bounded per call) must
    // not hold the exit up beyond a moment.
    runtime.shutdown_timeout(Duration::from_millis(500));
    drop(log); // the log's last lines before the error below
    match result {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command) -> Result<ExitCode, String> {
    match command {
        Command::Build { app, output, build, allow_hosts } => {
            let outbound = OutboundPolicy { allowed: Arc::new(allow_hosts), ..OutboundPolicy::default() };
            let runtime = Runtime::new(PoolLimits::default(), false).map_err(|e| format!("{e:?}"))?;
            // Next to the entry file, or inside the app's folder.
            let output = output.unwrap_or_else(|| match app.is_dir() {
                true => app.join("app.wasm"),
                false if app.file_name().is_some_and(|n| n == "package.json") => app.with_file_name("app.wasm"),
                false => app.with_extension("wasm"),
            });
            let graph = app_build::compile(&app).map_err(build_message)?;
            let options = build.options(&outbound);
            let wasm = app_build::build_with(&runtime, &graph, &options).await.map_err(build_message)?;
            std::fs::write(&output, &wasm).map_err(|e| format!("writing {}: {e}", output.display()))?;
            eprintln!(
                "built {} -> {}: {}; component {} KiB",
                app.display(),
                output.display(),
                graph.summary(),
                wasm.len() / 1024
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Run { app, listen, admin, max_instances, fresh_instances, http, limits, build } => {
            let source = Source {
                path: app,
                pool: PoolLimits {
                    max_instances,
                    reuse_instances: !fresh_instances,
                    http: http.limits(),
                    ..PoolLimits::default()
                },
                limits: limits.limits(),
                build: build.clone(),
            };
            serve(source, listen, admin).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::New { dir } => {
            let files = nano_host::scaffold::new_project(&dir)?;
            for file in files {
                eprintln!("wrote {}", file.display());
            }
            let dir = dir.display();
            eprintln!("\nnext: cd {dir} && nano-host run nano.toml   (tests: nano-host exec test/index.test.ts)");
            Ok(ExitCode::SUCCESS)
        }
        Command::Types { output } => {
            std::fs::write(&output, nano_host::scaffold::TYPES)
                .map_err(|e| format!("writing {}: {e}", output.display()))?;
            eprintln!("wrote {}", output.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Exec { script, args, limits } => {
            let runtime = Runtime::new(PoolLimits::default(), false).map_err(|e| format!("{e:?}"))?;
            let ok =
                nano_host::exec::exec(&runtime, limits.limits(), &script, &args).await.map_err(|e| format!("{e:?}"))?;
            Ok(if ok { ExitCode::SUCCESS } else { ExitCode::FAILURE })
        }
    }
}

/// What `run` was given: read again on every reload.
struct Source {
    path: PathBuf,
    pool: PoolLimits,
    limits: AppLimits,
    build: BuildArgs,
}

impl Source {
    fn is_manifest(&self) -> bool {
        self.path.extension().is_some_and(|e| e == "toml")
    }

    /// The plan, and the manifest's addresses.
    fn plan(&self) -> Result<(Plan, Option<SocketAddr>, Option<SocketAddr>), String> {
        let build = self.build.options(&self.limits.outbound);
        if !self.is_manifest() {
            return Ok((plan::single(&self.path, self.pool.clone(), self.limits.clone(), build), None, None));
        }
        let manifest = nano_host::manifest::load(&self.path).map_err(|e| e.to_string())?;
        let (listen, admin) = (manifest.listen, manifest.admin);
        Ok((plan::from_manifest(manifest, self.pool.clone(), &self.limits, &build), listen, admin))
    }
}

async fn serve(source: Source, listen: Option<SocketAddr>, admin: Option<SocketAddr>) -> Result<(), String> {
    let (plan, manifest_listen, manifest_admin) = source.plan()?;
    let names: Vec<String> = plan.apps.iter().map(|app| app.name.clone()).collect();
    let metrics = Metrics::new();
    let generation = plan::load(plan, &metrics, None).await?;
    let server = Server::new(generation, metrics.clone());
    let listen = listen.or(manifest_listen).unwrap_or_else(|| "127.0.0.1:8080".parse().expect("an address"));
    let listener = tokio::net::TcpListener::bind(listen).await.map_err(|e| format!("listening on {listen}: {e}"))?;
    let addr = listener.local_addr().unwrap_or(listen);
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let shutdown = |mut stopped: tokio::sync::watch::Receiver<bool>| async move {
        let _ = stopped.wait_for(|stop| *stop).await;
    };
    let admin_state = match admin.or(manifest_admin) {
        Some(admin_addr) => {
            let listener = tokio::net::TcpListener::bind(admin_addr)
                .await
                .map_err(|e| format!("listening on {admin_addr} (admin): {e}"))?;
            let refresh = Arc::downgrade(&server);
            let admin = nano_host::admin::Admin::new(metrics, move || {
                if let Some(server) = refresh.upgrade() {
                    server.refresh_metrics();
                }
            });
            let bound = listener.local_addr().unwrap_or(admin_addr);
            tokio::spawn(nano_host::admin::serve(listener, admin.clone(), shutdown(stopped.clone())));
            eprintln!("nano: admin (/healthz, /readyz, /metrics) on http://{bound}");
            Some(admin)
        }
        None => None,
    };
    if source.is_manifest() {
        tokio::spawn(reload_on_hangup(source, server.clone()));
    }
    tracing::info!(apps = ?names, "serving on http://{addr}");
    eprintln!("nano: serving {} on http://{addr}", names.join(", "));
    if let Some(admin) = &admin_state {
        admin.set_ready(true);
    }
    let signals = async move {
        server::shutdown_signal().await;
        if let Some(admin) = &admin_state {
            admin.set_ready(false);
        }
        let _ = stop.send(true);
    };
    tokio::spawn(signals);
    server::serve(server, listener, shutdown(stopped)).await.map_err(|e| format!("{e:?}"))
}

/// SIGHUP: the manifest and its apps are read and built again; new requests
/// go to the new version once it is ready, requests in flight finish on the
/// old one. A manifest or an app with errors is refused, and the running
/// version stays. `listen`, `admin` and `[server]` need a restart.
async fn reload_on_hangup(source: Source, server: Arc<Server>) {
    let Ok(mut hangups) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()) else {
        tracing::warn!("cannot handle SIGHUP: reloading is off");
        return;
    };
    while hangups.recv().await.is_some() {
        tracing::info!("SIGHUP: reloading {}", source.path.display());
        let plan = match source.plan() {
            // The new engine's pool holds as many instances as the server
            // admits (its slot count is fixed at start).
            Ok((mut plan, _, _)) => {
                plan.pool.max_instances = server.pool.max_instances;
                plan
            }
            Err(e) => {
                tracing::error!("reload refused, still serving the previous version: {e}");
                continue;
            }
        };
        let names: Vec<String> = plan.apps.iter().map(|app| app.name.clone()).collect();
        let previous = server.current();
        match plan::load(plan, &server.metrics, Some(&previous)).await {
            Ok(generation) => {
                server.install(generation);
                tracing::info!(apps = ?names, "reloaded");
            }
            Err(e) => tracing::error!("reload refused, still serving the previous version: {e}"),
        }
    }
}

fn build_message(e: BuildError) -> String {
    match e {
        BuildError::App(message) => message,
        BuildError::Internal(e) => format!("build failed: {e:?}"),
    }
}

/// The log, to stderr. A server's goes through a writer thread
/// (`log_writer`) so that a stalled stderr cannot stall requests; the other
/// commands write theirs directly, in order with their other output. The
/// returned guard writes what is left when dropped.
fn init_tracing(format: &str, serving: bool) -> Option<log_writer::Flush> {
    let filter = tracing_subscriber::EnvFilter::try_from_env("NANO_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,wasmtime_wasi_http=error"));
    use std::io::IsTerminal;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_timer(nano_host::log_time::UtcMicros);
    match (serving, format == "json") {
        (true, json) => {
            // Through std's stderr, whose lock keeps a batch and an
            // `eprintln!` (the "serving" line) from interleaving; a server
            // writes no other stderr while serving requests.
            let (writer, flush) = match log_writer::spawn(std::io::stderr()) {
                Ok(spawned) => spawned,
                Err(e) => {
                    eprintln!("nano: no log writer thread ({e}): the log is written by each request");
                    return init_tracing(format, false);
                }
            };
            let builder = builder.with_writer(writer);
            if json {
                builder.json().init();
            } else {
                builder.init();
            }
            Some(flush)
        }
        (false, true) => {
            builder.with_writer(std::io::stderr).json().init();
            None
        }
        (false, false) => {
            builder.with_writer(std::io::stderr).init();
            None
        }
    }
}
