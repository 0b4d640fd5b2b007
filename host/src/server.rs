//! `nano-host run`: HTTP/1.1 on hyper; every request is routed to one of
//! the apps (by host and path) and handled in a fresh instance of it;
//! graceful drain on Ctrl-C / SIGTERM. Every client-controlled resource is
//! bounded here: connections (in total and per address), the time to send a
//! head, to send a body, to read the response, the size of heads and bodies
//! (per app), and the wait for an instance slot (per app and in all).

use crate::admission::{Connections, Slots};
use crate::app::LinkedApp;
use crate::cpu_gate::{CpuGate, Runnable, Turn};
use crate::deadline::{CpuTimed, LimitExceeded};
use crate::engine::{PoolLimits, Runtime};
use crate::metrics::{LimitKind, Metrics, TrapKind};
use crate::prebuffer::{self, RequestBody};
use crate::request_limits::{self, LimitedBody, Refusal};
use crate::reuse::{Ready, Resettable};
use crate::routes::RouteTable;
use crate::state::{LogSink, State};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::StatusCode;
use hyper_util::rt::TokioIo;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::Poll;
use std::time::{Duration, Instant};
use tokio::net::TcpListener;
use tokio::sync::oneshot::error::TryRecvError;
use tokio::sync::OwnedSemaphorePermit;
use wasmtime::error::Context as _;
use wasmtime::Result;
use wasmtime_wasi_http::p2::bindings::http::types::{ErrorCode, Scheme};
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;
use wasmtime_wasi_http::WasiHttpView;

/// The header carrying the id that ties a response to its log lines.
pub const REQUEST_ID_HEADER: &str = "x-request-id";
/// The same, parsed once: a name given as a string is parsed on every insert.
const REQUEST_ID_NAME: hyper::header::HeaderName = hyper::header::HeaderName::from_static(REQUEST_ID_HEADER);

/// The apps one runtime serves, and how requests find them. Replaced whole:
/// by a reload (SIGHUP), or by a move to a fresh engine (`trim_idle_memory`);
/// requests in flight finish in the generation they started in.
pub struct Generation {
    pub runtime: Arc<Runtime>,
    pub apps: Vec<Arc<LinkedApp>>,
    pub routes: Arc<RouteTable>,
}

/// What `serve` runs: the current generation, the pool-wide limits and the
/// shared slot count.
pub struct Server {
    current: std::sync::RwLock<Arc<Generation>>,
    pub pool: PoolLimits,
    /// Instance slots of all apps (the pool's size); each app also has its own.
    slots: Slots,
    /// When a new instance may start: while few are runnable (cpu_gate.rs).
    cpu_gate: Arc<CpuGate>,
    pub metrics: Arc<Metrics>,
    last_trim: std::sync::Mutex<Option<Instant>>,
    /// When idle memory was last looked at (ms since `born`): at most every
    /// `TRIM_CHECK_MIN`, so a busy server does not pay for it per request.
    last_check: AtomicU64,
    born: Instant,
    next_request: AtomicU64,
    id_prefix: u32,
    pub connections: Arc<Connections>,
    /// Requests refused before an instance (431, 413, 503): a client can
    /// send them cheaply, so their warnings are rate-limited (the metrics
    /// count every one).
    refusals: std::sync::Mutex<RateLimitedLog>,
}

impl Server {
    pub fn new(generation: Generation, metrics: Arc<Metrics>) -> Arc<Server> {
        let pool = generation.runtime.pool.clone();
        // Ids differ between runs without a random-number dependency.
        let id_prefix = {
            use std::hash::{BuildHasher, Hasher};
            std::collections::hash_map::RandomState::new().build_hasher().finish() as u32
        };
        Arc::new(Server {
            current: std::sync::RwLock::new(Arc::new(generation)),
            slots: Slots::new(pool.max_instances as usize, pool.http.queue_timeout),
            cpu_gate: CpuGate::for_machine(),
            connections: Connections::new(pool.http.max_connections, pool.http.max_connections_per_ip),
            pool,
            metrics,
            last_trim: std::sync::Mutex::new(None),
            last_check: AtomicU64::new(0),
            born: Instant::now(),
            next_request: AtomicU64::new(1),
            id_prefix,
            refusals: std::sync::Mutex::new(RateLimitedLog::new(Duration::from_secs(1))),
        })
    }

    /// A server of one app that takes every request (tests, bench,
    /// fuzzing). Given the component's bytes (`wasm`), it judges them as
    /// `plan` does every app's (`LinkedApp::judge_bytes`). Without them its
    /// instances are reused, trusting the component to run no code at
    /// instantiation (as nano's own builds never do), and have their tables
    /// copied back on every reset.
    pub fn single(
        runtime: Arc<Runtime>,
        config: Arc<crate::app::AppConfig>,
        component: &wasmtime::component::Component,
        wasm: Option<&[u8]>,
    ) -> Result<Arc<Server>> {
        let slots = Arc::new(Slots::new(config.limits.max_concurrency as usize, runtime.pool.http.queue_timeout));
        let mut app = LinkedApp::new(&runtime, config, component, slots)?;
        if let Some(wasm) = wasm {
            app.judge_bytes(wasm);
        }
        let routes = Arc::new(RouteTable::catch_all());
        Ok(Server::new(Generation { runtime, apps: vec![Arc::new(app)], routes }, Metrics::new()))
    }

