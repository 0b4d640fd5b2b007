//! Keep-alive connections of one app's fetches. A connection whose response
//! was read to its end comes back here, and a later fetch of the same app to
//! the same origin at an address its own policy check just allowed takes it
//! instead of connecting again. Each app has its own pool (in its
//! `AppConfig`), so a connection never serves two apps; at most `MAX_IDLE`
//! wait at once, each for at most `IDLE_TIMEOUT`.

use super::FetchSlot;
use hyper::client::conn::http1::SendRequest;
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use wasmtime_wasi_http::WasiBody;

/// Idle connections one app keeps (the oldest is closed to make room).
pub const MAX_IDLE: usize = 32;
/// How long a connection may wait idle before it is closed.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a returned connection may take to be ready for another request
/// (its task has to see the end of the previous response).
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

/// What a connection's task reports to the fetch currently using it.
pub struct Current {
    pub done: tokio::sync::oneshot::Sender<Result<(), hyper::Error>>,
    pub slot: FetchSlot,
}

/// One upstream connection: the handle to send on, and the place where the
/// fetch using it waits for the connection's fate.
pub struct Connection {
    pub origin: Origin,
    pub sender: SendRequest<WasiBody>,
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

#[derive(Default)]
pub struct ConnectionPool {
    idle: Mutex<VecDeque<Idle>>,
}

impl std::fmt::Debug for ConnectionPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectionPool").field("idle", &self.lock().len()).finish()
    }
}

impl ConnectionPool {
    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<Idle>> {
        self.idle.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// An idle connection for `https://host` (or http) at one of `addrs`,
    /// the most recently used first.
    pub fn take(&self, https: bool, host: &str, addrs: &[SocketAddr]) -> Option<Connection> {
        let mut idle = self.lock();
        idle.retain(|i| i.since.elapsed() < IDLE_TIMEOUT && !i.connection.sender.is_closed());
        let at = idle.iter().rposition(|i| {
            let origin = &i.connection.origin;
            origin.https == https && origin.host == host && addrs.contains(&origin.addr)
        })?;
        idle.remove(at).map(|i| i.connection)
    }

    /// Takes `connection` back: its response was read to the end. It is
    /// ready for another request once its task has seen that end, which the
    /// fetch that takes it waits for (`ready`).
    pub fn give_back(self: &Arc<Self>, connection: Connection) {
        if !connection.sender.is_closed() {
            self.insert(connection);
        }
    }

    /// Waits until `connection` can send again; false if it closed instead.
    pub async fn ready(connection: &mut Connection) -> bool {
        matches!(tokio::time::timeout(READY_TIMEOUT, connection.sender.ready()).await, Ok(Ok(())))
    }

    fn insert(self: &Arc<Self>, connection: Connection) {
        let mut idle = self.lock();
        if idle.len() >= MAX_IDLE {
            idle.pop_front();
        }
        idle.push_back(Idle { connection, since: Instant::now() });
        drop(idle);
        // Closed when its idle time is up, even if no fetch comes to look.
        let pool = Arc::downgrade(self);
        tokio::spawn(async move {
            tokio::time::sleep(IDLE_TIMEOUT).await;
            if let Some(pool) = pool.upgrade() {
                pool.lock().retain(|i| i.since.elapsed() < IDLE_TIMEOUT);
            }
        });
    }

    /// Connections waiting (for tests and metrics).
    pub fn idle(&self) -> usize {
        self.lock().len()
    }
}
