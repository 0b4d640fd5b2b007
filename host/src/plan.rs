//! What `run` serves, made concrete: a manifest (or one app file) and the
//! command line's flags become the runtime's pool limits and every app's
//! limits, env and build options (`Plan`), which `load` then builds and links
//! into a server generation. A reload (SIGHUP) runs both again.
//!
//! Flags are the defaults of every app; a manifest's values win. Pool size:
//! the sum of the apps' `max_concurrency`, capped by `max_instances`.

use crate::admission::Slots;
use crate::app::{AppConfig, LinkedApp};
use crate::app_build::{self, BuildError, BuildOptions};
use crate::engine::{PoolLimits, Runtime};
use crate::env::Env;
use crate::limits::AppLimits;
use crate::manifest::Manifest;
use crate::metrics::Metrics;
use crate::routes::RouteTable;
use crate::server::Generation;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// An app's `max_concurrency` in a manifest that does not give one: a
/// tenant never takes every slot of the pool by default.
pub const DEFAULT_APP_CONCURRENCY: u32 = 100;

/// One app to load.
#[derive(Debug)]
pub struct AppPlan {
    pub name: String,
    pub source: PathBuf,
    pub limits: AppLimits,
    pub env: Env,
    pub build: BuildOptions,
}

/// Everything to load into one generation.
#[derive(Debug)]
pub struct Plan {
    pub pool: PoolLimits,
    pub apps: Vec<AppPlan>,
    pub routes: RouteTable,
}

/// `run app.js` (or `.wasm`): one app under the flags, taking every request.
pub fn single(source: &Path, pool: PoolLimits, limits: AppLimits, build: BuildOptions) -> Plan {
    let routes = RouteTable::catch_all();
    let limits = AppLimits { max_concurrency: pool.max_instances, ..limits };
    let name = source.display().to_string();
    Plan {
        pool,
        apps: vec![AppPlan { name, source: source.to_path_buf(), limits, env: Env::default(), build }],
        routes,
    }
}

/// `run nano.toml`: the manifest over the flags' defaults.
pub fn from_manifest(manifest: Manifest, pool: PoolLimits, defaults: &AppLimits, build: &BuildOptions) -> Plan {
    let server = &manifest.server;
    let mut http = pool.http.clone();
    http.max_connections = server.max_connections.unwrap_or(http.max_connections);
    http.max_connections_per_ip = server.max_connections_per_ip.unwrap_or(http.max_connections_per_ip);
    http.header_timeout = server.header_timeout.unwrap_or(http.header_timeout);
    http.body_timeout = server.body_timeout.unwrap_or(http.body_timeout);
    http.write_timeout = server.write_timeout.unwrap_or(http.write_timeout);
    http.queue_timeout = server.queue_timeout.unwrap_or(http.queue_timeout);
    let apps: Vec<AppPlan> = manifest
        .apps
        .into_iter()
        .map(|app| {
            let l = &app.limits;
            let o = &app.outbound;
            let limits = AppLimits {
                max_memory: l.memory_bytes.unwrap_or(defaults.max_memory),
                cpu_time: l.cpu.unwrap_or(defaults.cpu_time),
                timeout: l.wall.unwrap_or(defaults.timeout),
                host_memory: l.host_memory_bytes.unwrap_or(defaults.host_memory),
                max_concurrency: l.max_concurrency.map_or(DEFAULT_APP_CONCURRENCY, |n| n as u32),
                max_body: l.max_body_bytes.unwrap_or(defaults.max_body),
                max_header_bytes: l.max_header_bytes.unwrap_or(defaults.max_header_bytes),
                max_headers: l.max_headers.unwrap_or(defaults.max_headers),
                max_response_header_bytes: l.max_response_header_bytes.unwrap_or(defaults.max_response_header_bytes),
                max_fetches: o.max_fetches.unwrap_or(defaults.max_fetches),
                fetch_connect_timeout: o.connect_timeout.unwrap_or(defaults.fetch_connect_timeout),
                fetch_first_byte_timeout: o.first_byte_timeout.unwrap_or(defaults.fetch_first_byte_timeout),
                fetch_between_bytes_timeout: o.between_bytes_timeout.unwrap_or(defaults.fetch_between_bytes_timeout),
                outbound: match &o.allow {
                    Some(allow) => crate::fetch::OutboundPolicy {
                        allowed: Arc::new(allow.clone()),
                        tls: defaults.outbound.tls.clone(),
                    },
                    None => defaults.outbound.clone(),
                },
                ..defaults.clone()
            };
            let values = app
                .vars
                .into_iter()
                .chain(app.secrets.into_iter().map(|(name, secret)| (name, secret.expose().to_string())));
            let build = BuildOptions {
                allow_net: app.build.allow_net.unwrap_or(build.allow_net),
                timeout: app.build.timeout.unwrap_or(build.timeout),
                outbound: limits.outbound.clone(),
                warm_up: app.build.warm_up.unwrap_or_else(|| build.warm_up.clone()),
            };
            AppPlan { name: app.name, source: app.source, env: Env::new(values, app.env_globals), limits, build }
        })
        .collect();
    let wanted: u64 = apps.iter().map(|app| u64::from(app.limits.max_concurrency)).sum();
    let cap = server.max_instances.unwrap_or(pool.max_instances);
    let pool = PoolLimits {
        max_instances: wanted.min(u64::from(cap)).max(1) as u32,
        max_memory: apps.iter().map(|app| app.limits.max_memory).max().unwrap_or(pool.max_memory),
        pagemap_scan: pool.pagemap_scan,
        reuse_instances: pool.reuse_instances,
        http: crate::engine::HttpLimits {
            max_header_bytes: apps.iter().map(|app| app.limits.max_header_bytes).max().unwrap_or(http.max_header_bytes),
            max_headers: apps.iter().map(|app| app.limits.max_headers).max().unwrap_or(http.max_headers),
            ..http
        },
    };
    Plan { pool, apps, routes: manifest.routes }
}