    pub fn current(&self) -> Arc<Generation> {
        self.current.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Serves new requests from `generation` (a reload); requests in flight
    /// finish in the one they started in.
    pub fn install(&self, generation: Generation) {
        *self.current.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(generation);
    }

    /// Gives back the memory a burst left in the pool. Every slot an instance
    /// used keeps the pages its instances wrote, up to `keep_resident` (which
    /// is what makes the next request in it fast), and wasmtime has no call
    /// to drop them (its purge of a dropped module's slots remaps only the
    /// memory image). So past `engine::IDLE_RESIDENT_MAX` of idle slots, the
    /// apps move to a fresh engine with an empty pool: new requests start
    /// there, and when the last instance of the old engine ends, its pool is
    /// unmapped whole.
    fn trim_idle_memory(self: &Arc<Self>) {
        let now = self.born.elapsed().as_millis() as u64;
        if now.saturating_sub(self.last_check.load(Ordering::Relaxed)) < TRIM_CHECK_MIN.as_millis() as u64 {
            return;
        }
        self.last_check.store(now, Ordering::Relaxed);
        let idle =
            self.current().runtime.engine.pooling_allocator_metrics().map_or(0, |m| m.unused_memory_bytes_resident());
        if idle <= crate::engine::IDLE_RESIDENT_MAX {
            return;
        }
        {
            let mut last = self.last_trim.lock().unwrap_or_else(|p| p.into_inner());
            if last.is_some_and(|last| last.elapsed() < TRIM_INTERVAL) {
                return;
            }
            *last = Some(Instant::now());
        }
        let server = self.clone();
        // Deserialising takes milliseconds: not on an async worker.
        tokio::task::spawn_blocking(move || {
            let old = server.current();
            let fresh = Runtime::new(old.runtime.pool.clone(), true).and_then(|runtime| {
                let apps = old.apps.iter().map(|app| app.relink(&runtime).map(Arc::new)).collect::<Result<_>>()?;
                Ok(Generation { runtime, apps, routes: old.routes.clone() })
            });
            match fresh {
                Ok(generation) => {
                    // Unless a reload came in meanwhile: it already made a fresh engine.
                    let mut current = server.current.write().unwrap_or_else(|p| p.into_inner());
                    if Arc::ptr_eq(&current, &old) {
                        *current = Arc::new(generation);
                        tracing::debug!(
                            idle_resident_kib = idle >> 10,
                            "moved to a fresh engine to free idle instance memory"
                        );
                    }
                }
                Err(e) => tracing::warn!("could not move to a fresh engine to free idle memory: {e:#}"),
            }
        });
    }

    /// The pool gauges of `/metrics`.
    pub fn refresh_metrics(&self) {
        let generation = self.current();
        if let Some(m) = generation.runtime.engine.pooling_allocator_metrics() {
            let parked = generation.runtime.parked.get() as u64;
            self.metrics.set_pool(m.unused_warm_memories() as u64, m.unused_memory_bytes_resident() as u64, parked);
        }
        self.metrics.set_connections(self.connections.open() as u64);
    }

    /// `{:08x}{:08x}` of the prefix and the request's number, written
    /// without `format!` (its machinery was ≈ 0.5% of a hello request).
    fn request_id(&self) -> String {
        let mut id = String::with_capacity(16);
        push_hex(&mut id, u64::from(self.id_prefix));
        push_hex(&mut id, self.next_request.fetch_add(1, Ordering::Relaxed));
        id
    }

    /// Handles one request: routes it, checks it against its app's limits,
    /// and runs it in a fresh instance of that app.
    pub async fn handle(self: Arc<Self>, req: hyper::Request<Incoming>) -> hyper::Response<HyperOutgoingBody> {
        let started = Instant::now();
        let request_id = self.request_id();
        let method = req.method().clone();
        let path = req.uri().path().to_string();
        let generation = self.current();
        let routed = {
            let host = req.uri().authority().map(|a| a.as_str());
            match host.or_else(|| req.headers().get(hyper::header::HOST).and_then(|h| h.to_str().ok())) {
                // HTTP/1.0 allows this; a URL cannot be made without a host.
                None => Err(StatusCode::BAD_REQUEST),
                // No app, so no instance: nothing but this answer is spent.
                Some(host) => generation.routes.lookup(Some(host), &path).ok_or(StatusCode::NOT_FOUND),
            }
        };
        let (app, response) = match routed {
            Ok(index) => {
                let app = generation.apps[index].clone();
                let response = self.clone().admit(&generation, &app, req, &request_id).await;
                (Some(app), response)
            }
            Err(status) => {
                self.metrics.unrouted();
                (None, error_response(status, &request_id))
            }
        };
        self.finish(app.as_deref(), response, &request_id, &method, &path, started)
    }

    /// A warning for a request refused before any instance, at most one a
    /// second (with the count of those left out).
    fn refused(&self, app: &str, request_id: &str, why: &str) {
        let mut log = self.refusals.lock().unwrap_or_else(|p| p.into_inner());
        log.warn(|suppressed| {
            format!("app={app} request_id={request_id}: {why} ({suppressed} more refusals not logged)")
        });
    }

    /// Tags the response with its id, counts it and logs the access line.
    fn finish(
        &self,
        app: Option<&LinkedApp>,
        mut response: hyper::Response<HyperOutgoingBody>,
        request_id: &str,
        method: &hyper::Method,
        path: &str,
        started: Instant,
    ) -> hyper::Response<HyperOutgoingBody> {
        if let Ok(value) = hyper::header::HeaderValue::from_str(request_id) {
            response.headers_mut().insert(REQUEST_ID_NAME, value);
        }
        let status = response.status().as_u16();
        let name = app.map_or("-", |app| app.config.name.as_str());
        let took = started.elapsed();
        if let Some(app) = app {
            app.config.metrics.request(status, took);
        }
        tracing::info!(
            target: "nano::access",
            app = %name, request_id = %request_id, %method, path = %path,
            status, micros = took.as_micros() as u64,
        );
        response
    }

    /// The app's limits on the request, its slots, then the instance.
    async fn admit(
        self: Arc<Self>,
        generation: &Arc<Generation>,
        app: &Arc<LinkedApp>,
        req: hyper::Request<Incoming>,
        request_id: &str,
    ) -> hyper::Response<HyperOutgoingBody> {
        let name = &app.config.name;
        let limits = &app.config.limits;
        match request_limits::check_head(&req, limits) {
            Ok(()) => {}
            Err(Refusal::HeaderFields { count, bytes }) => {
                self.refused(name, request_id, &format!("request head over the app's limits ({count} fields, {bytes} bytes; max_headers = {}, max_header_kb = {}): 431", limits.max_headers, limits.max_header_bytes >> 10));
                app.config.metrics.limit_hit(LimitKind::HeaderSize);
                return error_response(StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE, request_id);
            }
            Err(Refusal::BodyTooLarge { declared, max }) => {
                self.refused(
                    name,
                    request_id,
                    &format!("request body of {declared} bytes over the app's limit of {max} (max_body_kb): 413"),
                );
                app.config.metrics.limit_hit(LimitKind::BodySize);
                return error_response(StatusCode::PAYLOAD_TOO_LARGE, request_id);
            }
        }
        let req = prebuffer::small_body(req, self.pool.http.body_timeout).await;
        let busy = |what: &str| {
            self.refused(name, request_id, &format!("{what}: 503"));
            let mut response = error_response(StatusCode::SERVICE_UNAVAILABLE, request_id);
            response.headers_mut().insert(hyper::header::RETRY_AFTER, hyper::header::HeaderValue::from_static("1"));
            response
        };
        let queued = Instant::now();
        let Some(app_slot) = app.slots.acquire().await else {
            app.config.metrics.limit_hit(LimitKind::Concurrency);
            return busy(&format!("the app has {} instances running, its max_concurrency", limits.max_concurrency));
        };
        let Some(slot) = self.pool_slot(generation).await else {
            self.metrics.pool_busy();
            return busy("every instance slot of the server is busy");
        };
        let Some(turn) = self.cpu_gate.enter(queued + self.pool.http.queue_timeout).await else {
            self.metrics.cpu_busy();
            return busy("the CPU is saturated: the request waited its queue timeout to start");
        };
        // An instance of the app reset after an earlier request, if one is
        // parked (reuse.rs), serves this one in the pool slot it holds, and
        // the slot reserved above goes back. Taken only now: the requests
        // waiting at the gate hold no instance (taken before it, every
        // instance parked was soon waiting there, and under load the pool
        // made new ones, each a slot's memory, for the requests running).
        let parked = if self.pool.reuse_instances { app.parking.take(&generation.runtime.parked) } else { None };
        let (ready, slot) = match parked {
            Some(parked) => {
                let (ready, own) = parked.into_parts();
                drop(slot);
                (Some(ready), own)
            }
            None => (None, slot),
        };
        match self
            .clone()
            .run_instance(generation.clone(), app.clone(), req, request_id, (app_slot, slot), turn, ready)
            .await
        {
            Ok(response) => response,
            // Logged and counted by the instance's run.
            Err(Failure::Limit(LimitExceeded::Cpu(_))) => error_response(StatusCode::SERVICE_UNAVAILABLE, request_id),
            Err(Failure::Limit(LimitExceeded::Wall(_))) => error_response(StatusCode::GATEWAY_TIMEOUT, request_id),
            Err(Failure::BodyTooLarge) => error_response(StatusCode::PAYLOAD_TOO_LARGE, request_id),
            Err(Failure::Other(message)) => {
                tracing::error!(app = %name, request_id, "{message}");
                error_response(StatusCode::INTERNAL_SERVER_ERROR, request_id)
            }
            Err(Failure::Logged) => error_response(StatusCode::INTERNAL_SERVER_ERROR, request_id),
        }
    }

    /// A slot of the pool: a free one, else the one a parked instance
    /// gives up (the least recently used of the first app that has one),
    /// else the first freed within the queue timeout.
    async fn pool_slot(&self, generation: &Generation) -> Option<OwnedSemaphorePermit> {
        if let Some(slot) = self.slots.try_acquire() {
            return Some(slot);
        }
        let evicted = generation.apps.iter().find_map(|app| app.parking.evict(&generation.runtime.parked));
        if let Some(parked) = evicted {
            return Some(parked.into_slot());
        }
        self.slots.acquire().await
    }

    /// Drops the parked instances left unused (reuse.rs: PARKED_IDLE).
    fn expire_parked(&self) {
        let generation = self.current();
        for app in &generation.apps {
            app.parking.expire(&generation.runtime.parked);
        }
    }

    /// Runs the request in `ready` (an instance reset after an earlier
    /// request) or else in a new instance.
    #[allow(clippy::too_many_arguments)]
    async fn run_instance(
        self: Arc<Self>,
        generation: Arc<Generation>,
        app: Arc<LinkedApp>,
        req: hyper::Request<RequestBody>,
        request_id: &str,
        slots: (OwnedSemaphorePermit, OwnedSemaphorePermit),
        turn: Turn,
        ready: Option<Ready>,
    ) -> Result<hyper::Response<HyperOutgoingBody>, Failure> {
        let name = app.config.name.clone();
        let limits = &app.config.limits;
        let log = LogSink::Request { request_id: request_id.to_string(), app: name.clone() };
        // The instance's phases are timed only for its `nano::instance`
        // line: seven of the ≈ 20 clock reads a request made, which took
        // ≈ 1.2% of a hello server's CPU in all.
        let timed = tracing::enabled!(target: "nano::instance", tracing::Level::DEBUG);
        let clock = move || timed.then(Instant::now);
        let setting_up = clock();
        let (mut store, reused) = match ready {
            Some(Ready { mut store, proxy, resettable }) => {
                generation.runtime.renew_store(&mut store, &app.config, log);
                store.data_mut().limits.peak = resettable.initial_peak();
                (store, Some((proxy, Some(resettable))))
            }
            None => (generation.runtime.new_store(&app.config, log, State::wasi().build()), None),
        };
        let (tx, rx) = tokio::sync::oneshot::channel();
        let (req, body_exceeded) = {
            let (parts, body) = req.into_parts();
            let (body, exceeded) = LimitedBody::new(body, limits.max_body);
            (hyper::Request::from_parts(parts, body), exceeded)
        };
        let req = match store.data_mut().http().new_incoming_request(Scheme::Http, req) {
            Ok(req) => req,
            // A head hyper accepted but wasi:http cannot take (a Host that
            // is not text): the client's error.
            Err(e) => {
                tracing::info!(app = %name, request_id, "bad request: {e}");
                return Ok(error_response(StatusCode::BAD_REQUEST, request_id));
            }
        };
        let out = store.data_mut().http().new_response_outparam(tx).map_err(|e| Failure::Other(e.to_string()))?;
        let set_up = setting_up.map(|at| at.elapsed());
        let timeout = limits.timeout;
        let task_app = app.clone();
        let task_request_id = request_id.to_string();
        // The instance's first poll is in this request's task (until_head):
        // most requests end in it, their body sent in one piece and no
        // waitUntil, and pay for no task, its scheduling and the wake of
        // this one. Any other goes on in a task of its own.
        let instance_run = Box::pin(async move {
            let app = task_app;
            let name = &app.config.name;
            // The slots are the instance's until the run ends, and are given
            // back only after the store (locals drop in reverse order, also
            // when the run is dropped): a request waiting for a slot must
            // find the pool's slot free too.
            let (_app_slot, pool_slot) = slots;
            let _live = app.config.metrics.instance_live();
            let mut store = store;
            let is_reused = reused.is_some();
            // The instance's entry points, and what resets it (if it can be).
            let mut instance = reused;
            // The instance's phases, for its `nano::instance` line (read by
            // `just bench`): making the store and the instance (not the wait
            // for a worker in between), the handler, dropping the store.
            let started = clock();
            let mut instantiated = None;
            let cpu = store.data().cpu.clone();
            let run = async {
                let (proxy, _) = match &mut instance {
                    Some(reused) => {
                        app.config.metrics.reused();
                        reused
                    }
                    None => {
                        let made = app.pre.instantiate_async(&mut store).await.context("instantiating the app")?;
                        let proxy = app.exports.load(&mut store, &made).context("instantiating the app")?;
                        let reuse = self.pool.reuse_instances && app.reusable;
                        let resettable =
                            if reuse { Resettable::new(&mut store, made, app.tables_change) } else { None };
                        app.config.metrics.instantiated();
                        instance.insert((proxy, resettable))
                    }
                };
                instantiated = clock();
                proxy.wasi_http_incoming_handler().call_handle(&mut store, req, out).await
            };
            let run = Runnable::new(CpuTimed::new(run, cpu.clone()), turn, cpu);
            let result = match tokio::time::timeout(timeout, run).await {
                Ok(Ok(())) => Ok(()),
                Ok(Err(error)) => Err(match LimitExceeded::of(&error) {
                    Some(limit) => Failure::Limit(limit),
                    None => Failure::Other(describe_trap(&error)),
                }),
                Err(_) => Err(Failure::Limit(LimitExceeded::Wall(timeout))),
            };
            let memory_refused = store.data().limits.refused;
            if let Err(failure) = &result {
                let (trap, limit) = match failure {
                    Failure::Limit(LimitExceeded::Cpu(_)) => (TrapKind::CpuLimit, Some(LimitKind::Cpu)),
                    Failure::Limit(LimitExceeded::Wall(_)) => (TrapKind::WallLimit, Some(LimitKind::Wall)),
                    _ if memory_refused => (TrapKind::Memory, None),
                    Failure::Other(message) if message.contains("stack overflow") => (TrapKind::StackOverflow, None),
                    _ => (TrapKind::Trap, None),
                };
                app.config.metrics.trap(trap);
                if let Some(limit) = limit {
                    app.config.metrics.limit_hit(limit);
                }
                match failure {
                    Failure::Limit(limit) => tracing::warn!(app = %name, request_id = %task_request_id, "{limit}"),
                    Failure::Other(message) => tracing::error!(app = %name, request_id = %task_request_id, "{message}"),
                    _ => {}
                }
            }
            if memory_refused {
                app.config.metrics.limit_hit(LimitKind::Memory);
                tracing::warn!(app = %name, request_id = %task_request_id, "the instance reached its memory limit of {} MiB (memory_mb)", app.config.limits.max_memory >> 20);
            }
            let handled = clock();
            let dropped = store.data().log_quota.dropped();
            if dropped > 0 {
                tracing::warn!(app = %name, request_id = %task_request_id, "{dropped} console lines dropped: over the log limit of one request");
            }
            let peak_memory_kib = store.data().limits.peak >> 10;
            generation.runtime.account_fuel(&store); // tests only: see Runtime::metered
            let dropping = clock();
            // An instance that ended at rest is reset in place and parked
            // for a later request; any other is dropped, and its slot goes
            // back to the pool with the store (and an old engine goes once
            // its last store has).
            let resettable = match instance {
                Some((proxy, Some(resettable))) if result.is_ok() && !memory_refused => Some((proxy, resettable)),
                _ => None,
            };
            // Room is reserved before the reset, which is wasted on an
            // instance that then has nowhere to park.
            let room = resettable.as_ref().and_then(|_| app.parking.room(&generation.runtime.parked));
            let parked = match (resettable, room) {
                (Some((proxy, resettable)), Some(room)) if resettable.reset(&mut store) => {
                    room.park(Ready { store, proxy, resettable }, pool_slot);
                    true
                }
                _ => {
                    drop(store);
                    false
                }
            };
            let drop_time = dropping.map(|at| at.elapsed());
            drop(generation);
            // After the body is streamed and waitUntil work is done; the
            // handler's time includes both.
            let micros = |d: Duration| d.as_micros() as u64;
            tracing::debug!(
                target: "nano::instance",
                app = %name, request_id = %task_request_id, peak_memory_kib,
                instantiate_us = set_up.zip(started).zip(instantiated).map(|((set_up, started), at)| micros(set_up + (at - started))),
                handle_us = instantiated.zip(handled).map(|(at, handled)| micros(handled - at)),
                drop_us = drop_time.map(micros),
                reused = is_reused,
                parked,
                "instance finished",
            );
            self.trim_idle_memory();
            result.map_err(|failure| match failure {
                Failure::Other(_) => Failure::Logged,
                other => other,
            })
        });
        // A client that goes away before the response head drops this
        // future: the instance is then cancelled and its slot freed at once.
        match until_head(instance_run, rx).await {
            Head::Sent(Ok(response), running) => {
                if body_exceeded.load(Ordering::Relaxed) {
                    // The app answered from a cut-off body.
                    app.config.metrics.limit_hit(LimitKind::BodySize);
                    tracing::warn!(app = %name, request_id, "request body over the app's limit of {} bytes (max_body_kb): 413", limits.max_body);
                    return Err(Failure::BodyTooLarge);
                }
                let status = response.status().as_u16();
                if !(200..=599).contains(&status) {
                    // 1xx would hijack the connection's framing (101 switches
                    // protocols); above 599 is not HTTP.
                    return Err(Failure::Other(format!("the app sent status {status}, outside 200-599")));
                }
                let head = request_limits::response_head_bytes(&response);
                if head > limits.max_response_header_bytes {
                    app.config.metrics.limit_hit(LimitKind::ResponseHeaders);
                    return Err(Failure::Other(format!(
                        "the app's response header fields take {head} bytes, over its limit of {} (max_response_header_kb)",
                        limits.max_response_header_bytes
                    )));
                }
                // Only a response that goes out keeps its instance running
                // (streaming the body, waitUntil), in a task of its own; one
                // refused above is stopped (dropped on return).
                if let Some(running) = running {
                    running.go_on();
                }
                Ok(response)
            }
            Head::Sent(Err(code), _) => Err(Failure::Other(format!("the app failed the request: {code:?}"))),
            // The outparam was dropped without a response: the run says why.
            Head::None(Err(failure)) => Err(failure),
            Head::None(Ok(())) if body_exceeded.load(Ordering::Relaxed) => Err(Failure::BodyTooLarge),
            Head::None(Ok(())) => Err(Failure::Other("the app returned without sending a response".into())),
        }
    }
}

/// `value` in lowercase hex, at least 8 digits (zero-padded), as `{:08x}`.
fn push_hex(out: &mut String, value: u64) {
    let digits = (u64::BITS - value.leading_zeros()).div_ceil(4).max(8);
    for at in (0..digits).rev() {
        out.push(char::from_digit(((value >> (4 * at)) & 0xf) as u32, 16).expect("a hex digit"));
    }
}

/// Why an instance gave no response.
enum Failure {
    /// A limit of the app stopped it (503 for CPU, 504 for wall time).
    Limit(LimitExceeded),
    /// The request body grew past the app's limit: 413.
    BodyTooLarge,
    /// A trap or the app's own failure, to log: 500.
    Other(String),
    /// Already logged by the instance's run: 500.
    Logged,
}

/// At most one move in this time: a steady high load is not churned.
const TRIM_INTERVAL: Duration = Duration::from_secs(5);
/// How often idle memory is checked when no instance ends to trigger it.
const TRIM_CHECK: Duration = Duration::from_secs(1);
/// And at most this often when instances end.
const TRIM_CHECK_MIN: Duration = Duration::from_millis(100);

/// An instance's response head, or the error it answered with
/// (`new_response_outparam`), and where it arrives.
type SentHead = Result<hyper::Response<HyperOutgoingBody>, ErrorCode>;
type HeadReceiver = tokio::sync::oneshot::Receiver<SentHead>;

/// What became of an instance's run (`until_head`): its response head
/// (or the error it answered with) and the run if it goes on; or, if it
/// ended without a head, its result.
enum Head<F: ?Sized> {
    Sent(SentHead, Option<Running<F>>),
    None(Result<(), Failure>),
}

/// A run that goes on after its response head: still here, or already in
/// a task of its own. Dropped, it is stopped.
enum Running<F: ?Sized> {
    Here(Pin<Box<F>>),
    Task(AbortOnDrop),
}

impl<F> Running<F>
where
    F: Future<Output = Result<(), Failure>> + Send + 'static + ?Sized,
{
    /// Lets it go on (streaming the body, waitUntil), in a task of its own.
    fn go_on(self) {
        match self {
            Running::Here(run) => drop(tokio::spawn(run)),
            Running::Task(mut task) => task.disarm(),
        }
    }
}

/// Runs an instance's `run` until its response head is in `head`, or it
/// ends. Its first poll is here, in the request's task: most requests end
/// in it, head and all, and pay for no task of their own. One that waits
/// first (on a fetch, a timer, its body) goes on in a task of its own,
/// which another worker may take, as it would after its head. A panic in
/// the run is its failure (a 500), not this connection's, in either.
async fn until_head<F>(mut run: Pin<Box<F>>, mut head: HeadReceiver) -> Head<F>
where
    F: Future<Output = Result<(), Failure>> + Send + 'static + ?Sized,
{
    let polled = std::future::poll_fn(|cx| {
        Poll::Ready(std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run.as_mut().poll(cx))))
    })
    .await;
    let ended = match polled {
        Ok(Poll::Pending) => None,
        Ok(Poll::Ready(result)) => Some(result),
        Err(_) => Some(Err(Failure::Other("the request's instance panicked".into()))),
    };
    // The head is sent from within the run (the guest's host call).
    let closed = match (head.try_recv(), ended) {
        (Ok(sent), Some(_)) => return Head::Sent(sent, None),
        (Ok(sent), None) => return Head::Sent(sent, Some(Running::Here(run))),
        (Err(_), Some(result)) => return Head::None(result),
        (Err(TryRecvError::Empty), None) => false,
        // The outparam was dropped without a response (a component can):
        // no head can come, and the receiver is done with.
        (Err(TryRecvError::Closed), None) => true,
    };
    let mut task = AbortOnDrop(Some(tokio::spawn(run)));
    let ended = if closed {
        task.finished().await
    } else {
        tokio::select! {
        biased;
        sent = &mut head => match sent {
            Ok(sent) => return Head::Sent(sent, Some(Running::Task(task))),
            // The outparam was dropped without a response: the task says why.
            Err(_) => task.finished().await,
        },
        ended = task.finished() => ended,
        }
    };
    // A head sent just before the task ended is still a head.
    match (head.try_recv(), ended) {
        (Ok(sent), _) => Head::Sent(sent, None),
        (Err(_), Ok(result)) => Head::None(result),
        (Err(_), Err(join)) => Head::None(Err(Failure::Other(format!("the request task failed: {join}")))),
    }
}

