//! The operators' port: liveness, readiness and metrics, on a listener of
//! its own so that probes and scrapes neither share the app port's limits
//! nor are reachable wherever the app port is exposed.
//!
//! - `GET /healthz`: 200 while the process can answer at all;
//! - `GET /readyz`: 200 once apps are loaded, 503 before and while draining
//!   (the server flips `Admin::ready`), so a load balancer stops sending work;
//! - `GET /metrics`: `Metrics::encode`, after the refresh callback has set the
//!   gauges only the server can read.
//!
//! Bounded like the app port, since it is a socket too: a fixed number of
//! connections (more are closed at once), a time limit to send a head (which
//! also ends idle keep-alive connections), and a maximum connection age, so a
//! client that stops reading cannot keep its place. Request bodies are never
//! read.

use crate::metrics::{self, Metrics};
use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{HeaderValue, ALLOW, CONTENT_TYPE};
use hyper::{Method, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};

/// What the admin endpoints read.
pub struct Admin {
    pub metrics: Arc<Metrics>,
    /// Set by the server once its apps are loaded, cleared when it starts to
    /// shut down.
    pub ready: AtomicBool,
    /// Run before every scrape (on an async worker, so it must be quick):
    /// the server sets the pool and connection gauges here.
    pub refresh: Box<dyn Fn() + Send + Sync>,
}

impl Admin {
    /// Not ready until the server says so.
    pub fn new(metrics: Arc<Metrics>, refresh: impl Fn() + Send + Sync + 'static) -> Arc<Admin> {
        Arc::new(Admin { metrics, ready: AtomicBool::new(false), refresh: Box::new(refresh) })
    }

    pub fn set_ready(&self, ready: bool) {
        self.ready.store(ready, Ordering::Release);
    }

    fn is_ready(&self) -> bool {
        self.ready.load(Ordering::Acquire)
    }
}

/// The admin port's limits.
#[derive(Clone, Debug)]
struct Bounds {
    max_connections: usize,
    /// To send a request head, and to send the next one on a kept-alive
    /// connection.
    header_timeout: Duration,
    /// After this a connection is closed (once its response is out): a
    /// client that never reads its response cannot hold a place for ever.
    max_age: Duration,
    /// At shutdown or past `max_age`, how long an answer in progress may
    /// take before the connection is dropped.
    drain: Duration,
}

const BOUNDS: Bounds = Bounds {
    max_connections: 64,
    header_timeout: Duration::from_secs(5),
    max_age: Duration::from_secs(60),
    drain: Duration::from_secs(2),
};

/// Serves the admin endpoints on `listener` until `shutdown` completes, then
/// lets answers in progress finish (for at most a couple of seconds).
pub async fn serve(listener: TcpListener, admin: Arc<Admin>, shutdown: impl Future<Output = ()>) {
    serve_bounded(listener, admin, shutdown, BOUNDS).await
}

async fn serve_bounded(listener: TcpListener, admin: Arc<Admin>, shutdown: impl Future<Output = ()>, bounds: Bounds) {
    let places = Arc::new(Semaphore::new(bounds.max_connections));
    let (stop, stopping) = watch::channel(());
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let stream = match accepted {
                    Ok((stream, _peer)) => stream,
                    Err(e) => {
                        // Out of file descriptors, most often: wait rather than spin.
                        tracing::warn!("admin port: accept failed: {e} (retrying in 250ms)");
                        tokio::time::sleep(Duration::from_millis(250)).await;
                        continue;
                    }
                };
                let Ok(place) = places.clone().try_acquire_owned() else {
                    // Dropped, so closed at once.
                    tracing::debug!("admin port: refusing a connection: {} open", bounds.max_connections);
                    continue;
                };
                tokio::spawn(connection(stream, admin.clone(), bounds.clone(), stopping.clone(), place));
            }
            _ = &mut shutdown => break,
        }
    }
    drop(listener);
    drop(stop);
    // Every connection gives its place back within `drain`; the extra second
    // only guards against a bug there keeping shutdown waiting.
    let all = bounds.max_connections as u32;
    if tokio::time::timeout(bounds.drain + Duration::from_secs(1), places.acquire_many(all)).await.is_err() {
        tracing::warn!("admin port: gave up waiting for connections to close");
    }
}

