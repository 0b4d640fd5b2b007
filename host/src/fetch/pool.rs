//! Keep-alive connections of one app's fetches. Each app has its own pool
//! (in its `AppConfig`), so a connection never serves two apps, and a fetch
//! takes a connection only to the same origin at an address its own policy
//! check just allowed.
//!
//! - HTTP/1.1 carries one exchange at a time: a connection whose response
//!   was read to its end comes back here, and a later fetch takes it instead
//!   of connecting again. At most `MAX_IDLE` wait, each for `IDLE_TIMEOUT`.
//! - HTTP/2 (when the upstream chose it through ALPN) multiplexes: the
//!   connection stays here from the moment it is open and every fetch to
//!   its origin opens a stream on it, up to the upstream's concurrent-stream
//!   limit. At most `MAX_IDLE` are kept; one that no fetch has taken for
//!   `IDLE_TIMEOUT` is let go, and closes once its streams end. While a
//!   connection to an https host is being opened, other fetches to it wait
//!   for that one (it may be HTTP/2) unless the host's last new connection
//!   was HTTP/1.1.

use super::connect::Destination;
use super::FetchSlot;
use hyper::client::conn::{http1, http2};
use std::collections::VecDeque;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use wasmtime_wasi_http::WasiBody;

/// Idle HTTP/1.1 connections one app keeps (the oldest is closed to make
/// room), and HTTP/2 connections it shares (likewise).
pub const MAX_IDLE: usize = 32;
/// How long a connection may wait unused before it is let go.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a connection may take to be ready for another request (an
/// HTTP/1.1 task has to see the end of the previous response).
const READY_TIMEOUT: Duration = Duration::from_secs(1);

/// What a connection is for: a fetch may reuse it only for the same scheme
/// and host name (TLS was verified for that name) at an address its policy
/// check allowed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    pub https: bool,
    pub host: String,
    pub addr: SocketAddr,
}

impl Origin {
    fn is(&self, to: &Destination<'_>) -> bool {
        self.https == to.https && self.host == to.host && to.addrs.contains(&self.addr)
    }
}

/// What a connection's task reports to the fetch currently using it.
pub struct Current {
    pub done: tokio::sync::oneshot::Sender<Result<(), hyper::Error>>,
    pub slot: FetchSlot,
}

/// How a request goes out on a connection: the protocol ALPN chose.
pub enum Sender {
    Http1(http1::SendRequest<WasiBody>),
    Http2(http2::SendRequest<WasiBody>),
}

type Unsent = hyper::client::conn::TrySendError<http::Request<WasiBody>>;
type Sent = Pin<Box<dyn Future<Output = Result<http::Response<hyper::body::Incoming>, Unsent>> + Send>>;

impl Sender {
    pub fn is_http2(&self) -> bool {
        matches!(self, Sender::Http2(_))
    }

    fn is_closed(&self) -> bool {
        match self {
            Sender::Http1(s) => s.is_closed(),
            Sender::Http2(s) => s.is_closed(),
        }
    }

    /// Sends `request`; a request that could not be sent at all comes back
    /// in the error.
    pub fn try_send_request(&mut self, request: http::Request<WasiBody>) -> Sent {
        match self {
            Sender::Http1(s) => Box::pin(s.try_send_request(request)),
            Sender::Http2(s) => Box::pin(s.try_send_request(request)),
        }
    }
}

/// One upstream connection (or, for HTTP/2, one fetch's handle on a
/// shared connection): the handle to send on, and the place where the fetch
/// using it waits for its exchange's fate.
pub struct Connection {
    pub origin: Origin,
    pub sender: Sender,
    pub current: Arc<Mutex<Option<Current>>>,
}

impl Connection {
    /// The fetch using the connection is over (its body ended, was dropped,
    /// or the connection closed): its place under the fetch limit comes
    /// back and its worker ends with `result`.
    pub fn finish(current: &Mutex<Option<Current>>, result: Result<(), hyper::Error>) {
        if let Some(current) = current.lock().unwrap_or_else(|e| e.into_inner()).take() {
            current.slot.release();
            let _ = current.done.send(result);
        }
    }
}

struct Idle {
    connection: Connection,
    since: Instant,
}

struct Shared {
    origin: Origin,
    sender: http2::SendRequest<WasiBody>,
    /// When a fetch last took it.
    used: Instant,
}

#[derive(Default)]
struct Connections {
    /// HTTP/1.1 connections waiting for their next exchange.
    idle: VecDeque<Idle>,
    /// HTTP/2 connections open to take more streams.
    shared: VecDeque<Shared>,
    /// https hosts a connection is being opened to, which may turn out to
    /// be HTTP/2: other fetches to them wait for it rather than open their
    /// own (a burst of fetches to a new origin makes one connection).
    opening: Vec<Opening>,
    /// https hosts (and ports) whose last new connection was HTTP/1.1:
    /// nothing to wait for (the most recent `MAX_IDLE`).
    http1_hosts: VecDeque<(String, u16)>,
    /// Whether a task is on its way to let go of what expires.
    expiring: bool,
}

struct Opening {
    host: String,
    port: u16,
    id: u64,
    /// Dropped when the connection is open (or failed): wakes the waiters.
    _done: tokio::sync::watch::Sender<()>,
    waiting: tokio::sync::watch::Receiver<()>,
}

/// What a fetch gets from the pool.
pub enum Take {
    Connection(Connection),
    /// Wait until this changes or closes, then ask again.
    Wait(tokio::sync::watch::Receiver<()>),
    /// Open a connection; others wait for it while the guard lives.
    Open(Option<OpeningGuard>),
}