/// Aborts the instance's task when dropped, unless disarmed once the
/// response head is out (the task then streams the body and runs waitUntil).
struct AbortOnDrop(Option<tokio::task::JoinHandle<Result<(), Failure>>>);

impl AbortOnDrop {
    fn disarm(&mut self) {
        self.0.take();
    }

    /// Waits for the task; still aborted if this future is dropped first
    /// (the client left).
    async fn finished(&mut self) -> Result<Result<(), Failure>, tokio::task::JoinError> {
        self.0.as_mut().expect("not disarmed").await
    }
}

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        if let Some(task) = self.0.take() {
            task.abort();
        }
    }
}

/// A short, readable description of why wasm stopped.
pub fn describe_trap(error: &wasmtime::Error) -> String {
    if let Some(trap) = error.downcast_ref::<wasmtime::Trap>() {
        let what = match trap {
            wasmtime::Trap::StackOverflow => "stack overflow (recursion too deep)".to_string(),
            wasmtime::Trap::Interrupt => "the time limit was exceeded (an infinite loop?)".to_string(),
            wasmtime::Trap::MemoryOutOfBounds | wasmtime::Trap::HeapMisaligned => {
                "out-of-bounds memory access (out of memory or stack exhausted)".to_string()
            }
            wasmtime::Trap::UnreachableCodeReached => "the engine aborted (out of memory?)".to_string(),
            other => other.to_string(),
        };
        return format!("wasm trap: {what}");
    }
    format!("{error:#}")
}

