//! One app, set up once: the middle of the three phases (once per runtime:
//! `engine::Runtime`; once per app: here; once per instance:
//! `Runtime::new_store`). An app is its configuration and policy (name,
//! limits, env), shared by every instance, and the app compiled and linked
//! in a runtime, ready to instantiate per request.

use crate::admission::Slots;
use crate::engine::Runtime;
use crate::env::Env;
use crate::fetch::pool::ConnectionPool;
use crate::limits::AppLimits;
use crate::metrics::{AppMetrics, Metrics};
use crate::modules::SourceMaps;
use crate::state::State;
use std::sync::Arc;
use wasmtime::component::{Component, InstancePre};
use wasmtime::error::Context as _;
use wasmtime::Result;
use wasmtime_wasi_http::p2::bindings::ProxyIndices;

/// What an app is, apart from its code: read-only, shared by its instances.
pub struct AppConfig {
    pub name: String,
    pub limits: AppLimits,
    pub env: Env,
    /// The app's series in the server's metrics.
    pub metrics: AppMetrics,
    /// Where its compiled modules' lines came from (TypeScript, JSX): what
    /// its log lines' stacks are mapped back through.
    pub source_maps: Option<Arc<SourceMaps>>,
    /// Its fetches' idle keep-alive connections: its own, never another app's.
    pub connections: Arc<ConnectionPool>,
}

impl AppConfig {
    /// An app outside any server's metrics (`exec`, `build`, tests).
    pub fn new(name: impl Into<String>, limits: AppLimits) -> Arc<AppConfig> {
        Self::with_source_maps(name, limits, None)
    }

    /// An app outside any server's metrics, with its source maps (`exec`).
    pub fn with_source_maps(
        name: impl Into<String>,
        limits: AppLimits,
        source_maps: Option<Arc<SourceMaps>>,
    ) -> Arc<AppConfig> {
        let name = name.into();
        let metrics = Metrics::new().app(&name);
        Arc::new(AppConfig { name, limits, env: Env::default(), metrics, source_maps, connections: Arc::default() })
    }

    pub fn with_env(
        name: impl Into<String>,
        limits: AppLimits,
        env: Env,
        metrics: &Metrics,
        source_maps: Option<Arc<SourceMaps>>,
    ) -> Arc<AppConfig> {
        let name = name.into();
        Arc::new(AppConfig { metrics: metrics.app(&name), name, limits, env, source_maps, connections: Arc::default() })
    }
}

impl std::fmt::Debug for AppConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppConfig")
            .field("name", &self.name)
            .field("limits", &self.limits)
            .field("env", &self.env)
            .finish()
    }
}

/// An app linked in one runtime. Its slots (how many of its instances may
/// be alive) outlive the runtime: when the server moves to a fresh engine,
/// the instances still running in the old one keep counting.
pub struct LinkedApp {
    pub config: Arc<AppConfig>,
    pub pre: InstancePre<State>,
    /// Where the app's exports are, to call an instance made from `pre`.
    pub exports: ProxyIndices,
    /// The compiled app, to link into a fresh engine without compiling.
    pub compiled: Arc<Vec<u8>>,
    pub slots: Arc<Slots>,
    /// Instances reset after a request, for the next ones (reuse.rs).
    pub parking: crate::reuse::Parking,
    /// Whether its instances may be reset and reused: not if the component
    /// runs code at instantiation (`reuse::runs_code_at_instantiation`).
    pub reusable: bool,
    /// Whether its code may change a table element (`reuse::changes_tables`):
    /// then a reset copies its tables back.
    pub tables_change: bool,
}

impl LinkedApp {
    /// Links `component` (compiled by `runtime`) for `config`. Its
    /// instances may be reused, and have their tables copied back on a
    /// reset, until `judge_bytes` says otherwise.
    pub fn new(runtime: &Runtime, config: Arc<AppConfig>, component: &Component, slots: Arc<Slots>) -> Result<Self> {
        let (pre, exports) = link(runtime, component)?;
        let compiled = Arc::new(component.serialize().context("keeping the compiled app")?);
        Ok(LinkedApp {
            config,
            pre,
            exports,
            compiled,
            slots,
            parking: Default::default(),
            reusable: true,
            tables_change: true,
        })
    }

    /// Sets `reusable` and `tables_change` from the component's bytes, as
    /// `run` does for every app it serves: whether it runs code at
    /// instantiation (`reuse::runs_code_at_instantiation`) and whether its
    /// code may change a table element (`reuse::changes_tables`, which
    /// reads every instruction: ≈ 20 ms for an app built by nano).
    pub fn judge_bytes(&mut self, wasm: &[u8]) {
        self.reusable = !crate::reuse::runs_code_at_instantiation(wasm);
        self.tables_change = crate::reuse::changes_tables(wasm);
    }

    /// The same app in another runtime of the same configuration.
    pub fn relink(&self, runtime: &Runtime) -> Result<Self> {
        // Safety: `compiled` was serialised from a component that an engine
        // of this very configuration compiled or checked.
        let component = unsafe { Component::deserialize(&runtime.engine, &self.compiled[..]) }?;
        let (pre, exports) = link(runtime, &component)?;
        Ok(LinkedApp {
            config: self.config.clone(),
            pre,
            exports,
            compiled: self.compiled.clone(),
            slots: self.slots.clone(),
            parking: Default::default(),
            reusable: self.reusable,
            tables_change: self.tables_change,
        })
    }
}

fn link(runtime: &Runtime, component: &Component) -> Result<(InstancePre<State>, ProxyIndices)> {
    let pre = runtime.instantiate_pre(component)?;
    let exports = ProxyIndices::new(&pre).context("the component does not export wasi:http/incoming-handler")?;
    Ok((pre, exports))
}
