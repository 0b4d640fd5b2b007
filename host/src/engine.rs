//! The wasmtime side of nano: engine configuration (pooling allocator,
//! copy-on-write memory images, epoch interruption), the linker for the app
//! world, and the cache of compiled components.

use crate::app::AppConfig;
use crate::limits::AppLimits;
use crate::state::{LogSink, State};
use sha2::{Digest, Sha256};
use std::hash::Hash as _;
use std::sync::Arc;
use std::time::Duration;
use wasmtime::component::{Component, InstancePre, Linker};
use wasmtime::error::Context as _;
use wasmtime::{Config, Enabled, Engine, InstanceAllocationStrategy, PoolingAllocationConfig, Result, Store};

/// What is shared by every app of a runtime: the pool's slots and their
/// size, and the client connections' limits. An app's own limits are
/// `limits::AppLimits`.
#[derive(Clone, Debug)]
pub struct PoolLimits {
    /// Instances alive at once, of all apps (the pool's slots) when pooling.
    pub max_instances: u32,
    /// Linear memory of a slot, in bytes: the largest app's limit.
    pub max_memory: usize,
    /// The client connection's limits (`run`).
    pub http: HttpLimits,
    /// Reset a used slot's memory by scanning for the pages its instance
    /// wrote (Linux's PAGEMAP_SCAN, 6.7 and later; patches/README.md) and
    /// copying back only those, instead of copying over the first
    /// KEEP_RESIDENT bytes whatever was touched. Where the kernel lacks the
    /// scan, wasmtime falls back to the copy by itself.
    pub pagemap_scan: bool,
    /// Serve a request in an instance of its app reset in place after an
    /// earlier request (reuse.rs) when one is parked, rather than always in
    /// a new one; `run --fresh-instances` turns it off.
    pub reuse_instances: bool,
}

impl Default for PoolLimits {
    fn default() -> Self {
        PoolLimits {
            max_instances: 1000,
            max_memory: AppLimits::default().max_memory,
            http: HttpLimits::default(),
            pagemap_scan: true,
            reuse_instances: true,
        }
    }
}

/// What a client connection may hold, and for how long.
#[derive(Clone, Debug)]
pub struct HttpLimits {
    /// Time to send a request head; also how long a keep-alive connection
    /// may sit idle between requests (hyper times both with one clock).
    pub header_timeout: Duration,
    /// Longest pause between two pieces of a request body.
    pub body_timeout: Duration,
    /// Longest time a client may accept none of the response's bytes.
    pub write_timeout: Duration,
    /// Open client connections, in total and from one address.
    pub max_connections: usize,
    pub max_connections_per_ip: usize,
    /// How long a request waits for a free instance slot before a 503.
    pub queue_timeout: Duration,
    /// What hyper accepts of a request head before any app is chosen: the
    /// largest of the apps' own limits, which are checked per app after.
    pub max_header_bytes: usize,
    pub max_headers: usize,
}

impl Default for HttpLimits {
    fn default() -> Self {
        HttpLimits {
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(30),
            write_timeout: Duration::from_secs(30),
            max_connections: 10_000,
            max_connections_per_ip: 1_000,
            queue_timeout: Duration::from_secs(1),
            max_header_bytes: AppLimits::default().max_header_bytes,
            max_headers: AppLimits::default().max_headers,
        }
    }
}

/// The most of a slot's memory its reset copies back in place (the rest is
/// decommitted): with the pagemap scan, the first this-many bytes of pages
/// the instance wrote, which stay resident for the next one (no page
/// faults, no madvise); without it, the first this-many bytes whatever was
/// touched.
const KEEP_RESIDENT: usize = 4 << 20;

/// Used slots wasmtime treats as warm when it picks one for a new instance:
/// enough for the requests a busy 2–8 core machine runs at once.
pub const WARM_SLOTS: u32 = 32;

/// Idle memory the pool may keep resident: its warm slots' worth. wasmtime
/// never gives back what an idle slot keeps, so past this the server moves
/// the app to a fresh engine (server.rs, `trim_idle_memory`).
pub const IDLE_RESIDENT_MAX: usize = WARM_SLOTS as usize * KEEP_RESIDENT;

