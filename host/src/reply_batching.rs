//! Replies that leave together: before its first write after reading
//! something (a response's head, as a rule), a connection steps back once
//! behind the other connections its thread has ready (a yield to the back
//! of tokio's run queue), so that under load a worker's responses go out
//! in a burst instead of one every request's time apart.
//!
//! Why: a write to a client that is waiting wakes it, which costs the
//! writer a cross-core wake (an interrupt, on a virtual machine an exit to
//! the hypervisor) and, when every core is busy, a context switch where the
//! client lands. Writes in a burst wake it once; it then reads them all.
//! Measured on hello over loopback (2 cores, wrk on the same machine): at
//! 16 connections 17-22% more requests/s and 14-17% less server CPU per
//! request; at 64, 25-30% more and p99 3.4-3.7 -> 2.6 ms; at 1 and 4
//! connections no worse.
//!
//! At low load the yield finds nothing else to run, and only costs a
//! re-poll and the wake of an idle worker: when [`IDLE_YIELDS`] yields in a
//! row on a thread found that no other connection of it read anything
//! meanwhile, the next [`UNBATCHED_AFTER_IDLE`] replies of that thread go
//! out at once. (Under load some yields find nothing too: at 16
//! connections, one in five.) A yield whose connection came back on
//! another thread (a worker took it) tells nothing either way.
//!
//! The cost: a reply waits for what its thread had ready, at most a turn
//! of each task there; an instance's turn is bounded (`cpu_gate.rs`).

use std::cell::Cell;
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// Yields in a row that found nothing else to run, after which ...
pub const IDLE_YIELDS: u32 = 4;
/// ... this many replies are sent without the yield.
pub const UNBATCHED_AFTER_IDLE: u32 = 64;

thread_local! {
    /// Reads that brought bytes, by every connection on this thread. Less
    /// a yielding connection's own, they are the other work its yield made
    /// room for (only differences are compared: see `others_reads`).
    static READS: Cell<u64> = const { Cell::new(0) };
    /// The yields in a row on this thread that found nothing else to run.
    static IDLE_IN_A_ROW: Cell<u32> = const { Cell::new(0) };
    /// Replies of this thread left to send without the yield.
    static UNBATCHED_LEFT: Cell<u32> = const { Cell::new(0) };
}

/// A connection's I/O whose replies are batched (see the module).
pub struct ReplyBatching<T> {
    inner: T,
    /// Something was read since the last write: the next write starts a
    /// reply.
    replying: bool,
    /// This connection's reads that brought bytes (counted in `READS` too).
    own_reads: u64,
    /// When this connection yielded before a reply's first write: the
    /// thread, and the reads of other connections on it until then.
    yielded_at: Option<(usize, u64)>,
}

/// `READS` less a connection's own reads (wherever they were made): two
/// values of it on one thread differ by the other connections' reads
/// there in between.
fn others_reads(own_reads: u64) -> u64 {
    READS.get().wrapping_sub(own_reads)
}

impl<T> ReplyBatching<T> {
    pub fn new(inner: T) -> Self {
        ReplyBatching { inner, replying: false, own_reads: 0, yielded_at: None }
    }

