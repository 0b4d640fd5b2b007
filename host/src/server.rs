//! `nano-host run`: HTTP/1.1 on hyper, a fresh instance of the app for every
//! request, graceful drain on Ctrl-C / SIGTERM. Every client-controlled
//! resource is bounded here: connections (in total and per address), the
//! time to send a head, to send a body, to read the response, and the wait
//! for an instance slot.

use crate::admission::{Connections, Slots};
use crate::engine::Runtime;
use crate::state::{LogSink, State};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::TcpListener;
use tokio::sync::OwnedSemaphorePermit;
use wasmtime::component::Component;
use wasmtime::error::Context as _;
use wasmtime::Result;
use wasmtime_wasi_http::p2::bindings::http::types::Scheme;
use wasmtime_wasi_http::p2::bindings::ProxyPre;
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;
use wasmtime_wasi_http::WasiHttpView;

/// The header carrying the id that ties a response to its log lines.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// An app ready to serve: linked once, instantiated per request.
pub struct App {
    pub name: String,
    /// The engine and linked app new requests use (see `trim_idle_memory`).
    current: std::sync::RwLock<Arc<Generation>>,
    /// The compiled app, to load into a fresh engine.
    compiled: Vec<u8>,
    last_trim: std::sync::Mutex<Option<Instant>>,
    /// When idle memory was last looked at (ms since `born`): at most every
    /// `TRIM_CHECK_MIN`, so a busy server does not pay for it per request.
    last_check: AtomicU64,
    born: Instant,
    pub limits: crate::engine::Limits,
    next_request: AtomicU64,
    id_prefix: u32,
    slots: Slots,
}

impl App {
    pub fn new(runtime: Arc<Runtime>, name: String, component: &Component) -> Result<App> {
        let pre = link(&runtime, component)?;
        let limits = runtime.limits.clone();
        let compiled = component.serialize().context("keeping the compiled app")?;
        // Ids differ between runs without a random-number dependency.
        let id_prefix = {
            use std::hash::{BuildHasher, Hasher};
            std::collections::hash_map::RandomState::new().build_hasher().finish() as u32
        };
        let slots = Slots::new(limits.max_instances as usize, limits.http.queue_timeout);
        Ok(App {
            name,
            current: std::sync::RwLock::new(Arc::new(Generation { runtime, pre })),
            compiled,
            last_trim: std::sync::Mutex::new(None),
            last_check: AtomicU64::new(0),
            born: Instant::now(),
            limits,
            next_request: AtomicU64::new(1),
            id_prefix,
            slots,
        })
    }

    fn current(&self) -> Arc<Generation> {
        self.current.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Gives back the memory a burst left in the pool. Every slot an instance
    /// used keeps up to `keep_resident` of its pages (which is what makes the
    /// next request in it fast), and wasmtime has no call to drop them (its
    /// purge of a dropped module's slots remaps only the memory image). So
    /// past `engine::IDLE_RESIDENT_MAX` of idle slots, the app moves to a fresh engine
    /// with an empty pool: new requests start there, and when the last
    /// instance of the old engine ends, its pool is unmapped whole.
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
        let app = self.clone();
        // Deserialising takes milliseconds: not on an async worker.
        tokio::task::spawn_blocking(move || {
            let fresh = Runtime::new(app.limits.clone(), true).and_then(|runtime| {
                // Safety: `compiled` was serialised from a component that an
                // engine of this very configuration compiled or checked.
                let component = unsafe { Component::deserialize(&runtime.engine, &app.compiled) }?;
                let pre = link(&runtime, &component)?;
                Ok(Generation { runtime, pre })
            });
            match fresh {
                Ok(generation) => {
                    *app.current.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(generation);
                    tracing::debug!(app = %app.name, idle_resident_kib = idle >> 10, "moved to a fresh engine to free idle instance memory");
                }
                Err(e) => {
                    tracing::warn!(app = %app.name, "could not move to a fresh engine to free idle memory: {e:#}")
                }
            }
        });
    }

    fn request_id(&self) -> String {
        format!("{:08x}{:08x}", self.id_prefix, self.next_request.fetch_add(1, Ordering::Relaxed))
    }