/// Builds (or takes from the cache), compiles and links every app of `plan`
/// in a fresh runtime. `previous`: the generation being replaced, whose
/// apps' slot counts carry over (instances still running in it count).
pub async fn load(plan: Plan, metrics: &Metrics, previous: Option<&Generation>) -> Result<Generation, String> {
    let runtime = Runtime::new(plan.pool.clone(), true).map_err(|e| format!("{e:?}"))?;
    let mut kept: HashMap<&str, &Arc<Slots>> = HashMap::new();
    if let Some(previous) = previous {
        for app in &previous.apps {
            kept.insert(app.config.name.as_str(), &app.slots);
        }
    }
    let mut apps = Vec::with_capacity(plan.apps.len());
    for app in plan.apps {
        let wasm = load_source(&runtime, &app.source, &app.build).await?;
        // Refused here, not as a 500 on every request: no instance of it
        // could start. (A nano build's memory starts with its snapshot and
        // the 1 MiB it leaves free for requests: guest-js/src/heap_holes.rs.)
        let starts_at = initial_memory(&wasm);
        if starts_at > app.limits.max_memory as u64 {
            return Err(format!(
                "{}: its memory starts at {:.1} MiB, over the app's memory limit of {} MiB (memory_mb, --max-memory-mb)",
                app.source.display(),
                starts_at as f64 / (1 << 20) as f64,
                app.limits.max_memory >> 20
            ));
        }
        // Compiling takes seconds (on a cache miss): not on an async worker
        // while other requests are served (a reload).
        let component = tokio::task::block_in_place(|| runtime.load_component(&wasm))
            .map_err(|e| format!("{}: {e:?}", app.source.display()))?;
        let source_maps =
            crate::modules::source_maps_of(&wasm).map_err(|e| format!("{}: {e}", app.source.display()))?.map(Arc::new);
        // The same slots across versions, so that instances still running
        // in the old one keep counting against the app's max_concurrency.
        let slots = match kept.get(app.name.as_str()) {
            Some(slots) => {
                slots.resize(app.limits.max_concurrency as usize);
                Arc::clone(slots)
            }
            None => Arc::new(Slots::new(app.limits.max_concurrency as usize, plan.pool.http.queue_timeout)),
        };
        let config = AppConfig::with_env(app.name, app.limits, app.env, metrics, source_maps);
        let mut linked = tokio::task::block_in_place(|| LinkedApp::new(&runtime, config, &component, slots))
            .map_err(|e| format!("{}: {e:?}", app.source.display()))?;
        tokio::task::block_in_place(|| linked.judge_bytes(&wasm));
        apps.push(Arc::new(linked));
    }
    Ok(Generation { runtime, apps, routes: Arc::new(plan.routes) })
}

/// The most memory any one of the component's core modules defines at
/// instantiation, in bytes (0 if it cannot be parsed: loading it fails
/// then with wasmtime's own error).
fn initial_memory(wasm: &[u8]) -> u64 {
    use wasmparser::{Parser, Payload};
    Parser::new(0)
        .parse_all(wasm)
        .filter_map(|payload| match payload {
            Ok(Payload::MemorySection(memories)) => Some(memories),
            _ => None,
        })
        .flat_map(|memories| memories.into_iter().filter_map(Result::ok))
        .map(|memory| memory.initial.saturating_mul(memory.page_size().into()))
        .max()
        .unwrap_or(0)
}

/// A built component as given, or a JS file built now (cached by content).
pub async fn load_source(runtime: &Runtime, path: &Path, build: &BuildOptions) -> Result<Vec<u8>, String> {
    let is_wasm = path.extension().is_some_and(|e| e == "wasm");
    if is_wasm {
        return std::fs::read(path).map_err(|e| format!("{}: cannot read: {e}", path.display()));
    }
    app_build::build_cached(runtime, path, build).await.map_err(|e| match e {
        BuildError::App(message) => message,
        BuildError::Internal(e) => format!("build failed: {e:?}"),
    })
}
