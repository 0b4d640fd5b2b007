//! `nano-host build`: the engine component pre-initialised with an app by a
//! wizer snapshot, so a request never parses the app again.

use crate::app::AppConfig;
use crate::cache::hex_digest;
use crate::deadline::{set_limits, LimitExceeded};
use crate::engine::Runtime;
use crate::limits::AppLimits;
use crate::state::{LogSink, State};
use std::future::Future;
use std::path::Path;
use std::time::Duration;
use wasmtime::component::Component;
use wasmtime::error::Context as _;
use wasmtime_wasi::p2::pipe::MemoryInputPipe;
use wasmtime_wasi_http::{Error as HttpError, RequestOptions, WasiBody, WasiHttpHooks};
use wasmtime_wizer::{WasmtimeWizerComponent, Wizer};

/// Why a build failed: the app's own error (`file:line:col: message`) or a
/// failure of the toolchain.
#[derive(Debug)]
pub enum BuildError {
    App(String),
    Internal(wasmtime::Error),
}

impl std::fmt::Display for BuildError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BuildError::App(message) => f.write_str(message),
            BuildError::Internal(e) => write!(f, "{e:?}"),
        }
    }
}

impl std::error::Error for BuildError {}

impl From<wasmtime::Error> for BuildError {
    fn from(e: wasmtime::Error) -> Self {
        BuildError::Internal(e)
    }
}

/// Whether a file runs as an ES module: `.mjs`, or a top-level `import` /
/// `export` statement (as browsers and Node decide); anything else is a
/// classic script.
pub fn is_module(path: &Path, source: &str) -> bool {
    match path.extension().and_then(|e| e.to_str()) {
        Some("mjs") => return true,
        Some("cjs") => return false,
        _ => {}
    }
    source.lines().any(|line| {
        let line = line.trim_start();
        let statement = |kw: &str| {
            line.strip_prefix(kw)
                .is_some_and(|rest| rest.starts_with([' ', '{', '*', '"', '\'', '\t']) || rest.is_empty())
        };
        statement("export") || (statement("import") && !line.starts_with("import("))
    })
}

/// How a build runs. The app's top-level code runs at build time and what it
/// computes is frozen into the snapshot, so by default it gets less than a
/// request: no network, and a budget of its own.
#[derive(Clone, Debug)]
pub struct BuildOptions {
    /// Let top-level code use fetch() (under the runtime's outbound policy).
    /// Off by default: building an app reaches no network.
    pub allow_net: bool,
    /// Wall-clock budget of the whole initialisation, top-level await
    /// included; independent of the request timeout.
    pub timeout: Duration,
    /// Where top-level fetch() may go, with `allow_net`.
    pub outbound: crate::fetch::OutboundPolicy,
}

impl Default for BuildOptions {
    fn default() -> Self {
        BuildOptions { allow_net: false, timeout: Duration::from_secs(60), outbound: Default::default() }
    }
}

/// Builds an app from its source into a snapshotted component, with the
/// default options.
pub async fn build(runtime: &Runtime, source: &str, filename: &str, module: bool) -> Result<Vec<u8>, BuildError> {
    build_with(runtime, source, filename, module, &BuildOptions::default()).await
}

