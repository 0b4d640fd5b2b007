//! An upstream HTTP server for fetch tests, on 127.0.0.1, started by the
//! test itself.

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Request, Response, StatusCode};
use std::net::SocketAddr;
use std::time::Duration;

pub struct Upstream {
    pub addr: SocketAddr,
    _runtime: tokio::runtime::Runtime,
}

pub fn start() -> Upstream {
    // Some tests hold a thousand connections open at once.
    let _ = rlimit::increase_nofile_limit(u64::MAX);
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let addr = listener.local_addr().unwrap();
    runtime.spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else { continue };
            tokio::spawn(async move {
                let service = hyper::service::service_fn(handle);
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    Upstream { addr, _runtime: runtime }
}

fn text(status: StatusCode, body: impl Into<Bytes>) -> Response<Full<Bytes>> {
    Response::builder().status(status).header("content-type", "text/plain").body(Full::new(body.into())).unwrap()
}

async fn handle(req: Request<hyper::body::Incoming>) -> Result<Response<Full<Bytes>>, std::convert::Infallible> {
    let path = req.uri().path().to_string();
    let query = req.uri().query().unwrap_or("").to_string();
    let method = req.method().to_string();
    let header = req.headers().get("x-test").map(|v| v.to_str().unwrap_or("").to_string()).unwrap_or_default();
    let content_type = req.headers().get("content-type").map(|v| v.to_str().unwrap_or("").to_string()).unwrap_or_default();
    let body = req.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
    let response = match path.as_str() {
        "/hello" => text(StatusCode::OK, "hello upstream"),
        "/slow" => {
            let ms: u64 = query.strip_prefix("ms=").and_then(|v| v.parse().ok()).unwrap_or(100);
            tokio::time::sleep(Duration::from_millis(ms)).await;
            text(StatusCode::OK, format!("slept {ms}"))
        }
        "/echo" => text(
            StatusCode::OK,
            format!("{method} x-test={header} content-type={content_type} body={}", String::from_utf8_lossy(&body)),
        ),
        "/big" => text(StatusCode::OK, vec![b'x'; 1 << 20]),
        "/size" => text(StatusCode::OK, format!("{} {}", body.len(), query.len())),
        "/teapot" => text(StatusCode::IM_A_TEAPOT, "short and stout"),
        "/see-other" => Response::builder().status(303).header("location", "/echo").body(Full::new(Bytes::new())).unwrap(),
        p if p.starts_with("/redirect/") => {
            let n: u32 = p["/redirect/".len()..].parse().unwrap_or(0);
            if n == 0 {
                text(StatusCode::OK, "landed")
            } else {
                Response::builder()
                    .status(302)
                    .header("location", format!("/redirect/{}", n - 1))
                    .body(Full::new(Bytes::new()))
                    .unwrap()
            }
        }
        _ => text(StatusCode::NOT_FOUND, "no such upstream path"),
    };
    Ok(response)
}
