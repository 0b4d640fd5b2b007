//! Sends an outbound request over a connection to an address the outbound
//! policy has already checked. Connecting by name again (as wasi:http's
//! default sender does) would resolve the name a second time, and a DNS
//! answer that changed in between could reach a private address
//! (DNS rebinding).

use super::pool::{Connection, ConnectionPool, Current, Origin};
use super::FetchSlot;
use crate::timeouts::ReadTimeoutBody;
use bytes::Bytes;
use http_body_util::BodyExt;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex, OnceLock};
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
/// when `https`, on an idle connection of the app's `pool` to that origin if
/// there is one. `slot` is the fetch's place under the instance's fetch
/// limit: it is held until the response body ends or is dropped, or the
/// connection closes.
pub async fn send(
    mut request: http::Request<WasiBody>,
    options: Option<RequestOptions>,
    host: &str,
    addrs: &[SocketAddr],
    https: bool,
    slot: FetchSlot,
    pool: &Arc<ConnectionPool>,
) -> Result<(http::Response<WasiBody>, Worker), Error> {
    let connect_timeout = options.and_then(|o| o.connect_timeout).unwrap_or(DEFAULT_TIMEOUT);
    let first_byte_timeout = options.and_then(|o| o.first_byte_timeout).unwrap_or(DEFAULT_TIMEOUT);
    let between_bytes_timeout =
        options.and_then(|o| o.between_bytes_timeout).unwrap_or(DEFAULT_TIMEOUT).max(Duration::from_nanos(1));

    // The request line carries only the path (the authority is in `host`).
    let path = request.uri().path_and_query().map(|p| p.as_str()).unwrap_or("/").to_string();
    *request.uri_mut() = http::Uri::builder().path_and_query(path).build().map_err(|_| Error::HttpRequestUriInvalid)?;

    let (done, mut done_rx) = tokio::sync::oneshot::channel();
    let mut current = Some(Current { done, slot: slot.clone() });
    let mut request = Some(request);
    let mut reused = pool.take(https, host, addrs);
    let (connection, response) = loop {
        let ready = match reused.take() {
            Some(mut idle) => ConnectionPool::ready(&mut idle).await.then_some(idle),
            None => None,
        };
        let (mut connection, fresh) = match ready {
            Some(idle) => (idle, false),
            None => (open(host, addrs, https, connect_timeout).await?, true),
        };
        // Dispatched first, then watched: a connection that ends from here
        // on ends this fetch.
        let sent = connection.sender.try_send_request(request.take().expect("a request to send"));
        *connection.current.lock().unwrap_or_else(|e| e.into_inner()) = current.take();
        match tokio::time::timeout(first_byte_timeout, sent).await {
            Err(_) => {
                Connection::finish(&connection.current, Ok(()));
                return Err(Error::ConnectionReadTimeout);
            }
            Ok(Ok(response)) => break (connection, response),
            // An idle connection the upstream closed meanwhile: the request
            // was not sent, so it goes out again on a new connection.
            Ok(Err(mut e)) if !fresh && e.message().is_some() => {
                request = e.take_message();
                current = connection.current.lock().unwrap_or_else(|e| e.into_inner()).take();
                if current.is_none() {
                    // The closing connection's task got there first.
                    let (done, rx) = tokio::sync::oneshot::channel();
                    done_rx = rx;
                    current = Some(Current { done, slot: slot.clone() });
                }
            }
            Ok(Err(e)) => {
                Connection::finish(&connection.current, Ok(()));
                return Err(e.into_error().into());
            }
        }
    };
    // The worker reports how this fetch's exchange ended: with its body, or
    // with the connection if that failed first.
    let worker: Worker = Box::new(async move {
        match done_rx.await {
            Ok(Err(e)) if e.is_timeout() => Err(Error::HttpResponseTimeout),
            Ok(Err(e)) => Err(e.into()),
            _ => Ok(()),
        }
    });
    let pool = Arc::clone(pool);
    let response = response.map(|incoming| {
        let inner = ReadTimeoutBody::new(incoming, between_bytes_timeout);
        FetchBody { inner, connection: Some(connection), pool }.boxed_unsync()
    });
    Ok((response, worker))
}

/// A new connection to the first of `addrs` that answers, driven by a task
/// of its own that tells the fetch using it if it fails.
async fn open(host: &str, addrs: &[SocketAddr], https: bool, timeout: Duration) -> Result<Connection, Error> {
    let tcp = connect(addrs, timeout).await?;
    let addr = tcp.peer_addr().map_err(Error::Connect)?;
    let io: Box<dyn Io> = if https {
        let name = match host.parse::<std::net::IpAddr>() {
            Ok(ip) => rustls::pki_types::ServerName::from(ip),
            Err(_) => {
                rustls::pki_types::ServerName::try_from(host.to_string()).map_err(|_| Error::HttpRequestUriInvalid)?
            }
        };
        let handshake = tokio_rustls::TlsConnector::from(tls_config()).connect(name, tcp);
        let tls = tokio::time::timeout(timeout, handshake).await.map_err(|_| Error::ConnectionTimeout)?;
        Box::new(tls.map_err(Error::Tls)?)
    } else {
        Box::new(tcp)
    };
    let (sender, conn) = tokio::time::timeout(
        timeout,
        hyper::client::conn::http1::handshake::<_, WasiBody>(hyper_util::rt::TokioIo::new(io)),
    )
    .await
    .map_err(|_| Error::ConnectionTimeout)??;
    let current: Arc<Mutex<Option<Current>>> = Arc::default();
    let watched = Arc::clone(&current);
    tokio::spawn(async move {
        let result = conn.await;
        Connection::finish(&watched, result);
    });
    Ok(Connection { origin: Origin { https, host: host.to_string(), addr }, sender, current })
}

trait Io: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin {}
impl<T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin> Io for T {}

/// A fetch's response body: bytes must keep coming
/// (`--fetch-timeout` between them). When it ends, the fetch's place under
/// the limit comes back and its connection goes back to the app's pool;
/// dropped before its end, the connection is closed.
struct FetchBody {
    inner: ReadTimeoutBody<hyper::body::Incoming>,
    connection: Option<Connection>,
    pool: Arc<ConnectionPool>,
}

impl Drop for FetchBody {
    fn drop(&mut self) {
        if let Some(connection) = self.connection.take() {
            Connection::finish(&connection.current, Ok(()));
        }
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
        match &frame {
            None => {
                if let Some(connection) = self.connection.take() {
                    Connection::finish(&connection.current, Ok(()));
                    self.pool.give_back(connection);
                }
            }
            Some(Err(_)) => {
                if let Some(connection) = self.connection.take() {
                    Connection::finish(&connection.current, Ok(()));
                }
            }
            Some(Ok(_)) => {}
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