fn error_response(status: hyper::StatusCode, request_id: &str) -> hyper::Response<HyperOutgoingBody> {
    let text = format!("{} (request id {request_id})\n", status.canonical_reason().unwrap_or("Error"));
    let body = Full::new(Bytes::from(text)).map_err(|never| match never {}).boxed_unsync();
    hyper::Response::builder()
        .status(status)
        .header(hyper::header::CONTENT_TYPE, "text/plain;charset=UTF-8")
        .body(body)
        .expect("a valid static response")
}

/// Serves on `listener` until `shutdown` (Ctrl-C or SIGTERM in `run`),
/// then lets in-flight requests finish, for at most the longest wall-time
/// limit of the apps.
pub async fn serve(
    server: Arc<Server>,
    listener: TcpListener,
    shutdown: impl std::future::Future<Output = ()>,
) -> Result<()> {
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    let mut accept_errors = AcceptBackoff::default();
    let mut refusals = RateLimitedLog::new(Duration::from_secs(1));
    // Idle memory is trimmed when instances end, and also on a timer: after
    // a burst there may be no request left to notice.
    let mut trim = tokio::time::interval(TRIM_CHECK);
    trim.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = trim.tick() => {
                server.expire_parked();
                server.trim_idle_memory();
            }
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(conn) => { accept_errors.reset(); conn }
                    Err(e) => { accept_errors.wait(&e).await; continue; }
                };
                let permit = match server.connections.admit(peer.ip()) {
                    Ok(permit) => permit,
                    Err(refused) => {
                        // Closed at once: a flood of refusals costs no more than accept and close.
                        refusals.warn(|suppressed| format!("refusing connections: {refused:?} connections open ({suppressed} more refused)"));
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let conn = graceful.watch(connection(server.clone(), stream));
                tokio::spawn(async move {
                    let _permit = permit;
                    if let Err(e) = conn.await {
                        tracing::debug!("connection closed: {e}");
                    }
                });
            }
            _ = &mut shutdown => break,
        }
    }
    drop(listener);
    tracing::info!("shutting down: draining in-flight requests");
    let longest = server.current().apps.iter().map(|app| app.config.limits.timeout).max().unwrap_or_default();
    tokio::select! {
        _ = graceful.shutdown() => tracing::info!("all connections drained"),
        _ = tokio::time::sleep(longest + Duration::from_secs(1)) => {
            tracing::warn!("gave up waiting for connections to drain");
        }
    }
    Ok(())
}

