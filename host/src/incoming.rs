//! The host side of `nano:platform/incoming`: the head of the request being
//! handled, and its response when the guest has the body in full and it is
//! small (apis/incoming in the guest), each in one call. wasi:http takes
//! seven calls for the one (method, scheme, authority, path, headers,
//! entries, drop) and a dozen for the other (fields, appends,
//! outgoing-response, status, body, stream, write, flush, finish, outparam,
//! and the drops). Both give what wasi:http's own calls give: the head is
//! read through them, and the response's fields are checked as
//! `fields.append` checks them.

use crate::state::State;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use wasmtime::component::Resource;
use wasmtime::error::Context as _;
use wasmtime_wasi_http::p2::bindings::http::types::{HostFields, HostIncomingRequest as _, Method, Scheme};
use wasmtime_wasi_http::p2::types::{HostIncomingRequest, HostResponseOutparam};
use wasmtime_wasi_http::{FieldMap, WasiHttpView};

use crate::bindings::nano::platform::incoming::Head;
use crate::bindings::nano::platform::url::UrlParts;

/// The largest body `respond` takes: the host holds it until the client has
/// read it, so this bounds what a slow client keeps per instance. Larger
/// bodies stream through wasi:http, with backpressure.
pub const MAX_BODY: usize = 64 << 10;

/// What the header fields may take in all: wasi:http's own limit for the
/// fields a guest makes.
const MAX_FIELDS_SIZE: usize = 128 << 10;

/// Header fields `respond` looks at: far more than the size limit lets
/// through, and few enough that checking them is a short call whatever a
/// guest passes (more is a trap).
const MAX_FIELDS: usize = 10_000;

/// Refusals reported one by one; past this, one line counts the rest.
const MAX_REFUSALS_LISTED: usize = 16;

impl crate::bindings::nano::platform::incoming::Host for State {
    fn request_head(&mut self, request: Resource<HostIncomingRequest>) -> wasmtime::Result<Head> {
        let mut http = self.http();
        let id = || Resource::<HostIncomingRequest>::new_borrow(request.rep());
        let method = match http.method(id())? {
            Method::Get => "GET".to_string(),
            Method::Head => "HEAD".into(),
            Method::Post => "POST".into(),
            Method::Put => "PUT".into(),
            Method::Delete => "DELETE".into(),
            Method::Connect => "CONNECT".into(),
            Method::Options => "OPTIONS".into(),
            Method::Trace => "TRACE".into(),
            Method::Patch => "PATCH".into(),
            Method::Other(other) => other,
        };
        let scheme = match http.scheme(id())? {
            Some(Scheme::Https) => "https".to_string(),
            Some(Scheme::Other(other)) => other,
            _ => "http".into(),
        };
        let authority = http.authority(id())?.unwrap_or_else(|| "localhost".into());
        let path = http.path_with_query(id())?.unwrap_or_else(|| "/".into());
        let fields = http.headers(id())?;
        let headers = http.entries(Resource::new_borrow(fields.rep()));
        HostFields::drop(&mut http, fields)?;
        // Request's URL is a URL record (Fetch): `/a/../b` is `/b`, a Host
        // `EXAMPLE.com:80` is `example.com`.
        let url = crate::url::request_parts(&scheme, &authority, &path)
            .unwrap_or_else(|| UrlParts { text: format!("{scheme}://{authority}{path}"), spans: Vec::new() });
        Ok(Head { method, url, headers: headers? })
    }

    fn respond(
        &mut self,
        out: Resource<HostResponseOutparam>,
        status: u16,
        headers: Vec<(String, Vec<u8>)>,
        body: Vec<u8>,
    ) -> wasmtime::Result<Vec<String>> {
        if body.len() > MAX_BODY {
            wasmtime::bail!("incoming.respond: a body of {} bytes, over its limit of {MAX_BODY}", body.len());
        }
        if headers.len() > MAX_FIELDS {
            wasmtime::bail!("incoming.respond: {} header fields, over its limit of {MAX_FIELDS}", headers.len());
        }
        let status =
            hyper::StatusCode::from_u16(status).with_context(|| format!("incoming.respond: status {status}"))?;
        let http = self.http();
        let mut fields = FieldMap::new_mutable(MAX_FIELDS_SIZE);
        let mut refused = Vec::new();
        let mut unlisted = 0;
        for (name, value) in headers {
            if let Err(e) = fields.append(http.hooks, name.clone(), value) {
                if refused.len() < MAX_REFUSALS_LISTED {
                    refused.push(format!("response header `{name}` dropped: {e}"));
                } else {
                    unlisted += 1;
                }
            }
        }
        if unlisted > 0 {
            refused.push(format!("{unlisted} more response headers dropped"));
        }
        let mut response =
            hyper::Response::new(Full::new(Bytes::from(body)).map_err(|never| match never {}).boxed_unsync());
        *response.status_mut() = status;
        *response.headers_mut() = fields.into();
        let out = http.table.delete(out).context("incoming.respond: the response outparam")?;
        (out.send)(Ok(response));
        Ok(refused)
    }
}