/// A connection being opened to an https host; dropped once it is open
/// (and shared, if HTTP/2) or failed.
pub struct OpeningGuard {
    pool: Arc<ConnectionPool>,
    id: u64,
}

impl Drop for OpeningGuard {
    fn drop(&mut self) {
        self.pool.lock().opening.retain(|o| o.id != self.id);
    }
}

#[derive(Default)]
pub struct ConnectionPool {
    connections: Mutex<Connections>,
    next_opening: std::sync::atomic::AtomicU64,
}

impl std::fmt::Debug for ConnectionPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let c = self.lock();
        f.debug_struct("ConnectionPool").field("idle", &c.idle.len()).field("shared", &c.shared.len()).finish()
    }
}

impl ConnectionPool {
    fn lock(&self) -> std::sync::MutexGuard<'_, Connections> {
        self.connections.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A connection to `to` (a stream on a shared HTTP/2 connection, else
    /// an idle HTTP/1.1 one, the most recently used first), or else whether
    /// to wait for one being opened to the same https host and port (it may
    /// be HTTP/2, and shared) or to open one. Decided under one lock.
    pub fn take_or_wait(self: &Arc<Self>, to: &Destination<'_>) -> Take {
        let mut c = self.lock();
        c.shared.retain(|s| s.used.elapsed() < IDLE_TIMEOUT && !s.sender.is_closed());
        if let Some(shared) = c.shared.iter_mut().rev().find(|s| s.origin.is(to)) {
            shared.used = Instant::now();
            return Take::Connection(Connection {
                origin: shared.origin.clone(),
                sender: Sender::Http2(shared.sender.clone()),
                current: Arc::default(),
            });
        }
        c.idle.retain(|i| i.since.elapsed() < IDLE_TIMEOUT && !i.connection.sender.is_closed());
        if let Some(at) = c.idle.iter().rposition(|i| i.connection.origin.is(to)) {
            if let Some(idle) = c.idle.remove(at) {
                return Take::Connection(idle.connection);
            }
        }
        let port = to.addrs.first().map_or(0, |a| a.port());
        if !to.https || c.http1_hosts.iter().any(|(h, p)| h == to.host && *p == port) {
            return Take::Open(None);
        }
        if let Some(opening) = c.opening.iter().find(|o| o.host == to.host && o.port == port) {
            return Take::Wait(opening.waiting.clone());
        }
        let id = self.next_opening.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let (done, waiting) = tokio::sync::watch::channel(());
        c.opening.push(Opening { host: to.host.to_string(), port, id, _done: done, waiting });
        Take::Open(Some(OpeningGuard { pool: Arc::clone(self), id }))
    }

    /// A new connection: an HTTP/2 one is shared from now on, while its
    /// first request is still on the way.
    pub fn opened(self: &Arc<Self>, connection: &Connection) {
        let origin = &connection.origin;
        if origin.https {
            let key = (origin.host.clone(), origin.addr.port());
            let mut c = self.lock();
            c.http1_hosts.retain(|h| *h != key);
            if !connection.sender.is_http2() {
                if c.http1_hosts.len() >= MAX_IDLE {
                    c.http1_hosts.pop_front();
                }
                c.http1_hosts.push_back(key);
            }
        }
        if let Sender::Http2(sender) = &connection.sender {
            let mut c = self.lock();
            if c.shared.len() >= MAX_IDLE {
                c.shared.pop_front();
            }
            let origin = connection.origin.clone();
            c.shared.push_back(Shared { origin, sender: sender.clone(), used: Instant::now() });
            drop(c);
            self.expire_later();
        }
    }

    /// Takes `connection` back: its response was read to the end. An
    /// HTTP/1.1 connection is ready for another request once its task has
    /// seen that end, which the fetch that takes it waits for (`ready`); an
    /// HTTP/2 one never left.
    pub fn give_back(self: &Arc<Self>, connection: Connection) {
        if let Sender::Http1(_) = connection.sender {
            if !connection.sender.is_closed() {
                let mut c = self.lock();
                if c.idle.len() >= MAX_IDLE {
                    c.idle.pop_front();
                }
                c.idle.push_back(Idle { connection, since: Instant::now() });
                drop(c);
                self.expire_later();
            }
        }
    }

    /// Waits until `connection` can send again; false if it closed instead.
    pub async fn ready(connection: &mut Connection) -> bool {
        let ready = async {
            match &mut connection.sender {
                Sender::Http1(s) => s.ready().await,
                Sender::Http2(s) => s.ready().await,
            }
        };
        matches!(tokio::time::timeout(READY_TIMEOUT, ready).await, Ok(Ok(())))
    }

    /// Lets go of what has been unused for `IDLE_TIMEOUT` once that time is
    /// up, even if no fetch comes to look: one task per pool, which sleeps
    /// until the next connection comes due and ends when none is left.
    fn expire_later(self: &Arc<Self>) {
        {
            let mut c = self.lock();
            if c.expiring {
                return;
            }
            c.expiring = true;
        }
        let pool = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut wait = IDLE_TIMEOUT;
            loop {
                tokio::time::sleep(wait).await;
                let Some(pool) = pool.upgrade() else { return };
                let mut c = pool.lock();
                c.idle.retain(|i| i.since.elapsed() < IDLE_TIMEOUT && !i.connection.sender.is_closed());
                c.shared.retain(|s| s.used.elapsed() < IDLE_TIMEOUT && !s.sender.is_closed());
                let next = c.idle.iter().map(|i| i.since).chain(c.shared.iter().map(|s| s.used)).min();
                match next {
                    Some(since) => wait = IDLE_TIMEOUT.saturating_sub(since.elapsed()) + Duration::from_millis(10),
                    None => {
                        c.expiring = false;
                        return;
                    }
                }
            }
        });
    }
}
