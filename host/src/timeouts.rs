//! Timeouts on the two halves of a connection that a slow or vanished peer
//! controls: a body whose next bytes never come, and writes the peer never
//! reads. Without them a client (or an upstream) could pin a connection, its
//! task and an instance slot for as long as it likes.

use bytes::Bytes;
use hyper::body::{Body, Frame, SizeHint};
use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};
use wasmtime_wasi_http::Error;

/// How long a side has waited without progress: started by the first
/// `Pending`, stopped by any progress.
struct StallClock {
    timeout: Duration,
    deadline: Pin<Box<Sleep>>,
    running: bool,
}

impl StallClock {
    fn new(timeout: Duration) -> Self {
        StallClock { timeout, deadline: Box::pin(tokio::time::sleep(timeout)), running: false }
    }

    fn progress(&mut self) {
        self.running = false;
    }

    /// After a `Pending`: ready once the stall has lasted the timeout.
    fn poll_stalled(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        if !self.running {
            self.running = true;
            let deadline = Instant::now() + self.timeout;
            self.deadline.as_mut().reset(deadline);
        }
        self.deadline.as_mut().poll(cx)
    }
}

/// A body that fails with `ConnectionReadTimeout` when no bytes arrive for
/// `timeout`. The clock runs only while someone is reading, so a guest that
/// reads slowly is never cut off by its own pace.
pub struct ReadTimeoutBody<B> {
    inner: B,
    clock: StallClock,
}

impl<B> ReadTimeoutBody<B> {
    pub fn new(inner: B, timeout: Duration) -> Self {
        ReadTimeoutBody { inner, clock: StallClock::new(timeout) }
    }
}

impl<B> Body for ReadTimeoutBody<B>
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: Into<Error>,
{
    type Data = Bytes;
    type Error = Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Error>>> {
        let this = &mut *self;
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(frame) => {
                this.clock.progress();
                Poll::Ready(frame.map(|f| f.map_err(Into::into)))
            }
            Poll::Pending => {
                ready!(this.clock.poll_stalled(cx));
                Poll::Ready(Some(Err(Error::ConnectionReadTimeout)))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// An I/O stream whose writes fail with `TimedOut` when the peer accepts no
/// bytes for `timeout` (it stopped reading). Reads are not timed here: the
/// HTTP server times request heads itself, and bodies through
/// [`ReadTimeoutBody`].
pub struct WriteTimeoutIo<T> {
    inner: T,
    clock: StallClock,
}

impl<T> WriteTimeoutIo<T> {
    pub fn new(inner: T, timeout: Duration) -> Self {
        WriteTimeoutIo { inner, clock: StallClock::new(timeout) }
    }

    /// Runs one write-side poll; a pending result starts (or continues) the
    /// stall clock, any progress stops it.
    fn timed<R>(
        &mut self,
        cx: &mut Context<'_>,
        poll: impl FnOnce(Pin<&mut T>, &mut Context<'_>) -> Poll<std::io::Result<R>>,
    ) -> Poll<std::io::Result<R>>
    where
        T: Unpin,
    {
        match poll(Pin::new(&mut self.inner), cx) {
            Poll::Ready(result) => {
                self.clock.progress();
                Poll::Ready(result)
            }
            Poll::Pending => {
                ready!(self.clock.poll_stalled(cx));
                Poll::Ready(Err(std::io::Error::new(std::io::ErrorKind::TimedOut, "the peer stopped reading")))
            }
        }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for WriteTimeoutIo<T> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for WriteTimeoutIo<T> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        self.timed(cx, |inner, cx| inner.poll_write(cx, buf))
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        self.timed(cx, |inner, cx| inner.poll_write_vectored(cx, bufs))
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        self.timed(cx, |inner, cx| inner.poll_flush(cx))
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        self.timed(cx, |inner, cx| inner.poll_shutdown(cx))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;
    use tokio::io::AsyncWriteExt;

    #[tokio::test(start_paused = true)]
    async fn a_body_that_stalls_fails_after_the_timeout() {
        let (mut tx, body) = http_body_util::channel::Channel::<Bytes, Error>::new(1);
        let mut body = ReadTimeoutBody::new(body, Duration::from_secs(5));
        tx.send_data(Bytes::from_static(b"first")).await.unwrap();
        let frame = body.frame().await.unwrap().unwrap();
        assert_eq!(frame.into_data().unwrap(), "first");
        let started = Instant::now();
        let err = body.frame().await.unwrap().unwrap_err();
        assert!(matches!(err, Error::ConnectionReadTimeout), "{err:?}");
        assert_eq!(started.elapsed(), Duration::from_secs(5));
        drop(tx);
    }

    #[tokio::test(start_paused = true)]
    async fn writes_to_a_peer_that_does_not_read_fail_after_the_timeout() {
        // A pipe with a 64-byte buffer that nobody drains.
        let (near, _far) = tokio::io::duplex(64);
        let mut io = WriteTimeoutIo::new(near, Duration::from_secs(3));
        io.write_all(&[0; 64]).await.unwrap();
        let started = Instant::now();
        let err = io.write_all(&[0; 64]).await.unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::TimedOut);
        assert_eq!(started.elapsed(), Duration::from_secs(3));
    }
}