/// Builds an app from its source into a snapshotted component.
pub async fn build_with(
    runtime: &Runtime,
    source: &str,
    filename: &str,
    module: bool,
    options: &BuildOptions,
) -> Result<Vec<u8>, BuildError> {
    let wasi = State::wasi()
        .stdin(MemoryInputPipe::new(source.as_bytes().to_vec()))
        .env("NANO_APP_FILENAME", filename)
        .env("NANO_APP_MODULE", if module { "1" } else { "0" })
        .build();
    // The build is an instance like a request's, with the default limits
    // (its wall time is the build timeout, set below) and no env.
    let app = AppConfig::new(filename, AppLimits { outbound: options.outbound.clone(), ..AppLimits::default() });
    let mut store = runtime.new_store(&app, LogSink::Build { app: filename.to_string() }, wasi);
    if !options.allow_net {
        store.data_mut().outbound = Box::new(NoNetwork);
    }
    // wizer's steps one by one, so the build's budget covers the app's code
    // only: not compiling the engine before, nor snapshotting after (which
    // must not be interrupted).
    let mut wizer = Wizer::new();
    wizer.init_func("wizer-initialize()").keep_init_func(true);
    let (context, instrumented) = wizer.instrument_component(crate::ENGINE_WASM)?;
    let component = Component::new(&runtime.engine, &instrumented).context("compiling the engine for the build")?;
    // The epoch deadline stops code that runs; the timer, code that waits
    // (on a timer or a fetch that never ends).
    set_limits(&mut store, options.timeout, options.timeout);
    let initialise = async {
        let instance = runtime.linker.instantiate_async(&mut store, &component).await?;
        let init = instance.get_typed_func::<(), (Result<(), String>,)>(&mut store, "wizer-initialize")?;
        let (result,) = init.call_async(&mut store, ()).await?;
        Ok::<_, wasmtime::Error>((instance, result))
    };
    let too_long = || {
        let secs = options.timeout.as_secs_f64();
        BuildError::App(format!(
            "{filename}: the app's top-level code did not finish within the build timeout ({secs} s, --build-timeout)"
        ))
    };
    let (instance, result) =
        tokio::time::timeout(options.timeout, initialise).await.map_err(|_| too_long())?.map_err(|e| {
            match e.downcast_ref::<wasmtime::Trap>() {
                _ if LimitExceeded::of(&e).is_some() => too_long(),
                _ => BuildError::App(format!("{filename}: the app could not be initialised: {e:?}")),
            }
        })?;
    result.map_err(BuildError::App)?;
    set_limits(&mut store, SNAPSHOT_TIMEOUT, SNAPSHOT_TIMEOUT);
    Ok(wizer.snapshot_component(&context, &mut WasmtimeWizerComponent { store: &mut store, instance }).await?)
}

/// Reading the initialised instance's state back: the host's own work,
/// bounded only against a runaway.
const SNAPSHOT_TIMEOUT: Duration = Duration::from_secs(3600);

/// The outbound hook of a build without --allow-net: every fetch() fails,
/// saying why, and nothing is resolved or connected.
struct NoNetwork;

impl WasiHttpHooks for NoNetwork {
    fn send_request(
        &mut self,
        request: http::Request<WasiBody>,
        _options: Option<RequestOptions>,
        _fut: Box<dyn Future<Output = Result<(), HttpError>> + Send>,
    ) -> Box<
        dyn Future<
                Output = Result<
                    (http::Response<WasiBody>, Box<dyn Future<Output = Result<(), HttpError>> + Send>),
                    HttpError,
                >,
            > + Send,
    > {
        let message = format!(
            "{} was not requested: the app's top-level code runs at build time, which has no network access; \
             fetch inside the handler, or build with --allow-net",
            request.uri()
        );
        Box::new(async move { Err(HttpError::InternalError(Some(message))) })
    }
}

/// Builds `path` unless the same source was built by this binary before.
/// A build with network access is not cached: what it fetched is not part of
/// the key.
pub async fn build_cached(runtime: &Runtime, path: &Path, options: &BuildOptions) -> Result<Vec<u8>, BuildError> {
    let source =
        std::fs::read_to_string(path).map_err(|e| BuildError::App(format!("{}: cannot read: {e}", path.display())))?;
    let filename = display_name(path);
    let module = is_module(path, &source);
    let cache = crate::cache::shared().filter(|_| !options.allow_net);
    let name =
        format!("{}.wasm", hex_digest(&[crate::ENGINE_WASM, filename.as_bytes(), &[module as u8], source.as_bytes()]));
    if let Some(wasm) = cache.and_then(|cache| cache.get("apps", &name)) {
        return Ok(wasm);
    }
    let wasm = build_with(runtime, &source, &filename, module, options).await?;
    if let Some(cache) = cache {
        cache.put("apps", &name, &wasm);
    }
    Ok(wasm)
}

/// The name errors and stacks use for the app: its file name as given.
pub fn display_name(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}