/// One operator connection, holding its `place` until it ends.
async fn connection(
    stream: TcpStream,
    admin: Arc<Admin>,
    bounds: Bounds,
    mut stopping: watch::Receiver<()>,
    _place: OwnedSemaphorePermit,
) {
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder.keep_alive(true).timer(TokioTimer::new()).header_read_timeout(bounds.header_timeout);
    let service = hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
        std::future::ready(Ok::<_, std::convert::Infallible>(respond(&admin, req.method(), req.uri().path())))
    });
    let mut conn = std::pin::pin!(builder.serve_connection(TokioIo::new(stream), service));
    tokio::select! {
        result = conn.as_mut() => {
            if let Err(e) = result {
                tracing::debug!("admin connection closed: {e}");
            }
            return;
        }
        _ = tokio::time::sleep(bounds.max_age) => {}
        // `Err` when the sender is dropped: the server is stopping.
        _ = stopping.changed() => {}
    }
    conn.as_mut().graceful_shutdown();
    match tokio::time::timeout(bounds.drain, conn).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => tracing::debug!("admin connection closed: {e}"),
        Err(_) => tracing::debug!("admin connection dropped: its answer took longer than {:?}", bounds.drain),
    }
}

fn respond(admin: &Admin, method: &Method, path: &str) -> Response<Full<Bytes>> {
    const TEXT: &str = "text/plain; charset=utf-8";
    let known = matches!(path, "/healthz" | "/readyz" | "/metrics");
    if known && method != Method::GET && method != Method::HEAD {
        let mut response = text(StatusCode::METHOD_NOT_ALLOWED, TEXT, "method not allowed\n");
        response.headers_mut().insert(ALLOW, HeaderValue::from_static("GET, HEAD"));
        return response;
    }
    match path {
        "/healthz" => text(StatusCode::OK, TEXT, "ok\n"),
        "/readyz" if admin.is_ready() => text(StatusCode::OK, TEXT, "ready\n"),
        "/readyz" => text(StatusCode::SERVICE_UNAVAILABLE, TEXT, "not ready\n"),
        "/metrics" => {
            (admin.refresh)();
            text(StatusCode::OK, metrics::CONTENT_TYPE, admin.metrics.encode())
        }
        _ => text(StatusCode::NOT_FOUND, TEXT, "not found\n"),
    }
}