/// One client connection: HTTP/1.1 under the client limits (head and idle
/// timeout, write timeout, head size), every request handled by `server`.
pub fn connection<I>(
    server: Arc<Server>,
    io: I,
) -> impl hyper_util::server::graceful::GracefulConnection<Error = hyper::Error> + Send
where
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let limits = &server.pool.http;
    let io = crate::reply_batching::ReplyBatching::new(crate::timeouts::WriteTimeoutIo::new(io, limits.write_timeout));
    let builder = {
        let mut builder = hyper::server::conn::http1::Builder::new();
        builder
            .keep_alive(true)
            .timer(hyper_util::rt::TokioTimer::new())
            .header_read_timeout(limits.header_timeout)
            // Heads past the largest app limit never get parsed whole (431
            // from hyper); each app's own limit is checked once it is known.
            .max_headers(limits.max_headers)
            .max_buf_size(limits.max_header_bytes.max(MIN_READ_BUFFER));
        builder
    };
    let service = hyper::service::service_fn(move |req| {
        let server = server.clone();
        async move { Ok::<_, std::convert::Infallible>(server.handle(req).await) }
    });
    builder.serve_connection(TokioIo::new(io), service)
}

/// hyper's smallest read buffer (it refuses less), and enough for bodies to
/// be read in large pieces.
const MIN_READ_BUFFER: usize = 64 << 10;

