//! The `nano-host` command line: build, run (serve), exec.

use clap::{Parser, Subcommand};
use nano_host::app_build::{self, BuildError};
use nano_host::engine::{HttpLimits, Limits, Runtime};
use nano_host::fetch::{AllowEntry, OutboundPolicy};
use nano_host::server::{self, App};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

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
    /// Time limit of one request or script, in seconds (running past it traps).
    #[arg(long, default_value = "30", value_parser = seconds, allow_negative_numbers = true)]
    timeout: Duration,
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
    /// two pieces of its body.
    #[arg(long, default_value = "60", value_parser = seconds, allow_negative_numbers = true)]
    fetch_timeout: Duration,
    /// Where fetch() may go; repeatable. A name (`api.example.com`,
    /// `api.example.com:8443`) allows that host, but never a private,
    /// loopback, link-local or other special-purpose address it resolves to.
    /// Only an address entry opens such an address: an IP (`127.0.0.1:3000`,
    /// `[::1]:8080`, `10.0.0.5`: any port when none is given) or a CIDR block
    /// (`10.0.0.0/8`). Without any entry every public address may be fetched.
    #[arg(long = "allow-host", value_name = "HOST[:PORT]|IP[:PORT]|CIDR")]
    allow_hosts: Vec<AllowEntry>,
}

impl LimitArgs {
    fn limits(&self) -> Limits {
        Limits {
            max_memory: self.max_memory_mb << 20,
            timeout: self.timeout.max(Duration::from_millis(10)),
            host_memory: self.max_host_memory_mb << 20,
            clone_max_bytes: self.clone_limit_mb << 20,
            max_fetches: self.max_fetches,
            fetch_connect_timeout: self.fetch_connect_timeout.max(Duration::from_millis(1)),
            fetch_timeout: self.fetch_timeout.max(Duration::from_millis(1)),
            outbound: OutboundPolicy { allowed: Arc::new(self.allow_hosts.clone()) },
            ..Limits::default()
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
}

impl BuildArgs {
    fn options(&self) -> app_build::BuildOptions {
        app_build::BuildOptions {
            allow_net: self.allow_net,
            timeout: self.build_timeout.max(Duration::from_millis(10)),
        }
    }
}

#[derive(Subcommand)]
enum Command {
    /// Compile a JS app into a pre-initialised WebAssembly component.
    Build {
        /// The app: a JS file (ES module with `export default { fetch }`, or a
        /// script with `addEventListener('fetch', ...)`).
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
    /// Serve an app (a .js file, built on the fly, or a built .wasm) over HTTP.
    #[command(alias = "serve")]
    Run {
        app: PathBuf,
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// Instances alive at once (requests served concurrently).
        #[arg(long, default_value_t = 1000)]
        max_instances: u32,
        #[command(flatten)]
        http: HttpArgs,
        #[command(flatten)]
        limits: LimitArgs,
        #[command(flatten)]
        build: BuildArgs,
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
    let cli = Cli::parse();
    init_tracing(&cli.log_format);
    // Every connection and every fetch in flight is a file descriptor.
    if let Err(e) = rlimit::increase_nofile_limit(u64::MAX) {
        tracing::warn!("could not raise the open-files limit: {e}");
    }
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime");
    let result = runtime.block_on(run(cli.command));
    // Host work still running on the blocking pool (bounded per call) must
    // not hold the exit up beyond a moment.
    runtime.shutdown_timeout(Duration::from_millis(500));
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
            let outbound = OutboundPolicy { allowed: Arc::new(allow_hosts) };
            let runtime =
                Runtime::new(Limits { outbound, ..Limits::default() }, false).map_err(|e| format!("{e:?}"))?;
            let output = output.unwrap_or_else(|| app.with_extension("wasm"));
            let source = std::fs::read_to_string(&app).map_err(|e| format!("{}: cannot read: {e}", app.display()))?;
            let module = app_build::is_module(&app, &source);
            let wasm =
                app_build::build_with(&runtime, &source, &app_build::display_name(&app), module, &build.options())
                    .await
                    .map_err(build_message)?;
            std::fs::write(&output, &wasm).map_err(|e| format!("writing {}: {e}", output.display()))?;
            eprintln!("built {} -> {} ({} KiB)", app.display(), output.display(), wasm.len() / 1024);
            Ok(ExitCode::SUCCESS)
        }
        Command::Run { app, listen, max_instances, http, limits, build } => {
            let limits = Limits { max_instances, http: http.limits(), ..limits.limits() };
            let runtime = Runtime::new(limits, true).map_err(|e| format!("{e:?}"))?;
            let wasm = load_app(&runtime, &app, &build.options()).await?;
            // The app owns the engine from here: it may move to a fresh one
            // and let this one go (server.rs, trim_idle_memory).
            let app = runtime
                .load_component(&wasm)
                .and_then(|component| App::new(runtime, app.display().to_string(), &component))
                .map_err(|e| format!("{}: {e:?}", app.display()))?;
            let listener =
                tokio::net::TcpListener::bind(listen).await.map_err(|e| format!("listening on {listen}: {e}"))?;
            let addr = listener.local_addr().unwrap_or(listen);
            tracing::info!("serving {} on http://{addr}", app.name);
            eprintln!("nano: serving {} on http://{addr}", app.name);
            server::serve(Arc::new(app), listener).await.map_err(|e| format!("{e:?}"))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Exec { script, args, limits } => {
            let runtime = Runtime::new(limits.limits(), false).map_err(|e| format!("{e:?}"))?;
            let ok = nano_host::exec::exec(&runtime, &script, &args).await.map_err(|e| format!("{e:?}"))?;
            Ok(if ok { ExitCode::SUCCESS } else { ExitCode::FAILURE })
        }
    }
}

/// A built component as given, or a JS file built now (cached by content).
async fn load_app(runtime: &Runtime, path: &Path, build: &app_build::BuildOptions) -> Result<Vec<u8>, String> {
    let is_wasm = path.extension().is_some_and(|e| e == "wasm");
    if is_wasm {
        return std::fs::read(path).map_err(|e| format!("{}: cannot read: {e}", path.display()));
    }
    app_build::build_cached(runtime, path, build).await.map_err(build_message)
}

fn build_message(e: BuildError) -> String {
    match e {
        BuildError::App(message) => message,
        BuildError::Internal(e) => format!("build failed: {e:?}"),
    }
}

fn init_tracing(format: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("NANO_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,wasmtime_wasi_http=error"));
    use std::io::IsTerminal;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    if format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
}