/// Native stack wasm may use (wasmtime's default is 512 KiB); the fiber an
/// instance runs on gets 1 MiB more for the host calls made at that depth.
/// Only pages a deep recursion touches become resident, and only until the
/// instance ends or, reset in place, until its store next checks its stack
/// (at most 16 resets later; patches/wasmtime-48.0.8-parked-stack.diff),
/// past STACK_KEEP_RESIDENT.
const MAX_WASM_STACK: usize = 32 << 20;

/// The stack an instance runs on (a pooled fiber stack): wasm's, and 1 MiB
/// for the host calls made at its deepest.
pub const FIBER_STACK: usize = MAX_WASM_STACK + (1 << 20);

/// What a pooled stack keeps resident between instances: zeroed with a
/// memset when its instance ends, so every used stack holds this much even
/// if its instance used less (the rest is decommitted). Measured by the
/// deepest page instances touched: a hello request 12 KiB, a fetch streamed
/// through a TransformStream 24 KiB.
const STACK_KEEP_RESIDENT: usize = 32 << 10;

/// How often the epoch advances: the granularity of the CPU and wall
/// limits, and of a long-running instance's time slices (deadline.rs). At
/// 10 ms, another app's request waited for several slices on a 2-core
/// machine with two spinners.
const EPOCH_TICK: Duration = Duration::from_millis(2);

pub struct Runtime {
    pub engine: Engine,
    pub linker: Linker<State>,
    pub pool: PoolLimits,
    cache: CompileCache,
    ticker: crate::epoch::EpochTicker,
    /// Fuel counting, for the tests' deterministic cost guard only (see
    /// `Runtime::metered`); `None` in every runtime the CLI makes.
    fuel: Option<FuelMeter>,
    /// Instances its apps keep parked between requests (reuse.rs).
    pub parked: crate::reuse::ParkedCount,
}

/// The fuel the ended instances of a metered runtime burnt in all.
struct FuelMeter {
    used: std::sync::atomic::AtomicU64,
}

/// The fuel each store of a metered runtime starts with: far more than any
/// test request burns, so it never runs out.
const FUEL_BUDGET: u64 = 1 << 60;

impl Runtime {
    /// `pooling`: pre-reserve instance slots (for serving many short-lived
    /// instances); off for one-shot uses (build, exec).
    pub fn new(pool: PoolLimits, pooling: bool) -> Result<Arc<Runtime>> {
        Runtime::with_fuel(pool, pooling, false)
    }

    /// A pooling runtime configured as `run`'s, except that wasm counts fuel
    /// (about one unit per wasm instruction): what the tests use to measure
    /// a request's cost without timing it. Never for serving: fuel checks
    /// slow every loop and call down. `fuel_used` reads the count. (A server
    /// App that moves to a fresh engine to free idle memory moves to an
    /// unmetered one; a test's few sequential requests never trigger it.)
    #[doc(hidden)]
    pub fn metered(pool: PoolLimits) -> Result<Arc<Runtime>> {
        Runtime::with_fuel(pool, true, true)
    }