/// Backs off when accept fails (out of file descriptors, most often), so a
/// full fd table costs neither a spinning core nor a flood of log lines.
#[derive(Default)]
struct AcceptBackoff {
    delay: Duration,
    log: Option<RateLimitedLog>,
}

impl AcceptBackoff {
    const FIRST: Duration = Duration::from_millis(5);
    const MAX: Duration = Duration::from_secs(1);

    async fn wait(&mut self, error: &std::io::Error) {
        self.delay = (self.delay * 2).clamp(Self::FIRST, Self::MAX);
        let delay = self.delay;
        let log = self.log.get_or_insert_with(|| RateLimitedLog::new(Duration::from_secs(5)));
        log.warn(|suppressed| format!("accept failed: {error} (retrying in {delay:?}; {suppressed} more failures)"));
        tokio::time::sleep(delay).await;
    }

    fn reset(&mut self) {
        self.delay = Duration::ZERO;
    }
}

/// At most one warning per period; the rest are counted into the next one.
struct RateLimitedLog {
    period: Duration,
    last: Option<Instant>,
    suppressed: u64,
}

impl RateLimitedLog {
    fn new(period: Duration) -> Self {
        RateLimitedLog { period, last: None, suppressed: 0 }
    }

    fn warn(&mut self, message: impl FnOnce(u64) -> String) {
        if self.last.is_some_and(|last| last.elapsed() < self.period) {
            self.suppressed += 1;
            return;
        }
        tracing::warn!("{}", message(self.suppressed));
        self.last = Some(Instant::now());
        self.suppressed = 0;
    }
}