pub fn add_to_linker(linker: &mut wasmtime::component::Linker<State>) -> wasmtime::Result<()> {
    crate::bindings::nano::platform::incoming::add_to_linker::<State, wasmtime::component::HasSelf<State>>(
        linker,
        |s| s,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bindings::nano::platform::incoming::Host;
    use std::sync::{Arc, Mutex};

    fn state() -> State {
        let app = crate::app::AppConfig::new("test", crate::limits::AppLimits::default());
        State::new(wasmtime_wasi::WasiCtx::builder().build(), crate::state::LogSink::Stdio, &app)
    }

    type Sent = Arc<Mutex<Option<hyper::Response<wasmtime_wasi_http::p2::body::HyperOutgoingBody>>>>;

    /// An outparam in the state's table whose response lands in the result.
    fn outparam(state: &mut State) -> (Resource<HostResponseOutparam>, Sent) {
        let sent: Sent = Arc::default();
        let to = sent.clone();
        let send = Box::new(move |response: Result<_, _>| *to.lock().unwrap() = response.ok());
        (state.table.push(HostResponseOutparam { send }).unwrap(), sent)
    }

    #[test]
    fn the_head_is_what_wasi_http_gives() {
        let mut state = state();
        let request = hyper::Request::builder()
            .method(hyper::Method::from_bytes(b"PURGE").unwrap())
            .uri("/x/../a/b?c=d&e")
            .header("Host", "EXAMPLE.com:8080")
            .header("X-Multi", "1")
            .header("x-multi", b"\xe9".as_slice())
            .body(http_body_util::Empty::<Bytes>::new())
            .unwrap();
        let id = state
            .http()
            .new_incoming_request(wasmtime_wasi_http::p2::bindings::http::types::Scheme::Https, request)
            .unwrap();
        let head = state.request_head(Resource::new_borrow(id.rep())).unwrap();
        assert_eq!(head.method, "PURGE");
        // The URL as the URL Standard serialises it (the href is the first
        // span), with its components.
        assert_eq!(head.url.spans.len(), 2 * crate::url::PART_NAMES.len());
        let href = &head.url.text[head.url.spans[0] as usize..head.url.spans[1] as usize];
        assert_eq!(href, "https://example.com:8080/a/b?c=d&e");
        // `host` is the URL's authority: wasi:http keeps it out of the fields.
        assert_eq!(head.headers, [("x-multi".to_string(), b"1".to_vec()), ("x-multi".to_string(), vec![0xe9])]);
        // Only the request stays in the table: the fields copy was dropped.
        state.table.delete(id).unwrap();
        assert!(state.table.is_empty());
    }

    #[test]
    fn fields_are_checked_as_wasi_http_checks_them() {
        let mut state = state();
        let (out, sent) = outparam(&mut state);
        let headers = vec![
            ("content-type".into(), b"text/plain".to_vec()),
            ("connection".into(), b"close".to_vec()),
            ("bad name".into(), b"x".to_vec()),
            ("x-bad-value".into(), b"a\nb".to_vec()),
            ("x-multi".into(), b"1".to_vec()),
            ("x-multi".into(), b"2".to_vec()),
        ];
        let rep = out.rep();
        let refused = state.respond(out, 201, headers, b"hey".to_vec()).unwrap();
        assert_eq!(refused.len(), 3, "{refused:?}");
        assert!(refused[0].contains("`connection`") && refused[1].contains("`bad name`"), "{refused:?}");
        let response = sent.lock().unwrap().take().expect("the response was sent");
        assert_eq!(response.status(), 201);
        let values: Vec<_> = response.headers().get_all("x-multi").iter().map(|v| v.to_str().unwrap()).collect();
        assert_eq!(values, ["1", "2"]);
        assert_eq!(response.headers().get("content-type").unwrap(), "text/plain");
        assert!(response.headers().get("connection").is_none());
        // The outparam was taken out of the table: it cannot be used twice.
        assert!(state.table.get(&Resource::<HostResponseOutparam>::new_own(rep)).is_err());
    }

    #[test]
    fn a_body_over_the_limit_or_a_bad_status_is_a_trap_and_nothing_is_sent() {
        let mut state = state();
        let (out, sent) = outparam(&mut state);
        let err = state.respond(out, 200, Vec::new(), vec![0; MAX_BODY + 1]).unwrap_err();
        assert!(format!("{err:#}").contains("over its limit"), "{err:#}");
        assert!(sent.lock().unwrap().is_none());
        let (out, sent) = outparam(&mut state);
        assert!(state.respond(out, 1000, Vec::new(), Vec::new()).is_err());
        assert!(sent.lock().unwrap().is_none());
        let (out, sent) = outparam(&mut state);
        let too_many = vec![("x".to_string(), b"1".to_vec()); MAX_FIELDS + 1];
        let err = state.respond(out, 200, too_many, Vec::new()).unwrap_err();
        assert!(format!("{err:#}").contains("header fields"), "{err:#}");
        assert!(sent.lock().unwrap().is_none());
        let (out, sent) = outparam(&mut state);
        state.respond(out, 200, Vec::new(), vec![7; MAX_BODY]).unwrap();
        assert!(sent.lock().unwrap().is_some());
    }

    #[test]
    fn refusals_are_listed_up_to_a_bound_and_fields_past_the_size_limit_refused() {
        let mut state = state();
        let (out, sent) = outparam(&mut state);
        let mut headers = vec![("bad name".to_string(), b"x".to_vec()); 100];
        // 64 fields of 4 KiB: past the 128 KiB the fields may take.
        headers.extend((0..64).map(|i| (format!("x-big-{i}"), vec![b'v'; 4096])));
        let refused = state.respond(out, 200, headers, Vec::new()).unwrap();
        assert_eq!(refused.len(), MAX_REFUSALS_LISTED + 1, "{refused:?}");
        let rest: usize = refused.last().unwrap().split(' ').next().unwrap().parse().unwrap();
        let kept = sent.lock().unwrap().take().unwrap().headers().len();
        assert!(kept > 0 && kept < 64, "{kept}");
        assert_eq!(MAX_REFUSALS_LISTED + rest, 100 + 64 - kept);
    }
}
