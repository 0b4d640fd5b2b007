//! Small request bodies are read whole before the request takes an instance
//! slot: a POST of a few KiB has nearly always come with its head, and an
//! app that reads it then finds it all there (the guest's first read answers
//! at once, with no trip through its event loop), while a client that
//! trickles one holds no instance, only the connection and at most
//! [`PREBUFFER_MAX`] bytes, for `--body-timeout` between pieces. Larger
//! bodies, bodies of unknown length and those of a client that waits for
//! `100 Continue` stream to the app as they come.

use crate::timeouts::ReadTimeoutBody;
use bytes::{Bytes, BytesMut};
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::BodyExt;
use hyper::body::{Body, Frame, Incoming, SizeHint};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use wasmtime_wasi_http::Error;

/// The largest body (by its `content-length`) read before the instance.
pub const PREBUFFER_MAX: u64 = 16 << 10;

/// A request's body as the app gets it.
pub type RequestBody = UnsyncBoxBody<Bytes, Error>;

/// `req` with its body read whole if it declares at most
/// [`PREBUFFER_MAX`] bytes; the body timeout applies either way. A body
/// that fails while read here fails the same way when the app reads it,
/// after the bytes that came before the failure.
pub async fn small_body(req: hyper::Request<Incoming>, timeout: Duration) -> hyper::Request<RequestBody> {
    let (parts, body) = req.into_parts();
    let mut body = ReadTimeoutBody::new(body, timeout);
    let declared = crate::request_limits::declared_length(&parts.headers);
    // A client that waits for `100 Continue` is asked for its body only
    // when the app reads it, as before.
    let expects = parts.headers.contains_key(hyper::header::EXPECT);
    let Some(length) = declared.filter(|&n| n > 0 && n <= PREBUFFER_MAX && !expects) else {
        return hyper::Request::from_parts(parts, body.boxed_unsync());
    };
    let mut data = BytesMut::with_capacity(length as usize);
    let mut error = None;
    loop {
        match body.frame().await {
            // hyper keeps a body to its content-length: never past the max.
            Some(Ok(frame)) => {
                if let Some(chunk) = frame.data_ref() {
                    data.extend_from_slice(chunk);
                }
            }
            Some(Err(e)) => {
                error = Some(e);
                break;
            }
            None => break,
        }
    }
    hyper::Request::from_parts(parts, Prebuffered { data: Some(data.freeze()), error }.boxed_unsync())
}

/// A body already read: its bytes, then its failure if it had one.
struct Prebuffered {
    data: Option<Bytes>,
    error: Option<Error>,
}

impl Body for Prebuffered {
    type Data = Bytes;
    type Error = Error;

    fn poll_frame(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Error>>> {
        if let Some(data) = self.data.take().filter(|d| !d.is_empty()) {
            return Poll::Ready(Some(Ok(Frame::data(data))));
        }
        Poll::Ready(self.error.take().map(Err))
    }

    fn is_end_stream(&self) -> bool {
        self.data.as_ref().is_none_or(Bytes::is_empty) && self.error.is_none()
    }

    fn size_hint(&self) -> SizeHint {
        let len = self.data.as_ref().map_or(0, |d| d.len() as u64);
        if self.error.is_some() {
            let mut hint = SizeHint::new();
            hint.set_lower(len);
            hint
        } else {
            SizeHint::with_exact(len)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_prebuffered_body_gives_its_bytes_then_its_failure() {
        let body = Prebuffered { data: Some(Bytes::from_static(b"abc")), error: Some(Error::ConnectionReadTimeout) };
        let mut body = body.boxed_unsync();
        assert_eq!(body.size_hint().lower(), 3);
        assert_eq!(body.frame().await.unwrap().unwrap().into_data().unwrap(), Bytes::from_static(b"abc"));
        assert!(matches!(body.frame().await, Some(Err(Error::ConnectionReadTimeout))));
        assert!(body.frame().await.is_none());

        let mut whole = Prebuffered { data: Some(Bytes::from_static(b"xyz")), error: None }.boxed_unsync();
        assert_eq!(whole.size_hint().exact(), Some(3));
        assert!(!whole.is_end_stream());
        assert_eq!(whole.frame().await.unwrap().unwrap().into_data().unwrap(), Bytes::from_static(b"xyz"));
        assert!(whole.is_end_stream());
        assert!(whole.frame().await.is_none());
    }
}
