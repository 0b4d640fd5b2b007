//! An app's limits on the request a client sends and the response head the
//! app makes: checked by the host before an instance exists (a request head
//! too large: 431; a declared body too large: 413) or as the body streams
//! (a body that grows past the limit fails, and the client gets 413).

use bytes::Bytes;
use hyper::body::{Body, Frame, SizeHint};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use wasmtime_wasi_http::Error;

/// Why a request is refused before it reaches the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// 431: more header fields, or more bytes of them, than the app accepts.
    HeaderFields { count: usize, bytes: usize },
    /// 413: a `Content-Length` over the app's body limit.
    BodyTooLarge { declared: u64, max: u64 },
}

/// The size of a head as the client sent it, near enough: the request line
/// and every field.
pub fn head_bytes<B>(req: &hyper::Request<B>) -> usize {
    // Measured from its parts: this runs per request, and Uri's Display allocates.
    let uri = req.uri();
    let target = uri.scheme_str().map_or(0, |s| s.len() + 3)
        + uri.authority().map_or(0, |a| a.as_str().len())
        + uri.path_and_query().map_or(1, |p| p.as_str().len());
    let line = req.method().as_str().len() + target + 12;
    line + fields_bytes(req.headers())
}

/// Header fields' size as sent, each as `name: value\r\n`.
fn fields_bytes(headers: &hyper::HeaderMap) -> usize {
    headers.iter().map(|(name, value)| name.as_str().len() + value.len() + 4).sum()
}

/// The body length a request head declares (`content-length`), if any.
pub fn declared_length(headers: &hyper::HeaderMap) -> Option<u64> {
    headers.get(hyper::header::CONTENT_LENGTH)?.to_str().ok()?.trim().parse().ok()
}

/// Checks a request head against an app's limits.
pub fn check_head<B>(req: &hyper::Request<B>, limits: &crate::limits::AppLimits) -> Result<(), Refusal> {
    let count = req.headers().len();
    let bytes = head_bytes(req);
    if count > limits.max_headers || bytes > limits.max_header_bytes {
        return Err(Refusal::HeaderFields { count, bytes });
    }
    match declared_length(req.headers()) {
        Some(declared) if declared > limits.max_body => Err(Refusal::BodyTooLarge { declared, max: limits.max_body }),
        _ => Ok(()),
    }
}

/// The bytes of a response head's fields, as `check_head` counts them.
pub fn response_head_bytes<B>(res: &hyper::Response<B>) -> usize {
    fields_bytes(res.headers())
}

/// A request body that fails with `HttpRequestBodySize` once more than
/// `max` bytes have come, and says so in `exceeded` (the server then answers
/// 413, whatever the app made of a cut-off body).
pub struct LimitedBody<B> {
    inner: B,
    left: u64,
    max: u64,
    exceeded: Arc<AtomicBool>,
}

impl<B> LimitedBody<B> {
    pub fn new(inner: B, max: u64) -> (Self, Arc<AtomicBool>) {
        let exceeded = Arc::new(AtomicBool::new(false));
        (LimitedBody { inner, left: max, max, exceeded: exceeded.clone() }, exceeded)
    }
}

impl<B> Body for LimitedBody<B>
where
    B: Body<Data = Bytes, Error = Error> + Unpin,
{
    type Data = Bytes;
    type Error = Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Error>>> {
        let this = &mut *self;
        if this.exceeded.load(Ordering::Relaxed) {
            // Nothing after the limit gets through, whoever reads on.
            return Poll::Ready(None);
        }
        match std::task::ready!(Pin::new(&mut this.inner).poll_frame(cx)) {
            Some(Ok(frame)) => {
                let len = frame.data_ref().map_or(0, |data| data.len() as u64);
                match this.left.checked_sub(len) {
                    Some(left) => {
                        this.left = left;
                        Poll::Ready(Some(Ok(frame)))
                    }
                    None => {
                        this.exceeded.store(true, Ordering::Relaxed);
                        Poll::Ready(Some(Err(Error::HttpRequestBodySize(Some(this.max)))))
                    }
                }
            }
            other => Poll::Ready(other),
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::AppLimits;
    use http_body_util::BodyExt;

    fn request(headers: &[(&str, &str)]) -> hyper::Request<()> {
        let mut req = hyper::Request::builder().uri("/x");
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        req.body(()).unwrap()
    }

    #[test]
    fn heads_over_the_limits_are_refused() {
        let limits = AppLimits { max_headers: 2, max_header_bytes: 100, max_body: 10, ..Default::default() };
        assert_eq!(check_head(&request(&[("a", "1")]), &limits), Ok(()));
        assert!(matches!(
            check_head(&request(&[("a", "1"), ("b", "2"), ("c", "3")]), &limits),
            Err(Refusal::HeaderFields { count: 3, .. })
        ));
        let long = "x".repeat(100);
        assert!(matches!(check_head(&request(&[("a", &long)]), &limits), Err(Refusal::HeaderFields { count: 1, .. })));
        assert_eq!(
            check_head(&request(&[("content-length", "11")]), &limits),
            Err(Refusal::BodyTooLarge { declared: 11, max: 10 })
        );
        assert_eq!(check_head(&request(&[("content-length", "10")]), &limits), Ok(()));
    }

    #[tokio::test]
    async fn a_body_past_the_limit_fails_and_says_so() {
        let (mut tx, body) = http_body_util::channel::Channel::<Bytes, Error>::new(4);
        let (mut body, exceeded) = LimitedBody::new(body, 8);
        tx.send_data(Bytes::from_static(b"12345")).await.unwrap();
        tx.send_data(Bytes::from_static(b"678")).await.unwrap();
        tx.send_data(Bytes::from_static(b"9")).await.unwrap();
        assert_eq!(body.frame().await.unwrap().unwrap().into_data().unwrap(), "12345");
        assert_eq!(body.frame().await.unwrap().unwrap().into_data().unwrap(), "678");
        assert!(!exceeded.load(Ordering::Relaxed), "exactly the limit is allowed");
        let err = body.frame().await.unwrap().unwrap_err();
        assert!(matches!(err, Error::HttpRequestBodySize(Some(8))), "{err:?}");
        assert!(exceeded.load(Ordering::Relaxed));
        tx.send_data(Bytes::from_static(b"0")).await.unwrap();
        assert!(body.frame().await.is_none(), "the body ends at the error");
    }
}
