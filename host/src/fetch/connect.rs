//! Sends an outbound request over a connection to an address the outbound
//! policy has already checked. Connecting by name again (as wasi:http's
//! default sender does) would resolve the name a second time, and a DNS
//! answer that changed in between could reach a private address
//! (DNS rebinding).

use super::pool::{Connection, ConnectionPool, Current, Origin, Sender, Take};
use super::tls::TlsClient;
use super::FetchSlot;
use crate::timeouts::ReadTimeoutBody;
use bytes::Bytes;
use http_body_util::BodyExt;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{ready, Context, Poll};
use std::time::Duration;
use tokio::net::TcpStream;
use wasmtime_wasi_http::{Error, RequestOptions, WasiBody};

/// Defaults when the guest sets no timeouts (it normally does).
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

type Worker = Box<dyn Future<Output = Result<(), Error>> + Send>;

/// What an HTTP/2 connection lets an upstream send ahead of the guest's
/// reads: per stream, and over all of the connection's streams (HTTP/1.1
/// is bounded by the socket's buffers instead).
const H2_STREAM_WINDOW: u32 = 256 << 10;
const H2_CONNECTION_WINDOW: u32 = 1 << 20;
/// The largest response head an HTTP/2 upstream may send (decoded).
const H2_MAX_HEADER_LIST: u32 = 64 << 10;
/// An HTTP/2 connection is pinged this often, and closed when a ping is not
/// answered within as long: a shared connection that died silently is not
/// handed to fetches until TCP gives up.
const H2_PING: Duration = Duration::from_secs(20);

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

/// Where a fetch goes: `host` (as in its URL) at one of `addrs`, which the
/// outbound policy has already checked, over TLS when `https`.
pub struct Destination<'a> {
    pub https: bool,
    pub host: &'a str,
    pub addrs: &'a [SocketAddr],
}

/// Sends `request` to `to` (over TLS trusting `tls` when https), on a
/// connection of the app's `pool` to that origin if there is one. `slot` is
/// the fetch's place under the instance's fetch limit: it is held until the
/// response body ends or is dropped, or the connection closes.
pub async fn send(
    request: http::Request<WasiBody>,
    options: Option<RequestOptions>,
    to: &Destination<'_>,
    slot: FetchSlot,
    pool: &Arc<ConnectionPool>,
    tls: &TlsClient,
) -> Result<(http::Response<WasiBody>, Worker), Error> {
    let connect_timeout = options.and_then(|o| o.connect_timeout).unwrap_or(DEFAULT_TIMEOUT);
    let first_byte_timeout = options.and_then(|o| o.first_byte_timeout).unwrap_or(DEFAULT_TIMEOUT);
    let between_bytes_timeout =
        options.and_then(|o| o.between_bytes_timeout).unwrap_or(DEFAULT_TIMEOUT).max(Duration::from_nanos(1));

    // An HTTP/1.1 request line carries only the path (the authority is in
    // the Host header); HTTP/2 sends the scheme and authority as well.
    let absolute = request.uri().clone();
    let path = absolute.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let path = http::Uri::builder().path_and_query(path).build().map_err(|_| Error::HttpRequestUriInvalid)?;

    let (done, mut done_rx) = tokio::sync::oneshot::channel();
    let mut current = Some(Current { done, slot: slot.clone() });
    let mut unsent = Some(request);
    // A connection being opened to the same https host may be HTTP/2: it
    // is waited for once (within the connect timeout), then asked again.
    let (mut reused, mut opening) = (None, None);
    for waited in [false, true] {
        match pool.take_or_wait(to) {
            Take::Connection(connection) => reused = Some(connection),
            Take::Open(guard) => opening = guard,
            Take::Wait(mut opened) if !waited => {
                let _ = tokio::time::timeout(connect_timeout, opened.changed()).await;
                continue;
            }
            Take::Wait(_) => {}
        }
        break;
    }
    let (connection, response) = loop {
        let ready = match reused.take() {
            Some(mut idle) => ConnectionPool::ready(&mut idle).await.then_some(idle),
            None => None,
        };
        let (mut connection, fresh) = match ready {
            Some(idle) => (idle, false),
            None => {
                let connection = open(to, tls, connect_timeout).await?;
                pool.opened(&connection);
                drop(opening.take()); // those waiting for it look again
                (connection, true)
            }
        };
        let mut request = unsent.take().expect("a request to send");
        *request.uri_mut() = if connection.sender.is_http2() { absolute.clone() } else { path.clone() };
        // Dispatched first, then watched: a connection that ends from here
        // on ends this fetch.
        let sent = connection.sender.try_send_request(request);
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
                unsent = e.take_message();
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

/// A new connection to the first of `to`'s addresses that answers, HTTP/2 if the
/// upstream chose it in the TLS handshake, else HTTP/1.1, driven by a task
/// of its own. An HTTP/1.1 connection's task tells the fetch using it if it
/// fails; an HTTP/2 connection's failure reaches each fetch through its
/// own stream.
async fn open(to: &Destination<'_>, tls: &TlsClient, timeout: Duration) -> Result<Connection, Error> {
    let Destination { https, host, addrs } = *to;
    let tcp = connect(addrs, timeout).await?;
    let addr = tcp.peer_addr().map_err(Error::Connect)?;
    let mut http2 = false;
    let io: Box<dyn Io> = if https {
        let name = match host.parse::<std::net::IpAddr>() {
            Ok(ip) => rustls::pki_types::ServerName::from(ip),
            Err(_) => {
                rustls::pki_types::ServerName::try_from(host.to_string()).map_err(|_| Error::HttpRequestUriInvalid)?
            }
        };
        let handshake = tokio_rustls::TlsConnector::from(tls.config()).connect(name, tcp);
        let stream = tokio::time::timeout(timeout, handshake).await.map_err(|_| Error::ConnectionTimeout)?;
        let stream = stream.map_err(Error::Tls)?;
        http2 = stream.get_ref().1.alpn_protocol() == Some(b"h2");
        Box::new(stream)
    } else {
        Box::new(tcp)
    };
    let io = hyper_util::rt::TokioIo::new(io);
    let origin = Origin { https, host: host.to_string(), addr };
    let current: Arc<Mutex<Option<Current>>> = Arc::default();
    if http2 {
        let handshake = hyper::client::conn::http2::Builder::new(hyper_util::rt::TokioExecutor::new())
            .initial_stream_window_size(H2_STREAM_WINDOW)
            .initial_connection_window_size(H2_CONNECTION_WINDOW)
            .max_header_list_size(H2_MAX_HEADER_LIST)
            .timer(hyper_util::rt::TokioTimer::new())
            .keep_alive_interval(H2_PING)
            .keep_alive_timeout(H2_PING)
            .keep_alive_while_idle(true)
            .handshake::<_, WasiBody>(io);
        let (sender, conn) = tokio::time::timeout(timeout, handshake).await.map_err(|_| Error::ConnectionTimeout)??;
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!("an HTTP/2 upstream connection ended: {e}");
            }
        });
        return Ok(Connection { origin, sender: Sender::Http2(sender), current });
    }
    let handshake = hyper::client::conn::http1::handshake::<_, WasiBody>(io);
    let (sender, conn) = tokio::time::timeout(timeout, handshake).await.map_err(|_| Error::ConnectionTimeout)??;
    let watched = Arc::clone(&current);
    tokio::spawn(async move {
        let result = conn.await;
        Connection::finish(&watched, result);
    });
    Ok(Connection { origin, sender: Sender::Http1(sender), current })
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