    /// Ready when a write may go out now; pending (the task woken again,
    /// behind those already ready) before the first write of a reply.
    fn poll_turn(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        if let Some((thread, others)) = self.yielded_at.take() {
            if thread == crate::reuse::this_thread() {
                let idle = if others_reads(self.own_reads) == others { IDLE_IN_A_ROW.get() + 1 } else { 0 };
                if idle == IDLE_YIELDS {
                    UNBATCHED_LEFT.set(UNBATCHED_AFTER_IDLE);
                    IDLE_IN_A_ROW.set(0);
                } else {
                    IDLE_IN_A_ROW.set(idle);
                }
            }
            return Poll::Ready(());
        }
        if !std::mem::take(&mut self.replying) {
            return Poll::Ready(());
        }
        let left = UNBATCHED_LEFT.get();
        if left > 0 {
            UNBATCHED_LEFT.set(left - 1);
            return Poll::Ready(());
        }
        self.yielded_at = Some((crate::reuse::this_thread(), others_reads(self.own_reads)));
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for ReplyBatching<T> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.replying = true;
            self.own_reads = self.own_reads.wrapping_add(1);
            READS.set(READS.get().wrapping_add(1));
        }
        polled
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for ReplyBatching<T> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        std::task::ready!(self.poll_turn(cx));
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        std::task::ready!(self.poll_turn(cx));
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::future::poll_fn;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// Writes `bytes`: whether the write yielded first. (Not whether it was
    /// pending at once: tokio's budget makes an in-memory stream's write
    /// pending now and then too.)
    async fn write_yielded<T: AsyncWrite + Unpin>(io: &mut ReplyBatching<T>, bytes: &[u8]) -> bool {
        let mut first = true;
        let mut yielded = false;
        poll_fn(|cx| {
            let polled = Pin::new(&mut *io).poll_write(cx, bytes);
            if std::mem::take(&mut first) {
                yielded = io.yielded_at.is_some();
            }
            polled
        })
        .await
        .unwrap();
        yielded
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_reply_steps_back_once_behind_other_ready_connections() {
        UNBATCHED_LEFT.set(0);
        IDLE_IN_A_ROW.set(2);
        let (client, server) = tokio::io::duplex(1024);
        let (other_client, other_server) = tokio::io::duplex(1024);
        let (mut client, mut other_client) = (client, other_client);
        let mut io = ReplyBatching::new(server);
        let mut other = ReplyBatching::new(other_server);
        client.write_all(b"GET / HTTP/1.1\r\n\r\n").await.unwrap();
        other_client.write_all(b"GET / HTTP/1.1\r\n\r\n").await.unwrap();
        let mut buf = [0; 64];
        assert!(io.read(&mut buf).await.unwrap() > 0);
        // The reply's first write waits; meanwhile the other connection
        // reads its request (work the yield made room for).
        let polls = {
            let mut polls = 0;
            let mut reply = std::pin::pin!(poll_fn(|cx| {
                polls += 1;
                Pin::new(&mut io).poll_write(cx, b"HTTP/1.1 200 OK\r\n")
            }));
            assert!(poll_once(&mut reply).await.is_none());
            assert!(other.read(&mut buf).await.unwrap() > 0);
            assert!(reply.await.is_ok());
            polls
        };
        assert_eq!(polls, 2, "one yield, then the write");
        // The rest of the reply (a body after its head) goes out at once.
        assert!(!write_yielded(&mut io, b"hello").await);
        // The yield was of use: the next reply waits too, and the count of
        // idle yields starts again.
        assert_eq!((UNBATCHED_LEFT.get(), IDLE_IN_A_ROW.get()), (0, 0));
        let mut got = [0; 64];
        assert!(client.read(&mut got).await.unwrap() > 0);
    }

    #[tokio::test(flavor = "current_thread")]
    async fn replies_go_out_at_once_for_a_while_after_yields_found_nothing_to_run() {
        UNBATCHED_LEFT.set(0);
        IDLE_IN_A_ROW.set(0);
        let (mut client, server) = tokio::io::duplex(1 << 16);
        let mut io = ReplyBatching::new(server);
        let mut buf = [0; 64];
        let mut yields = Vec::new();
        let replies = 2 * (IDLE_YIELDS + UNBATCHED_AFTER_IDLE);
        for _ in 0..replies {
            client.write_all(b"GET / HTTP/1.1\r\n\r\n").await.unwrap();
            assert!(io.read(&mut buf).await.unwrap() > 0);
            yields.push(write_yielded(&mut io, b"HTTP/1.1 200 OK\r\n\r\n").await);
            let mut got = [0; 64];
            assert!(client.read(&mut got).await.unwrap() > 0);
        }
        // Four yields found nothing else; the next 64 replies went out at
        // once; then four more tries, and 64 more at once.
        let cycle = IDLE_YIELDS + UNBATCHED_AFTER_IDLE;
        let expected: Vec<bool> = (0..replies).map(|i| i % cycle < IDLE_YIELDS).collect();
        assert_eq!(yields, expected);
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_connection_s_own_read_during_its_yield_is_no_other_work() {
        UNBATCHED_LEFT.set(0);
        IDLE_IN_A_ROW.set(0);
        let (mut client, server) = tokio::io::duplex(1024);
        let mut io = ReplyBatching::new(server);
        let mut buf = [0; 64];
        client.write_all(b"GET / HTTP/1.1\r\n\r\n").await.unwrap();
        assert!(io.read(&mut buf).await.unwrap() > 0);
        {
            let mut reply = std::pin::pin!(poll_fn(|cx| Pin::new(&mut io).poll_write(cx, b"HTTP/1.1 200 OK\r\n\r\n")));
            assert!(poll_once(&mut reply).await.is_none(), "the reply yields");
        }
        // A pipelined request read while the reply waited: its own.
        client.write_all(b"GET / HTTP/1.1\r\n\r\n").await.unwrap();
        assert!(io.read(&mut buf).await.unwrap() > 0);
        assert!(!write_yielded(&mut io, b"HTTP/1.1 200 OK\r\n\r\n").await);
        assert_eq!(IDLE_IN_A_ROW.get(), 1, "the yield found nothing else to run");
    }

    /// Polls `future` once: its output if it is ready.
    async fn poll_once<F: std::future::Future + Unpin>(future: &mut F) -> Option<F::Output> {
        poll_fn(|cx| {
            Poll::Ready(match Pin::new(&mut *future).poll(cx) {
                Poll::Ready(out) => Some(out),
                Poll::Pending => None,
            })
        })
        .await
    }
}