fn text(status: StatusCode, content_type: &'static str, body: impl Into<Bytes>) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(body.into()));
    *response.status_mut() = status;
    response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::SocketAddr;
    use std::sync::atomic::AtomicUsize;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// Every wait in these tests is bounded by this.
    const PATIENCE: Duration = Duration::from_secs(5);

    struct Running {
        addr: SocketAddr,
        admin: Arc<Admin>,
        refreshes: Arc<AtomicUsize>,
        shutdown: tokio::sync::oneshot::Sender<()>,
        task: tokio::task::JoinHandle<()>,
    }

    async fn start(bounds: Bounds) -> Running {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let metrics = Metrics::new();
        let refreshes = Arc::new(AtomicUsize::new(0));
        let refresh = {
            let (metrics, refreshes) = (metrics.clone(), refreshes.clone());
            move || {
                let n = refreshes.fetch_add(1, Ordering::SeqCst) as u64 + 1;
                metrics.set_pool(7, n << 20, 0);
            }
        };
        let admin = Admin::new(metrics, refresh);
        let (shutdown, stop) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(serve_bounded(
            listener,
            admin.clone(),
            async move {
                let _ = stop.await;
            },
            bounds,
        ));
        Running { addr, admin, refreshes, shutdown, task }
    }

    /// Sends `raw` and reads until the server closes the connection.
    async fn exchange(addr: SocketAddr, raw: &str) -> String {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream.write_all(raw.as_bytes()).await.unwrap();
        let mut out = Vec::new();
        tokio::time::timeout(PATIENCE, stream.read_to_end(&mut out)).await.expect("the server answers").unwrap();
        String::from_utf8(out).unwrap()
    }

    struct Answer {
        status: u16,
        head: String,
        body: String,
    }

    async fn request(addr: SocketAddr, method: &str, path: &str) -> Answer {
        let raw =
            exchange(addr, &format!("{method} {path} HTTP/1.1\r\nhost: admin\r\nconnection: close\r\n\r\n")).await;
        let (head, body) = raw.split_once("\r\n\r\n").expect("a complete response");
        let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).expect("a status line");
        Answer { status, head: head.to_ascii_lowercase(), body: body.to_string() }
    }

    #[tokio::test]
    async fn health_and_readiness() {
        let server = start(BOUNDS).await;
        let health = request(server.addr, "GET", "/healthz").await;
        assert_eq!((health.status, health.body.as_str()), (200, "ok\n"));
        assert_eq!(request(server.addr, "GET", "/readyz").await.status, 503, "not ready before the apps load");
        server.admin.set_ready(true);
        let ready = request(server.addr, "GET", "/readyz").await;
        assert_eq!((ready.status, ready.body.as_str()), (200, "ready\n"));
        server.admin.set_ready(false);
        assert_eq!(request(server.addr, "GET", "/readyz").await.status, 503, "not ready while draining");
        assert_eq!(request(server.addr, "GET", "/healthz").await.status, 200, "but still alive");
    }

    #[tokio::test]
    async fn metrics_are_refreshed_then_encoded() {
        let server = start(BOUNDS).await;
        server.admin.metrics.app("hello").request(200, Duration::from_millis(1));
        let scrape = request(server.addr, "GET", "/metrics").await;
        assert_eq!(scrape.status, 200);
        assert!(scrape.head.contains(&format!("content-type: {}", metrics::CONTENT_TYPE)), "{}", scrape.head);
        assert!(scrape.body.contains("nano_pool_warm_slots 7\n"), "{}", scrape.body);
        assert!(scrape.body.contains("nano_pool_resident_bytes 1048576\n"), "refreshed before encoding");
        assert!(scrape.body.contains(r#"nano_requests_total{app="hello",class="2xx"} 1"#));
        assert!(scrape.body.ends_with("# EOF\n"));
        let head = request(server.addr, "HEAD", "/metrics").await;
        assert_eq!((head.status, head.body.as_str()), (200, ""), "HEAD has no body");
        assert_eq!(server.refreshes.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn unknown_paths_and_other_methods() {
        let server = start(BOUNDS).await;
        assert_eq!(request(server.addr, "GET", "/").await.status, 404);
        assert_eq!(request(server.addr, "GET", "/metrics/extra").await.status, 404);
        assert_eq!(request(server.addr, "POST", "/nowhere").await.status, 404);
        for path in ["/healthz", "/readyz", "/metrics"] {
            let answer = request(server.addr, "POST", path).await;
            assert_eq!(answer.status, 405, "POST {path}");
            assert!(answer.head.contains("allow: get, head"), "{}", answer.head);
        }
        assert_eq!(request(server.addr, "DELETE", "/healthz").await.status, 405);
        assert_eq!(server.refreshes.load(Ordering::SeqCst), 0, "a refused scrape does not refresh");
    }

    #[tokio::test]
    async fn keeps_connections_alive_and_ignores_bodies() {
        let server = start(BOUNDS).await;
        let raw = exchange(
            server.addr,
            "POST /healthz HTTP/1.1\r\nhost: a\r\ncontent-length: 5\r\n\r\nhello\
             GET /healthz HTTP/1.1\r\nhost: a\r\n\r\n\
             GET /readyz HTTP/1.1\r\nhost: a\r\nconnection: close\r\n\r\n",
        )
        .await;
        let statuses: Vec<&str> = raw.lines().filter(|l| l.starts_with("HTTP/1.1 ")).collect();
        assert_eq!(
            statuses,
            ["HTTP/1.1 405 Method Not Allowed", "HTTP/1.1 200 OK", "HTTP/1.1 503 Service Unavailable"]
        );
    }

    #[tokio::test]
    async fn connections_past_the_cap_are_closed_at_once() {
        let server = start(Bounds { max_connections: 2, ..BOUNDS }).await;
        let first = TcpStream::connect(server.addr).await.unwrap();
        let _second = TcpStream::connect(server.addr).await.unwrap();
        let mut third = TcpStream::connect(server.addr).await.unwrap();
        let mut buf = [0u8; 64];
        // EOF or a reset: either way, closed without an answer.
        let read = tokio::time::timeout(Duration::from_secs(2), third.read(&mut buf)).await.expect("closed at once");
        assert!(matches!(read, Ok(0) | Err(_)), "{read:?}");
        // A closed connection gives its place back.
        drop(first);
        let mut answered = false;
        for _ in 0..50 {
            let raw = exchange(server.addr, "GET /healthz HTTP/1.1\r\nhost: a\r\nconnection: close\r\n\r\n").await;
            if raw.starts_with("HTTP/1.1 200") {
                answered = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(answered, "a place came free");
    }

    #[tokio::test]
    async fn a_silent_client_is_timed_out() {
        let server = start(Bounds { header_timeout: Duration::from_millis(200), ..BOUNDS }).await;
        let mut silent = TcpStream::connect(server.addr).await.unwrap();
        let started = std::time::Instant::now();
        let mut out = Vec::new();
        let _ = tokio::time::timeout(PATIENCE, silent.read_to_end(&mut out)).await.expect("closed by the server");
        assert!(started.elapsed() < Duration::from_secs(2), "took {:?}", started.elapsed());
    }

    /// Sends one kept-alive request, reads its answer, then times how long
    /// the server keeps the connection open.
    async fn kept_open_after_one_request(addr: SocketAddr) -> Duration {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream.write_all(b"GET /healthz HTTP/1.1\r\nhost: a\r\n\r\n").await.unwrap();
        let mut buf = [0u8; 256];
        let n = tokio::time::timeout(PATIENCE, stream.read(&mut buf)).await.unwrap().unwrap();
        assert!(buf[..n].starts_with(b"HTTP/1.1 200"));
        let answered = std::time::Instant::now();
        let mut rest = Vec::new();
        let _ = tokio::time::timeout(PATIENCE, stream.read_to_end(&mut rest)).await.expect("closed by the server");
        answered.elapsed()
    }

    #[tokio::test]
    async fn an_idle_kept_alive_connection_is_timed_out() {
        let server = start(Bounds { header_timeout: Duration::from_millis(200), ..BOUNDS }).await;
        let open = kept_open_after_one_request(server.addr).await;
        assert!(open < Duration::from_secs(2), "open {open:?}");
    }

    #[tokio::test]
    async fn connections_end_at_their_maximum_age() {
        let server = start(Bounds { max_age: Duration::from_millis(300), ..BOUNDS }).await;
        let open = kept_open_after_one_request(server.addr).await;
        assert!(open < Duration::from_secs(2), "open {open:?}, while the head timeout is 5s");
    }

    #[tokio::test]
    async fn shutdown_stops_accepting_and_closes_idle_connections() {
        let server = start(BOUNDS).await;
        let mut idle = TcpStream::connect(server.addr).await.unwrap();
        // The first request makes sure the connection was accepted.
        idle.write_all(b"GET /healthz HTTP/1.1\r\nhost: a\r\n\r\n").await.unwrap();
        let mut buf = [0u8; 256];
        let n = tokio::time::timeout(PATIENCE, idle.read(&mut buf)).await.unwrap().unwrap();
        assert!(buf[..n].starts_with(b"HTTP/1.1 200"));
        server.shutdown.send(()).unwrap();
        tokio::time::timeout(Duration::from_secs(2), server.task).await.expect("serve returns promptly").unwrap();
        let mut rest = Vec::new();
        let closed = tokio::time::timeout(PATIENCE, idle.read_to_end(&mut rest)).await.expect("the idle one is closed");
        assert!(matches!(closed, Ok(0) | Err(_)), "{closed:?}");
        assert!(TcpStream::connect(server.addr).await.is_err(), "the listener is closed");
    }
}
