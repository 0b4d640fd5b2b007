//! `nano-host run`: HTTP/1.1 on hyper, a fresh instance of the app for every
//! request, graceful drain on Ctrl-C / SIGTERM.

use crate::engine::Runtime;
use crate::state::{LogSink, State};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;
use tokio::net::TcpListener;
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
    pre: ProxyPre<State>,
    runtime: Arc<Runtime>,
    next_request: AtomicU64,
    id_prefix: u32,
}

impl App {
    pub fn new(runtime: Arc<Runtime>, name: String, component: &Component) -> Result<App> {
        let pre = runtime.instantiate_pre(component)?;
        let pre = ProxyPre::new(pre).context("the component does not export wasi:http/incoming-handler")?;
        // Ids differ between runs without a random-number dependency.
        let id_prefix = {
            use std::hash::{BuildHasher, Hasher};
            std::collections::hash_map::RandomState::new().build_hasher().finish() as u32
        };
        Ok(App { name, pre, runtime, next_request: AtomicU64::new(1), id_prefix })
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
        let mut response = match self.clone().run_instance(req, &request_id).await {
            Ok(response) => response,
            Err(e) => {
                tracing::error!(app = %self.name, request_id = %request_id, "{e}");
                error_response(hyper::StatusCode::INTERNAL_SERVER_ERROR, &request_id)
            }
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

    async fn run_instance(self: Arc<Self>, req: hyper::Request<Incoming>, request_id: &str) -> Result<hyper::Response<HyperOutgoingBody>, String> {
        let log = LogSink::Request { request_id: request_id.to_string(), app: self.name.clone() };
        let mut store = self.runtime.new_store(State::new(State::wasi(&self.runtime.limits).build(), log, &self.runtime.limits));
        let (tx, rx) = tokio::sync::oneshot::channel();
        let req = store.data_mut().http().new_incoming_request(Scheme::Http, req).map_err(|e| format!("bad request: {e}"))?;
        let out = store.data_mut().http().new_response_outparam(tx).map_err(|e| e.to_string())?;
        let timeout = self.runtime.limits.timeout;
        let app = self.clone();
        let task_request_id = request_id.to_string();
        // The instance lives in its own task: it may keep running after the
        // response head is sent (streaming the body, ctx.waitUntil).
        let task = tokio::spawn(async move {
            let run = async {
                let proxy = app.pre.instantiate_async(&mut store).await.context("instantiating the app")?;
                proxy.wasi_http_incoming_handler().call_handle(&mut store, req, out).await
            };
            let result = match tokio::time::timeout(timeout, run).await {
                Ok(Ok(())) => Ok(()),
                Ok(Err(trap)) => Err(describe_trap(&trap)),
                Err(_) => Err(format!("the request ran longer than the {timeout:?} limit and was stopped")),
            }
            .inspect_err(|message| tracing::error!(app = %app.name, request_id = %task_request_id, "{message}"));
            // After the body is streamed and waitUntil work is done.
            tracing::debug!(
                target: "nano::instance",
                app = %app.name, request_id = %task_request_id,
                peak_memory_kib = store.data().limits.peak >> 10, "instance finished",
            );
            result
        });
        match rx.await {
            Ok(Ok(response)) => Ok(response),
            Ok(Err(code)) => Err(format!("the app failed the request: {code:?}")),
            // The outparam was dropped without a response: the task says why.
            Err(_) => match task.await {
                Ok(Err(_logged)) => Ok(error_response(hyper::StatusCode::INTERNAL_SERVER_ERROR, request_id)),
                Ok(Ok(())) => Err("the app returned without sending a response".into()),
                Err(join) => Err(format!("the request task failed: {join}")),
            },
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
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown_signal());
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, _peer) = match accepted {
                    Ok(conn) => conn,
                    Err(e) => { tracing::warn!("accept failed: {e}"); continue; }
                };
                let _ = stream.set_nodelay(true);
                let app = app.clone();
                let service = hyper::service::service_fn(move |req| {
                    let app = app.clone();
                    async move { Ok::<_, std::convert::Infallible>(app.handle(req).await) }
                });
                let conn = hyper::server::conn::http1::Builder::new()
                    .keep_alive(true)
                    .serve_connection(TokioIo::new(stream), service);
                let conn = graceful.watch(conn);
                tokio::spawn(async move {
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
        _ = tokio::time::sleep(app.runtime.limits.timeout + std::time::Duration::from_secs(1)) => {
            tracing::warn!("gave up waiting for connections to drain");
        }
    }
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).expect("SIGTERM handler");
    tokio::select! {
        _ = ctrl_c => {}
        _ = term.recv() => {}
    }
}