    fn with_fuel(pool_limits: PoolLimits, pooling: bool, fuel: bool) -> Result<Arc<Runtime>> {
        let mut config = Config::new();
        config.consume_fuel(fuel);
        config.epoch_interruption(true);
        config.memory_init_cow(true);
        config.concurrency_support(false);
        // Room for deep JS recursion: QuickJS's own stack check (a
        // catchable RangeError, see guest-js/quickjs/wasi_stack_check.h)
        // must come before wasm's native stack runs out, and one JS call
        // takes ≈ 750 bytes of it (512 KiB, wasmtime's default, held ≈ 700).
        config.max_wasm_stack(MAX_WASM_STACK);
        config.async_stack_size(FIBER_STACK);
        // A pooled stack would otherwise keep every page a deep recursion
        // touched: past STACK_KEEP_RESIDENT, stacks are decommitted when
        // their instance ends.
        config.async_stack_zeroing(true);
        // `NANO_PERFMAP=1`: name JIT code for `perf` (profiling the request path).
        if std::env::var_os("NANO_PERFMAP").is_some() {
            config.profiler(wasmtime::ProfilingStrategy::PerfMap);
        }
        if pooling {
            let mut pool = PoolingAllocationConfig::default();
            let n = pool_limits.max_instances;
            pool.total_component_instances(n)
                .total_core_instances(n * 4)
                .total_memories(n * 2)
                .total_tables(n * 4)
                .max_memory_size(pool_limits.max_memory)
                .linear_memory_keep_resident(KEEP_RESIDENT)
                .table_keep_resident(64 << 10)
                .async_stack_keep_resident(STACK_KEEP_RESIDENT)
                .max_unused_warm_slots(WARM_SLOTS)
                .pagemap_scan(if pool_limits.pagemap_scan { Enabled::Auto } else { Enabled::No });
            config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
        }
        let engine = Engine::new(&config).context("configuring wasmtime")?;
        let linker = app_linker(&engine)?;
        let ticker = crate::epoch::EpochTicker::start(&engine, EPOCH_TICK);
        let cache = CompileCache::new(&engine);
        let fuel = fuel.then(|| FuelMeter { used: Default::default() });
        Ok(Arc::new(Runtime { engine, linker, pool: pool_limits, cache, ticker, fuel, parked: Default::default() }))
    }

    /// Compiles a component, or loads it precompiled from the cache.
    pub fn load_component(&self, wasm: &[u8]) -> Result<Component> {
        self.cache.load(&self.engine, wasm)
    }

    /// Links a component against the app world; an import nano does not
    /// provide is an error naming it.
    pub fn instantiate_pre(&self, component: &Component) -> Result<InstancePre<State>> {
        self.linker.instantiate_pre(component).context(
            "the component imports something nano does not provide (apps may import wasi:http/proxy, \
             wasi:cli environment/exit/terminal-*, wasi:random and nano:platform)",
        )
    }

    /// The one way a store is made (server, exec, build, bench): an
    /// instance of `app`, under its limits, logging to `log`. `wasi` is
    /// `State::wasi()` plus what `build` and `exec` add (stdin, arguments).
    pub fn new_store(&self, app: &Arc<AppConfig>, log: LogSink, wasi: wasmtime_wasi::WasiCtx) -> Store<State> {
        let mut store = Store::new(&self.engine, State::new(wasi, log, app));
        store.limiter(|s| &mut s.limits);
        self.start_limits(&mut store, app);
        store
    }

    /// A store whose instance was reset in place (reuse.rs), made ready for
    /// its next request as `new_store` makes a new one: its `State` renewed
    /// (the last request's host state dropped, the WASI context kept: see
    /// `State::renew`), its limits from now.
    pub fn renew_store(&self, store: &mut Store<State>, app: &Arc<AppConfig>, log: LogSink) {
        store.data_mut().renew(log, app);
        self.start_limits(store, app);
    }

    /// What runs the clocks of a store's limits (and counts its fuel).
    fn start_limits(&self, store: &mut Store<State>, app: &Arc<AppConfig>) {
        store.data_mut().ticking = Some(self.ticker.ticking());
        crate::deadline::set_limits(store, app.limits.cpu_time, app.limits.timeout);
        if self.fuel.is_some() {
            store.set_fuel(FUEL_BUDGET).expect("a metered engine counts fuel");
        }
    }

    /// Adds what a store of this runtime burnt to `fuel_used`; called when
    /// an instance ends. Nothing unless the runtime is `metered`.
    pub(crate) fn account_fuel(&self, store: &Store<State>) {
        // A serving runtime returns at once (get_fuel would make an error).
        let Some(meter) = &self.fuel else { return };
        if let Ok(left) = store.get_fuel() {
            meter.used.fetch_add(FUEL_BUDGET - left, std::sync::atomic::Ordering::Relaxed);
        }
    }

    /// The fuel the ended instances of a `metered` runtime burnt in all
    /// (instantiation, handler, streamed body and waitUntil work); 0 if
    /// the runtime is not metered.
    #[doc(hidden)]
    pub fn fuel_used(&self) -> u64 {
        self.fuel.as_ref().map_or(0, |meter| meter.used.load(std::sync::atomic::Ordering::Relaxed))
    }
}