pub async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).expect("SIGTERM handler");
    tokio::select! {
        _ = ctrl_c => {}
        _ = term.recv() => {}
    }
}

#[cfg(test)]
mod tests {
    use super::{push_hex, until_head, Failure, Head, HeadReceiver, Running, SentHead};
    use http_body_util::BodyExt;
    use std::future::Future;
    use std::pin::Pin;

    fn head_channel() -> (tokio::sync::oneshot::Sender<SentHead>, HeadReceiver) {
        tokio::sync::oneshot::channel()
    }

    fn response(status: u16) -> hyper::Response<super::HyperOutgoingBody> {
        let body = http_body_util::Empty::new().map_err(|never| match never {}).boxed_unsync();
        hyper::Response::builder().status(status).body(body).unwrap()
    }

    type Run = Pin<Box<dyn Future<Output = Result<(), Failure>> + Send>>;

    #[tokio::test]
    async fn a_run_that_ends_with_its_head_at_once_is_not_left_to_run() {
        let (tx, rx) = head_channel();
        let run: Run = Box::pin(async move {
            let _ = tx.send(Ok(response(201)));
            Ok(())
        });
        match until_head(run, rx).await {
            Head::Sent(Ok(sent), None) => assert_eq!(sent.status(), 201),
            _ => panic!("expected the head and no run left"),
        }
    }

