//! Sends an outbound request over a connection to an address the outbound
//! policy has already checked. Connecting by name again (as wasi:http's
//! default sender does) would resolve the name a second time, and a DNS
//! answer that changed in between could reach a private address
//! (DNS rebinding).

use super::FetchSlot;
use crate::timeouts::ReadTimeoutBody;
use bytes::Bytes;
use http_body_util::BodyExt;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{ready, Context, Poll};
use std::time::Duration;
use tokio::net::TcpStream;
use wasmtime_wasi_http::{Error, RequestOptions, WasiBody};

/// Defaults when the guest sets no timeouts (it normally does).
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

type Worker = Box<dyn Future<Output = Result<(), Error>> + Send>;

/// The TLS client configuration: the webpki roots, built once.
fn tls_config() -> Arc<rustls::ClientConfig> {
    static CONFIG: OnceLock<Arc<rustls::ClientConfig>> = OnceLock::new();
    CONFIG
        .get_or_init(|| {
            let roots = rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.into() };
            Arc::new(rustls::ClientConfig::builder().with_root_certificates(roots).with_no_client_auth())
        })
        .clone()
}

/// Connects to the first of `addrs` that answers, within the connect timeout.
async fn connect(addrs: &[SocketAddr], timeout: Duration) -> Result<TcpStream, Error> {
    let mut last = Error::ConnectionRefused;
    for addr in addrs {
        match tokio::time::timeout(timeout, TcpStream::connect(addr)).await {
            Ok(Ok(stream)) => {
                let _ = stream.set_nodelay(true);
                return Ok(stream);
            }
            Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused => last = Error::ConnectionRefused,
            Ok(Err(e)) => last = Error::Connect(e),
            Err(_) => last = Error::ConnectionTimeout,
        }
    }
    Err(last)
}

/// Sends `request` to `host` at one of `addrs` (already checked), over TLS
/// when `https`. `slot` is the fetch's place under the instance's fetch
/// limit: the connection and the response body hold it until either ends.
pub async fn send(
    mut request: http::Request<WasiBody>,
    options: Option<RequestOptions>,
    host: &str,
    addrs: &[SocketAddr],
    https: bool,
    slot: FetchSlot,
) -> Result<(http::Response<WasiBody>, Worker), Error> {
    let connect_timeout = options.and_then(|o| o.connect_timeout).unwrap_or(DEFAULT_TIMEOUT);
    let first_byte_timeout = options.and_then(|o| o.first_byte_timeout).unwrap_or(DEFAULT_TIMEOUT);
    let between_bytes_timeout =
        options.and_then(|o| o.between_bytes_timeout).unwrap_or(DEFAULT_TIMEOUT).max(Duration::from_nanos(1));

    let tcp = connect(addrs, connect_timeout).await?;
    let io: Box<dyn Io> = if https {
        let name = match host.parse::<std::net::IpAddr>() {
            Ok(ip) => rustls::pki_types::ServerName::from(ip),
            Err(_) => {
                rustls::pki_types::ServerName::try_from(host.to_string()).map_err(|_| Error::HttpRequestUriInvalid)?
            }
        };
        let handshake = tokio_rustls::TlsConnector::from(tls_config()).connect(name, tcp);
        let tls = tokio::time::timeout(connect_timeout, handshake).await.map_err(|_| Error::ConnectionTimeout)?;
        Box::new(tls.map_err(Error::Tls)?)
    } else {
        Box::new(tcp)
    };
    let (mut sender, conn) = tokio::time::timeout(
        connect_timeout,
        hyper::client::conn::http1::handshake::<_, WasiBody>(hyper_util::rt::TokioIo::new(io)),
    )
    .await
    .map_err(|_| Error::ConnectionTimeout)??;

    // The request line carries only the path (the authority is in `host`).
    let path = request.uri().path_and_query().map(|p| p.as_str()).unwrap_or("/").to_string();
    *request.uri_mut() = http::Uri::builder().path_and_query(path).build().map_err(|_| Error::HttpRequestUriInvalid)?;

    // The connection is driven by its own task, so the response body keeps
    // flowing after this returns; the worker reports how it ended.
    let (done_tx, done_rx) = tokio::sync::oneshot::channel();
    let conn_slot = slot.clone();
    tokio::spawn(async move {
        let result = conn.await;
        conn_slot.release();
        let _ = done_tx.send(result);
    });
    let response = tokio::time::timeout(first_byte_timeout, sender.send_request(request))
        .await
        .map_err(|_| Error::ConnectionReadTimeout)??;
    let worker: Worker = Box::new(async move {
        match done_rx.await {
            Ok(Err(e)) if e.is_timeout() => Err(Error::HttpResponseTimeout),
            Ok(Err(e)) => Err(e.into()),
            _ => Ok(()),
        }
    });
    let response = response.map(|incoming| {
        FetchBody { inner: ReadTimeoutBody::new(incoming, between_bytes_timeout), slot }.boxed_unsync()
    });
    Ok((response, worker))
}

trait Io: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin {}
impl<T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin> Io for T {}

/// A fetch's response body: bytes must keep coming
/// (`--fetch-timeout` between them), and the fetch's place under the limit
/// comes back when the body ends or is dropped.
struct FetchBody {
    inner: ReadTimeoutBody<hyper::body::Incoming>,
    slot: FetchSlot,
}

impl Drop for FetchBody {
    fn drop(&mut self) {
        self.slot.release();
    }
}

impl hyper::body::Body for FetchBody {
    type Data = Bytes;
    type Error = Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<hyper::body::Frame<Bytes>, Error>>> {
        let frame = ready!(Pin::new(&mut self.inner).poll_frame(cx));
        if frame.is_none() {
            self.slot.release();
        }
        Poll::Ready(frame)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        self.inner.size_hint()
    }
}
