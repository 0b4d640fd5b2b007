//! An upstream HTTP server for fetch tests, on 127.0.0.1, started by the
//! test itself.

use bytes::Bytes;
use http_body_util::{combinators::BoxBody, BodyExt, Full};
use hyper::body::Frame;
use hyper::{Request, Response, StatusCode};
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::sync::mpsc;

type Body = BoxBody<Bytes, std::io::Error>;

/// A body produced by a task as the client reads it (a channel of one
/// chunk, so the producer runs only as fast as the consumer).
struct ChannelBody(mpsc::Receiver<Result<Bytes, std::io::Error>>);

impl hyper::body::Body for ChannelBody {
    type Data = Bytes;
    type Error = std::io::Error;
    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        self.0.poll_recv(cx).map(|chunk| chunk.map(|r| r.map(Frame::data)))
    }
}

/// A streamed 200 response whose chunks `produce` sends.
fn streamed<F, Fut>(produce: F) -> Response<Body>
where
    F: FnOnce(mpsc::Sender<Result<Bytes, std::io::Error>>) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let (tx, rx) = mpsc::channel(1);
    tokio::spawn(produce(tx));
    Response::builder()
        .status(200)
        .header("content-type", "application/octet-stream")
        .body(ChannelBody(rx).boxed())
        .unwrap()
}

fn query_number(query: &str, key: &str, default: u64) -> u64 {
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| *k == key)
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(default)
}

/// The `/barrier` requests arrived so far, by id.
#[allow(clippy::type_complexity)]
static BARRIERS: std::sync::Mutex<
    std::collections::BTreeMap<u64, std::sync::Arc<(tokio::sync::watch::Sender<u64>, u64)>>,
> = std::sync::Mutex::new(std::collections::BTreeMap::new());

pub struct Upstream {
    pub addr: SocketAddr,
    /// Connections accepted so far.
    pub connections: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    _runtime: tokio::runtime::Runtime,
}

pub fn start() -> Upstream {
    // Some tests hold a thousand connections open at once.
    let _ = rlimit::increase_nofile_limit(u64::MAX);
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let addr = listener.local_addr().unwrap();
    let connections = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let accepted = connections.clone();
    runtime.spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else { continue };
            accepted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            tokio::spawn(async move {
                let service = hyper::service::service_fn(handle);
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    Upstream { addr, connections, _runtime: runtime }
}

fn full(body: impl Into<Bytes>) -> Body {
    Full::new(body.into()).map_err(|never| match never {}).boxed()
}

fn text(status: StatusCode, body: impl Into<Bytes>) -> Response<Body> {
    Response::builder().status(status).header("content-type", "text/plain").body(full(body)).unwrap()
}

async fn handle(req: Request<hyper::body::Incoming>) -> Result<Response<Body>, std::convert::Infallible> {
    let path = req.uri().path().to_string();
    let query = req.uri().query().unwrap_or("").to_string();
    let method = req.method().to_string();
    let header = req.headers().get("x-test").map(|v| v.to_str().unwrap_or("").to_string()).unwrap_or_default();
    let content_type =
        req.headers().get("content-type").map(|v| v.to_str().unwrap_or("").to_string()).unwrap_or_default();
    let mut all_headers: Vec<String> =
        req.headers().iter().map(|(n, v)| format!("{n}: {}", v.to_str().unwrap_or("?"))).collect();
    all_headers.sort();
    let body = req.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
    let response = match path.as_str() {
        "/hello" => text(StatusCode::OK, "hello upstream"),
        // The request's headers, one per line, sorted.
        "/headers" => text(StatusCode::OK, all_headers.join("\n")),
        "/slow" => {
            let ms: u64 = query.strip_prefix("ms=").and_then(|v| v.parse().ok()).unwrap_or(100);
            tokio::time::sleep(Duration::from_millis(ms)).await;
            text(StatusCode::OK, format!("slept {ms}"))
        }
        // Answers once `n` requests with this `id` have arrived (all at
        // once), or 504 after 20 s: whether a server keeps `n` requests
        // waiting on it at the same time.
        "/barrier" => {
            let (n, id) = (query_number(&query, "n", 2), query_number(&query, "id", 0));
            let barrier = {
                let mut all = BARRIERS.lock().unwrap();
                all.entry(id).or_insert_with(|| std::sync::Arc::new((tokio::sync::watch::channel(0).0, n))).clone()
            };
            let (arrived, n) = (&barrier.0, barrier.1);
            arrived.send_modify(|count| *count += 1);
            let mut seen = arrived.subscribe();
            let all_here =
                tokio::time::timeout(Duration::from_secs(20), seen.wait_for(|count| *count >= n)).await.is_ok();
            if all_here {
                text(StatusCode::OK, "all here")
            } else {
                text(StatusCode::GATEWAY_TIMEOUT, format!("{} of {n} arrived", *arrived.borrow()))
            }
        }
        "/echo" => text(
            StatusCode::OK,
            format!("{method} x-test={header} content-type={content_type} body={}", String::from_utf8_lossy(&body)),
        ),
        "/big" => text(StatusCode::OK, vec![b'x'; 1 << 20]),
        "/big16" => text(StatusCode::OK, vec![b'x'; 16 << 10]),
        "/empty" => text(StatusCode::OK, ""),
        "/size" => text(StatusCode::OK, format!("{} {}", body.len(), query.len())),
        // `mb` MiB of 'x' in 64 KiB chunks, produced as they are read.
        "/stream" => {
            let total = query_number(&query, "mb", 1) << 20;
            streamed(move |tx| async move {
                let chunk = Bytes::from(vec![b'x'; 64 << 10]);
                let mut sent = 0;
                while sent < total {
                    let n = chunk.len().min((total - sent) as usize);
                    if tx.send(Ok(chunk.slice(..n))).await.is_err() {
                        return;
                    }
                    sent += n as u64;
                }
            })
        }
        // `n` lines, one every `ms` milliseconds.
        "/drip" => {
            let (n, ms) = (query_number(&query, "n", 5), query_number(&query, "ms", 100));
            streamed(move |tx| async move {
                for i in 0..n {
                    if i > 0 {
                        tokio::time::sleep(Duration::from_millis(ms)).await;
                    }
                    if tx.send(Ok(Bytes::from(format!("line {i}\n")))).await.is_err() {
                        return;
                    }
                }
            })
        }
        // Some bytes, then the connection fails mid-body.
        "/cut" => streamed(|tx| async move {
            let _ = tx.send(Ok(Bytes::from_static(b"the beginning"))).await;
            tokio::time::sleep(Duration::from_millis(50)).await;
            let _ = tx.send(Err(std::io::Error::other("cut short"))).await;
        }),
        "/teapot" => text(StatusCode::IM_A_TEAPOT, "short and stout"),
        // Answers, then closes the connection.
        "/close" => Response::builder().header("connection", "close").body(full("closing")).unwrap(),
        "/temporary" => Response::builder().status(307).header("location", "/size").body(full(Bytes::new())).unwrap(),
        "/see-other" => Response::builder().status(303).header("location", "/echo").body(full(Bytes::new())).unwrap(),
        p if p.starts_with("/redirect/") => {
            let n: u32 = p["/redirect/".len()..].parse().unwrap_or(0);
            if n == 0 {
                text(StatusCode::OK, "landed")
            } else {
                Response::builder()
                    .status(302)
                    .header("location", format!("/redirect/{}", n - 1))
                    .body(full(Bytes::new()))
                    .unwrap()
            }
        }
        _ => text(StatusCode::NOT_FOUND, "no such upstream path"),
    };
    Ok(response)
}