    /// Handles one request in a fresh instance.
    pub async fn handle(self: Arc<Self>, req: hyper::Request<Incoming>) -> hyper::Response<HyperOutgoingBody> {
        let started = Instant::now();
        let request_id = self.request_id();
        let method = req.method().clone();
        let path = req.uri().path().to_string();
        let mut response = if req.uri().authority().is_none() && !req.headers().contains_key(hyper::header::HOST) {
            // HTTP/1.0 allows this; a URL cannot be made without a host.
            error_response(hyper::StatusCode::BAD_REQUEST, &request_id)
        } else if let Some(slot) = self.slots.acquire().await {
            match self.clone().run_instance(req, &request_id, slot).await {
                Ok(response) => response,
                Err(e) => {
                    tracing::error!(app = %self.name, request_id = %request_id, "{e}");
                    error_response(hyper::StatusCode::INTERNAL_SERVER_ERROR, &request_id)
                }
            }
        } else {
            tracing::warn!(app = %self.name, request_id = %request_id, "every instance slot is busy: 503");
            let mut response = error_response(hyper::StatusCode::SERVICE_UNAVAILABLE, &request_id);
            response.headers_mut().insert(hyper::header::RETRY_AFTER, hyper::header::HeaderValue::from_static("1"));
            response
        };
        if let Ok(value) = hyper::header::HeaderValue::from_str(&request_id) {
            response.headers_mut().insert(REQUEST_ID_HEADER, value);
        }
        tracing::info!(
            target: "nano::access",
            app = %self.name, request_id = %request_id, %method, path = %path,
            status = response.status().as_u16(), micros = started.elapsed().as_micros() as u64,
        );
        response
    }

    async fn run_instance(
        self: Arc<Self>,
        req: hyper::Request<Incoming>,
        request_id: &str,
        slot: OwnedSemaphorePermit,
    ) -> Result<hyper::Response<HyperOutgoingBody>, String> {
        let log = LogSink::Request { request_id: request_id.to_string(), app: self.name.clone() };
        let generation = self.current();
        let setting_up = Instant::now();
        let mut store = generation.runtime.new_store(State::new(State::wasi(&self.limits).build(), log, &self.limits));
        let (tx, rx) = tokio::sync::oneshot::channel();
        let body_timeout = self.limits.http.body_timeout;
        let req = req.map(|body| crate::timeouts::ReadTimeoutBody::new(body, body_timeout));
        let req = match store.data_mut().http().new_incoming_request(Scheme::Http, req) {
            Ok(req) => req,
            // A head hyper accepted but wasi:http cannot take (a Host that
            // is not text): the client's error.
            Err(e) => {
                tracing::info!(app = %self.name, request_id = %request_id, "bad request: {e}");
                return Ok(error_response(hyper::StatusCode::BAD_REQUEST, request_id));
            }
        };
        let out = store.data_mut().http().new_response_outparam(tx).map_err(|e| e.to_string())?;
        let set_up = setting_up.elapsed();
        let timeout = self.limits.timeout;
        let app = self.clone();
        let task_request_id = request_id.to_string();
        // The instance lives in its own task: it may keep running after the
        // response head is sent (streaming the body, ctx.waitUntil).
        let task = tokio::spawn(async move {
            // The slot is the instance's until the task ends, and is given
            // back only after the store (locals drop in reverse order, also
            // when the task is aborted): a request waiting for a slot must
            // find the pool's slot free too.
            let _slot = slot;
            let mut store = store;
            // The instance's phases, for its `nano::instance` line (read by
            // `just bench`): making the store and the instance (not the wait
            // for a worker in between), the handler, dropping the store.
            let started = Instant::now();
            let mut instantiated = None;
            let run = async {
                let proxy = generation.pre.instantiate_async(&mut store).await.context("instantiating the app")?;
                instantiated = Some(Instant::now());
                proxy.wasi_http_incoming_handler().call_handle(&mut store, req, out).await
            };
            let result = match tokio::time::timeout(timeout, run).await {
                Ok(Ok(())) => Ok(()),
                Ok(Err(trap)) => Err(describe_trap(&trap)),
                Err(_) => Err(format!("the request ran longer than the {timeout:?} limit and was stopped")),
            }
            .inspect_err(|message| tracing::error!(app = %app.name, request_id = %task_request_id, "{message}"));
            let handled = Instant::now();
            let dropped = store.data().log_quota.dropped();
            if dropped > 0 {
                tracing::warn!(app = %app.name, request_id = %task_request_id, "{dropped} console lines dropped: over the log limit of one request");
            }
            let peak_memory_kib = store.data().limits.peak >> 10;
            // The slot goes back to the pool with the store (and an old
            // engine goes once its last store has).
            generation.runtime.account_fuel(&store); // tests only: see Runtime::metered
            let dropping = Instant::now();
            drop(store);
            let drop_time = dropping.elapsed();
            drop(generation);
            // After the body is streamed and waitUntil work is done; the
            // handler's time includes both.
            let micros = |d: Duration| d.as_micros() as u64;
            tracing::debug!(
                target: "nano::instance",
                app = %app.name, request_id = %task_request_id, peak_memory_kib,
                instantiate_us = instantiated.map(|at| micros(set_up + (at - started))),
                handle_us = instantiated.map(|at| micros(handled - at)),
                drop_us = micros(drop_time),
                "instance finished",
            );
            app.trim_idle_memory();
            result
        });
        // A client that goes away before the response head drops this
        // future: the instance is then cancelled and its slot freed at once.
        let mut task = AbortOnDrop(Some(task));
        match rx.await {
            Ok(Ok(response)) => {
                task.disarm();
                let status = response.status().as_u16();
                if !(200..=599).contains(&status) {
                    // 1xx would hijack the connection's framing (101 switches
                    // protocols); above 599 is not HTTP.
                    return Err(format!("the app sent status {status}, outside 200-599"));
                }
                Ok(response)
            }
            Ok(Err(code)) => Err(format!("the app failed the request: {code:?}")),
            // The outparam was dropped without a response: the task says why.
            Err(_) => match task.join().await {
                Ok(Err(_logged)) => Ok(error_response(hyper::StatusCode::INTERNAL_SERVER_ERROR, request_id)),
                Ok(Ok(())) => Err("the app returned without sending a response".into()),
                Err(join) => Err(format!("the request task failed: {join}")),
            },
        }
    }
}

