//! Per-store data: everything one instance (one request, one script, one
//! snapshot) may touch in the host.

use crate::app::AppConfig;
use std::sync::Arc;
use wasmtime::component::ResourceTable;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

/// Where the app's console output goes.
#[derive(Clone, Debug)]
pub enum LogSink {
    /// `serve`: the host's structured log, tagged with the request id.
    Request { request_id: String, app: String },
    /// `exec`: stdout (debug/info) and stderr (warn/error), like a CLI.
    Stdio,
    /// `build`: top-level console output of the app while it is snapshotted.
    Build { app: String },
}

pub struct State {
    pub wasi: WasiCtx,
    pub http: WasiHttpCtx,
    pub table: ResourceTable,
    pub log: LogSink,
    pub log_quota: crate::console::LogQuota,
    pub limits: MemoryLimiter,
    /// Host bytes held for this instance (see budget.rs).
    pub budget: crate::budget::HostBudget,
    /// Compression streams alive (see compression.rs: at most MAX_LIVE_CODERS).
    pub coders: usize,
    /// TextDecoders alive in the host (see encoding.rs: at most MAX_LIVE_DECODERS).
    pub decoders: usize,
    /// Intl formatters alive in the host (see intl.rs: at most MAX_LIVE).
    pub intl_objects: usize,
    /// Limits of structuredClone's wire format (bytes, nesting depth).
    pub clone_limits: (usize, usize),
    /// The send-request hook: outbound policy and this instance's fetch
    /// limit, or no network at all (a build without --allow-net).
    pub outbound: Box<dyn wasmtime_wasi_http::WasiHttpHooks>,
    /// The CPU time the instance's code has run (see deadline.rs).
    pub cpu: Arc<crate::deadline::CpuClock>,
    /// The app this instance runs: its name, limits and env.
    pub app: Arc<AppConfig>,
    /// The modules a build or a script hands to the engine (modules.rs);
    /// empty in a request's instance.
    pub modules: Vec<crate::bindings::nano::platform::modules::Module>,
    /// The build's warm-up requests (`BuildOptions::warm_up`); empty
    /// elsewhere.
    pub warm_up: Vec<String>,
    /// Keeps the engine's epoch advancing while this store lives (epoch.rs);
    /// set by `Runtime::new_store`.
    pub ticking: Option<crate::epoch::Ticking>,
}

impl State {
    /// The WASI context of an instance: nothing from the host's environment
    /// (an app's configuration comes through `nano:platform/env` and
    /// `limits`); `build` and `exec` add stdin and arguments.
    pub fn wasi() -> wasmtime_wasi::WasiCtxBuilder {
        WasiCtx::builder()
    }

    pub fn new(wasi: WasiCtx, log: LogSink, app: &Arc<AppConfig>) -> State {
        let limits = &app.limits;
        State {
            wasi,
            http: WasiHttpCtx::new(),
            table: ResourceTable::new(),
            log,
            log_quota: Default::default(),
            limits: MemoryLimiter { max: limits.max_memory, peak: 0, refused: false },
            budget: crate::budget::HostBudget::new(limits.host_memory),
            coders: 0,
            decoders: 0,
            intl_objects: 0,
            clone_limits: (limits.clone_max_bytes, limits.clone_max_depth),
            outbound: Box::new(crate::fetch::Outbound::new(app)),
            cpu: Default::default(),
            app: app.clone(),
            modules: Vec::new(),
            warm_up: Vec::new(),
            ticking: None,
        }
    }

    /// The state of an instance reset in place (reuse.rs) for its next
    /// request of `app`: `new`'s, but for the WASI context, which is kept.
    /// A request's context is built the same way every time and holds
    /// nothing of one request (no env, arguments, preopens or streams; its
    /// resources live in `table`, which is new), while building one seeds
    /// two random generators, ≈ 0.75% of a hello server's CPU. Its secure
    /// generator goes on where the last request left it (never repeats);
    /// `wasi:random/insecure-seed` stays the instance's, as WASI describes it.
    pub fn renew(&mut self, log: LogSink, app: &Arc<AppConfig>) {
        // Every other field as `new` sets it, each named: a field added to
        // State does not compile here until it is renewed too.
        let State {
            wasi: _,
            http,
            table,
            log: sink,
            log_quota,
            limits: memory,
            budget,
            coders,
            decoders,
            intl_objects,
            clone_limits,
            outbound,
            cpu,
            app: own_app,
            modules,
            warm_up,
            ticking,
        } = self;
        let limits = &app.limits;
        *http = WasiHttpCtx::new();
        *table = ResourceTable::new();
        *sink = log;
        *log_quota = Default::default();
        *memory = MemoryLimiter { max: limits.max_memory, peak: 0, refused: false };
        *budget = crate::budget::HostBudget::new(limits.host_memory);
        (*coders, *decoders, *intl_objects) = (0, 0, 0);
        *clone_limits = (limits.clone_max_bytes, limits.clone_max_depth);
        *outbound = Box::new(crate::fetch::Outbound::new(app));
        *cpu = Default::default();
        *own_app = app.clone();
        *modules = Vec::new();
        *warm_up = Vec::new();
        *ticking = None;
    }
}

/// Caps an instance's linear memory and remembers the most it used, so
/// operators (and `just bench`) can see what a request really costs.
pub struct MemoryLimiter {
    max: usize,
    /// Largest linear memory size reached, in bytes.
    pub peak: usize,
    /// Whether a growth was refused: the instance reached its limit.
    pub refused: bool,
}

impl wasmtime::ResourceLimiter for MemoryLimiter {
    fn memory_growing(&mut self, _current: usize, desired: usize, maximum: Option<usize>) -> wasmtime::Result<bool> {
        // Refusing makes `memory.grow` return -1: the engine reports out of
        // memory as an error instead of the instance trapping.
        if desired > self.max || maximum.is_some_and(|max| desired > max) {
            self.refused = true;
            return Ok(false);
        }
        self.peak = self.peak.max(desired);
        Ok(true)
    }

    fn table_growing(&mut self, _current: usize, desired: usize, maximum: Option<usize>) -> wasmtime::Result<bool> {
        Ok(maximum.is_none_or(|max| desired <= max))
    }
}

impl WasiView for State {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}

impl WasiHttpView for State {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView { ctx: &mut self.http, table: &mut self.table, hooks: &mut *self.outbound }
    }
}