/// Exactly what the `nano:platform/app` world imports.
fn app_linker(engine: &Engine) -> Result<Linker<State>> {
    use wasmtime_wasi::cli::{WasiCli, WasiCliView};
    use wasmtime_wasi::p2::bindings::{cli, random};
    use wasmtime_wasi::random::{WasiRandom, WasiRandomView};

    let mut l = Linker::new(engine);
    wasmtime_wasi_http::p2::add_to_linker_async(&mut l)?; // wasi:http/proxy
    cli::environment::add_to_linker::<State, WasiCli>(&mut l, State::cli)?;
    cli::exit::add_to_linker::<State, WasiCli>(&mut l, State::cli)?;
    cli::terminal_input::add_to_linker::<State, WasiCli>(&mut l, State::cli)?;
    cli::terminal_output::add_to_linker::<State, WasiCli>(&mut l, State::cli)?;
    cli::terminal_stdin::add_to_linker::<State, WasiCli>(&mut l, State::cli)?;
    cli::terminal_stdout::add_to_linker::<State, WasiCli>(&mut l, State::cli)?;
    cli::terminal_stderr::add_to_linker::<State, WasiCli>(&mut l, State::cli)?;
    random::insecure::add_to_linker::<State, WasiRandom>(&mut l, State::random)?;
    random::insecure_seed::add_to_linker::<State, WasiRandom>(&mut l, State::random)?;
    crate::console::add_to_linker(&mut l)?;
    crate::url::add_to_linker(&mut l)?;
    crate::clone::add_to_linker(&mut l)?;
    crate::crypto::add_to_linker(&mut l)?;
    crate::compression::add_to_linker(&mut l)?;
    crate::encoding::add_to_linker(&mut l)?;
    crate::intl::add_to_linker(&mut l)?;
    crate::env::add_to_linker(&mut l)?;
    crate::incoming::add_to_linker(&mut l)?;
    crate::limits::add_to_linker(&mut l)?;
    crate::modules::add_to_linker(&mut l)?;
    Ok(l)
}

/// Precompiled components (`.cwasm`) in nano's cache (checked before use:
/// see cache.rs), so a second start does not compile again.
struct CompileCache {
    /// What makes compiled code fit this engine (wasmtime's version, the
    /// configuration, the target), part of every entry's name.
    engine_hash: Vec<u8>,
}

impl CompileCache {
    fn new(engine: &Engine) -> CompileCache {
        let mut hasher = Sha256Hasher(Sha256::new());
        engine.precompile_compatibility_hash().hash(&mut hasher);
        CompileCache { engine_hash: hasher.0.finalize().to_vec() }
    }

    fn load(&self, engine: &Engine, wasm: &[u8]) -> Result<Component> {
        let Some(cache) = crate::cache::shared() else {
            return Component::new(engine, wasm).context("compiling the component");
        };
        let name = format!(
            "{}.cwasm",
            crate::cache::hex_digest(&[wasm, env!("CARGO_PKG_VERSION").as_bytes(), &self.engine_hash])
        );
        if let Some(compiled) = cache.get("compiled", &name) {
            // Safety: the entry is one this user's nano wrote (its MAC is
            // under the cache's private key) for these wasm bytes and this
            // engine; wasmtime still checks version and configuration, and a
            // mismatch falls back to compiling.
            match unsafe { Component::deserialize(engine, &compiled) } {
                Ok(component) => return Ok(component),
                Err(e) => tracing::debug!("ignoring stale compiled code {name}: {e}"),
            }
        }
        let compiled = engine.precompile_component(wasm).context("compiling the component")?;
        cache.put("compiled", &name, &compiled);
        // Safety: `compiled` was produced just now by this engine.
        unsafe { Component::deserialize(engine, &compiled) }
    }
}

/// Feeds `Hash` values (wasmtime's compatibility hash) into SHA-256, whose
/// output, unlike `DefaultHasher`'s, is specified.
struct Sha256Hasher(Sha256);

impl std::hash::Hasher for Sha256Hasher {
    fn write(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }
    fn finish(&self) -> u64 {
        let digest = self.0.clone().finalize();
        u64::from_le_bytes(digest[..8].try_into().expect("SHA-256 is 32 bytes"))
    }
}