/// At most one move in this time: a steady high load is not churned.
const TRIM_INTERVAL: Duration = Duration::from_secs(5);
/// How often idle memory is checked when no instance ends to trigger it.
const TRIM_CHECK: Duration = Duration::from_secs(1);
/// And at most this often when instances end.
const TRIM_CHECK_MIN: Duration = Duration::from_millis(100);

/// An engine and the app linked in it.
struct Generation {
    runtime: Arc<Runtime>,
    pre: ProxyPre<State>,
}

fn link(runtime: &Runtime, component: &Component) -> Result<ProxyPre<State>> {
    let pre = runtime.instantiate_pre(component)?;
    ProxyPre::new(pre).context("the component does not export wasi:http/incoming-handler")
}

/// Aborts the instance's task when dropped, unless disarmed once the
/// response head is out (the task then streams the body and runs waitUntil).
struct AbortOnDrop<T>(Option<tokio::task::JoinHandle<T>>);

impl<T> AbortOnDrop<T> {
    fn disarm(&mut self) {
        self.0.take();
    }

    fn join(&mut self) -> tokio::task::JoinHandle<T> {
        self.0.take().expect("joined once")
    }
}

impl<T> Drop for AbortOnDrop<T> {
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

/// Serves `app` on `listener` until Ctrl-C or SIGTERM, then lets in-flight
/// requests finish.
pub async fn serve(app: Arc<App>, listener: TcpListener) -> Result<()> {
    let limits = app.limits.http.clone();
    let connections = Connections::new(limits.max_connections, limits.max_connections_per_ip);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown_signal());
    let mut accept_errors = AcceptBackoff::default();
    let mut refusals = RateLimitedLog::new(Duration::from_secs(1));
    // Idle memory is trimmed when instances end, and also on a timer: after
    // a burst there may be no request left to notice.
    let mut trim = tokio::time::interval(TRIM_CHECK);
    trim.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = trim.tick() => app.trim_idle_memory(),
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(conn) => { accept_errors.reset(); conn }
                    Err(e) => { accept_errors.wait(&e).await; continue; }
                };
                let permit = match connections.admit(peer.ip()) {
                    Ok(permit) => permit,
                    Err(refused) => {
                        // Closed at once: a flood of refusals costs no more than accept and close.
                        refusals.warn(|suppressed| format!("refusing connections: {refused:?} connections open ({suppressed} more refused)"));
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let conn = graceful.watch(connection(app.clone(), stream));
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
    tokio::select! {
        _ = graceful.shutdown() => tracing::info!("all connections drained"),
        _ = tokio::time::sleep(app.limits.timeout + Duration::from_secs(1)) => {
            tracing::warn!("gave up waiting for connections to drain");
        }
    }
    Ok(())
}

/// One client connection: HTTP/1.1 under the client limits (head and idle
/// timeout, write timeout), every request handled by `app`.
pub fn connection<I>(
    app: Arc<App>,
    io: I,
) -> impl hyper_util::server::graceful::GracefulConnection<Error = hyper::Error> + Send
where
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let limits = &app.limits.http;
    let io = crate::timeouts::WriteTimeoutIo::new(io, limits.write_timeout);
    let builder = {
        let mut builder = hyper::server::conn::http1::Builder::new();
        builder.keep_alive(true).timer(hyper_util::rt::TokioTimer::new()).header_read_timeout(limits.header_timeout);
        builder
    };
    let service = hyper::service::service_fn(move |req| {
        let app = app.clone();
        async move { Ok::<_, std::convert::Infallible>(app.handle(req).await) }
    });
    builder.serve_connection(TokioIo::new(io), service)
}

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

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).expect("SIGTERM handler");
    tokio::select! {
        _ = ctrl_c => {}
        _ = term.recv() => {}
    }
}