    #[tokio::test]
    async fn a_run_that_goes_on_after_its_head_goes_on_and_finishes() {
        // Its head at once (from the first poll), or after a wait (from a
        // task of its own).
        for wait_first in [false, true] {
            let (tx, rx) = head_channel();
            let (done_tx, done_rx) = tokio::sync::oneshot::channel();
            let (go_on_tx, go_on_rx) = tokio::sync::oneshot::channel::<()>();
            let run: Run = Box::pin(async move {
                if wait_first {
                    tokio::task::yield_now().await;
                }
                let _ = tx.send(Ok(response(200)));
                // Streaming a body, or waitUntil work: after the head.
                let _ = go_on_rx.await;
                let _ = done_tx.send(());
                Ok(())
            });
            let Head::Sent(Ok(sent), Some(running)) = until_head(run, rx).await else {
                panic!("expected the head and the run still going");
            };
            assert_eq!(sent.status(), 200);
            assert_eq!(matches!(running, Running::Task(_)), wait_first);
            running.go_on();
            go_on_tx.send(()).unwrap();
            done_rx.await.unwrap();
        }
    }

    #[tokio::test]
    async fn a_client_gone_before_the_head_stops_the_run() {
        let (tx, rx) = head_channel();
        let (done_tx, done_rx) = tokio::sync::oneshot::channel::<()>();
        let run: Run = Box::pin(async move {
            let (_tx, _done) = (tx, done_tx);
            std::future::pending::<()>().await;
            Ok(())
        });
        // Waiting for the head: the run is in a task of its own by now.
        let mut waiting = Box::pin(until_head(run, rx));
        let pending = std::future::poll_fn(|cx| std::task::Poll::Ready(waiting.as_mut().poll(cx).is_pending())).await;
        assert!(pending);
        drop(waiting);
        assert!(done_rx.await.is_err(), "the run was stopped");
    }

    #[tokio::test]
    async fn a_run_dropped_after_its_head_is_stopped() {
        for wait_first in [false, true] {
            let (tx, rx) = head_channel();
            let (done_tx, done_rx) = tokio::sync::oneshot::channel::<()>();
            let run: Run = Box::pin(async move {
                if wait_first {
                    tokio::task::yield_now().await;
                }
                let _ = tx.send(Ok(response(599)));
                std::future::pending::<()>().await;
                let _ = done_tx.send(());
                Ok(())
            });
            let Head::Sent(Ok(_), Some(running)) = until_head(run, rx).await else { panic!("expected the head") };
            // A response refused (a status out of range): its run ends, and
            // with it what it holds (here, the sender).
            drop(running);
            assert!(done_rx.await.is_err());
        }
    }

    #[tokio::test]
    async fn a_run_that_ends_without_a_head_gives_its_result() {
        let (tx, rx) = head_channel();
        let run: Run = Box::pin(async move {
            tokio::task::yield_now().await;
            drop(tx);
            tokio::task::yield_now().await;
            Err(Failure::Other("trapped".into()))
        });
        assert!(matches!(until_head(run, rx).await, Head::None(Err(Failure::Other(m))) if m == "trapped"));
        // The outparam dropped in the first poll, then a wait.
        let (tx, rx) = head_channel();
        let run: Run = Box::pin(async move {
            drop(tx);
            tokio::task::yield_now().await;
            Err(Failure::Other("no response".into()))
        });
        assert!(matches!(until_head(run, rx).await, Head::None(Err(Failure::Other(m))) if m == "no response"));
        let (tx, rx) = head_channel();
        let run: Run = Box::pin(async move {
            let _tx = tx;
            Ok(())
        });
        assert!(matches!(until_head(run, rx).await, Head::None(Ok(()))));
    }

    #[tokio::test]
    async fn a_run_that_panics_is_a_failure_not_the_connection_s() {
        for wait_first in [false, true] {
            let (_tx, rx) = head_channel();
            let run: Run = Box::pin(async move {
                if wait_first {
                    tokio::task::yield_now().await;
                }
                panic!("a host bug");
            });
            assert!(matches!(until_head(run, rx).await, Head::None(Err(Failure::Other(m))) if m.contains("panicked")));
        }
    }

    #[test]
    fn request_ids_are_written_as_format_would() {
        for value in [0, 1, 0xf, 0x1234_5678, 0xffff_ffff, 0x1_0000_0000, 0xdead_beef_cafe, u64::MAX] {
            let mut hex = String::new();
            push_hex(&mut hex, value);
            assert_eq!(hex, format!("{value:08x}"));
        }
    }
}
