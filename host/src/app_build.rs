//! `nano-host build`: the engine component pre-initialised with an app by a
//! wizer snapshot, so a request never parses the app again.

use crate::app::AppConfig;
use crate::cache::hex_digest;
use crate::deadline::{set_limits, LimitExceeded};
use crate::engine::Runtime;
use crate::limits::AppLimits;
use crate::modules::{self, Graph};
use crate::state::{LogSink, State};
use std::future::Future;
use std::path::Path;
use std::time::Duration;
use wasmtime::component::Component;
use wasmtime::error::Context as _;
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
    /// URLs (see `warm_up_url`) the build requests from the app's handler
    /// after its top-level code, so that what the handler makes lazily on
    /// its first request (a router, a cache) is in the snapshot instead of
    /// being made again in every request. Empty by default: a warm-up runs
    /// the app's handler at build time, and what it leaves in the app's
    /// own state every request sees.
    pub warm_up: Vec<String>,
}

impl Default for BuildOptions {
    fn default() -> Self {
        BuildOptions {
            allow_net: false,
            timeout: Duration::from_secs(60),
            outbound: Default::default(),
            warm_up: Vec::new(),
        }
    }
}

/// The most warm-up requests a build makes, and the longest URL of one:
/// they are the operator's, but each is a copy into the build's instance.
pub const MAX_WARM_UPS: usize = 64;
const MAX_WARM_UP_URL: usize = 8 << 10;

/// A warm-up request's URL (its href) from what the operator wrote: a path
/// (`/api/users/1`, on `http://localhost`) or an absolute http(s) URL, with
/// no fragment (a request's URL has none).
pub fn warm_up_url(given: &str) -> Result<String, String> {
    let url = if given.starts_with('/') && !given.starts_with("//") {
        format!("http://localhost{given}")
    } else if given.starts_with("http://") || given.starts_with("https://") {
        given.to_string()
    } else {
        return Err(format!("`{given}` is neither a path (`/api/users/1`) nor an http(s) URL"));
    };
    if url.len() > MAX_WARM_UP_URL {
        return Err(format!("a warm-up URL is at most {MAX_WARM_UP_URL} bytes long, not {}", url.len()));
    }
    let parsed = ada_url::Url::parse(&url, None).map_err(|_| format!("`{given}` is not a valid URL"))?;
    if parsed.has_hash() {
        return Err(format!("`{given}`: a request's URL has no #fragment"));
    }
    Ok(parsed.href().to_string())
}

/// Builds an app given as the text of one file (tests, fuzzing), with the
/// default options.
pub async fn build(runtime: &Runtime, source: &str, filename: &str, module: bool) -> Result<Vec<u8>, BuildError> {
    build_with(runtime, &Graph::single(filename, source, module), &BuildOptions::default()).await
}

/// Finds and compiles the modules of the app at `path` (a file, a folder or
/// a package.json): what its build needs, read from disk once. Warnings (a
/// `require()` that resolved to nothing) are logged.
pub fn compile(path: &Path) -> Result<Graph, BuildError> {
    let entry = modules::entry_of(path).map_err(BuildError::App)?;
    let graph = modules::build(&entry, &modules::Options::default()).map_err(BuildError::App)?;
    for warning in &graph.warnings {
        tracing::warn!(target: "nano::build", "{warning}");
    }
    Ok(graph)
}

/// Builds an app from its modules into a snapshotted component that carries
/// their source maps.
pub async fn build_with(runtime: &Runtime, graph: &Graph, options: &BuildOptions) -> Result<Vec<u8>, BuildError> {
    let source_maps = graph.source_map_index().map_err(BuildError::App)?;
    let mut wasm = snapshot(runtime, graph, options).await.map_err(|e| match e {
        BuildError::App(message) => BuildError::App(graph.locate(source_maps.as_ref(), &message)),
        internal => internal,
    })?;
    modules::append_source_maps(&mut wasm, graph).map_err(|e| BuildError::Internal(wasmtime::Error::msg(e)))?;
    Ok(wasm)
}

/// Runs the app's top-level code in an instance of the engine and snapshots
/// the result (wizer).
async fn snapshot(runtime: &Runtime, graph: &Graph, options: &BuildOptions) -> Result<Vec<u8>, BuildError> {
    let filename = graph.entry();
    // The build is an instance like a request's, with the default limits
    // (its wall time is the build timeout, set below) and no env.
    let app = AppConfig::new(filename, AppLimits { outbound: options.outbound.clone(), ..AppLimits::default() });
    let mut store = runtime.new_store(&app, LogSink::Build { app: filename.to_string() }, State::wasi().build());
    store.data_mut().modules = graph.to_wit();
    if options.warm_up.len() > MAX_WARM_UPS {
        return Err(BuildError::App(format!(
            "{filename}: {} warm-up requests asked for; a build makes at most {MAX_WARM_UPS}",
            options.warm_up.len()
        )));
    }
    store.data_mut().warm_up = options.warm_up.clone();
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
            "{} was not requested: the app's top-level code (and a warm-up request) runs at build time, which has no network access; \
             fetch inside the handler, or build with --allow-net",
            request.uri()
        );
        Box::new(async move { Err(HttpError::InternalError(Some(message))) })
    }
}

/// Builds the app at `path` unless the same modules were built by this
/// binary before. A build with network access is not cached: what it
/// fetched is not part of the key.
pub async fn build_cached(runtime: &Runtime, path: &Path, options: &BuildOptions) -> Result<Vec<u8>, BuildError> {
    let graph = compile(path)?;
    let cache = crate::cache::shared().filter(|_| !options.allow_net);
    // The warm-up requests change the snapshot: part of the key, each URL a
    // part of its own (hex_digest prefixes each with its length).
    let digest = graph.digest_parts();
    let mut parts: Vec<&[u8]> = vec![crate::ENGINE_WASM, &digest];
    parts.extend(options.warm_up.iter().map(|url| url.as_bytes()));
    let name = format!("{}.wasm", hex_digest(&parts));
    if let Some(wasm) = cache.and_then(|cache| cache.get("apps", &name)) {
        return Ok(wasm);
    }
    let wasm = build_with(runtime, &graph, options).await?;
    tracing::info!(target: "nano::build", "built {}: {}; component {} KiB", path.display(), graph.summary(), wasm.len() / 1024);
    if let Some(cache) = cache {
        cache.put("apps", &name, &wasm);
    }
    Ok(wasm)
}

#[cfg(test)]
mod tests {
    use super::warm_up_url;

    #[test]
    fn warm_up_urls() {
        assert_eq!(warm_up_url("/api/users/1?x=1").unwrap(), "http://localhost/api/users/1?x=1");
        assert_eq!(warm_up_url("https://shop.example.com/").unwrap(), "https://shop.example.com/");
        assert_eq!(warm_up_url("/a b/../c").unwrap(), "http://localhost/c");
        for bad in ["api", "//evil.example/", "ftp://x/", "http://[::1/", "", "/a#top"] {
            assert!(warm_up_url(bad).is_err(), "{bad}");
        }
        assert!(warm_up_url(&format!("/{}", "a".repeat(8 << 10))).unwrap_err().contains("at most 8192 bytes"));
    }
}
