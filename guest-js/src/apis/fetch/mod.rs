//! Native half of `fetch()` (fetch.js): outbound requests through
//! `wasi:http/outgoing-handler`. Requests in flight are polled by the event
//! loop together with timers, so a pending fetch never blocks other work.

pub mod bodies;
pub mod header_checks;

use crate::instance;
use crate::wasi::http::outgoing_handler;
use crate::wasi::http::types::{
    ErrorCode, Fields, FutureIncomingResponse, IncomingResponse, Method, OutgoingBody, OutgoingRequest, Scheme,
};
use crate::wasi::io::poll::Pollable;
use rquickjs::{Ctx, Exception, Result, Value};

/// A request waiting for its response head; kept in the instance's handle table.
pub struct InFlight {
    response: FutureIncomingResponse,
}

/// How a fetch ended, handed to fetch.js.
pub enum Outcome {
    /// The body streams on as source `body` of `bodies.rs`.
    Response {
        status: u16,
        headers: Vec<String>,
        body: u32,
    },
    Failed(String),
}

pub fn has_pending() -> bool {
    instance::with(|i| i.handles.count::<InFlight>() > 0)
}

fn method(name: &str) -> Method {
    match name {
        "GET" => Method::Get,
        "HEAD" => Method::Head,
        "POST" => Method::Post,
        "PUT" => Method::Put,
        "DELETE" => Method::Delete,
        "OPTIONS" => Method::Options,
        "PATCH" => Method::Patch,
        other => Method::Other(other.to_string()),
    }
}

/// Human-readable reasons for `wasi:http` errors.
pub fn describe(code: &ErrorCode) -> String {
    match code {
        ErrorCode::DnsError(_) => "DNS lookup failed".into(),
        ErrorCode::DestinationNotFound => "destination not found".into(),
        ErrorCode::ConnectionRefused => "connection refused".into(),
        ErrorCode::ConnectionTimeout => "connection timed out".into(),
        ErrorCode::ConnectionReadTimeout => "timed out waiting for the response".into(),
        ErrorCode::ConnectionTerminated => "the connection was closed".into(),
        ErrorCode::TlsCertificateError => "TLS handshake failed: the server's certificate is not trusted (expired, for another name, or from a CA the host does not trust: see --ca-certs)".into(),
        ErrorCode::TlsAlertReceived(alert) => match &alert.alert_message {
            Some(message) => format!("TLS handshake failed: the server sent the alert {message}"),
            None => "TLS handshake failed: the server sent an alert".into(),
        },
        ErrorCode::TlsProtocolError => "TLS handshake failed".into(),
        ErrorCode::HttpRequestDenied => "refused by the host's outbound policy (not in --allow-host)".into(),
        ErrorCode::DestinationIpProhibited => {
            "refused by the host's outbound policy: the address is private, loopback, link-local or otherwise special-purpose (only an --allow-host entry naming the address itself allows it)".into()
        }
        ErrorCode::HttpResponseIncomplete => "the response ended early".into(),
        ErrorCode::HttpResponseTimeout => "timed out waiting for the response".into(),
        ErrorCode::InternalError(Some(message)) => message.clone(),
        other => format!("{other:?}"),
    }
}

/// The start of a long value, for error messages.
fn shorten(s: &str) -> String {
    match s.char_indices().nth(100) {
        Some((end, _)) => format!("{}…", &s[..end]),
        None => s.to_string(),
    }
}

/// Sends a request to `target`; returns its id and, with `stream_body`, the id of the
/// sink its body is to be written to. `body` is the request body's bytes.
pub fn start<'js>(
    ctx: Ctx<'js>,
    method_name: String,
    target: Vec<String>,
    headers: Vec<String>,
    body: Value<'js>,
    stream_body: bool,
) -> Result<Vec<u32>> {
    // [protocol ("https:"), host[:port], path and query]
    let [protocol, authority, path] = <[String; 3]>::try_from(target)
        .map_err(|_| Exception::throw_type(&ctx, "fetch: expected [protocol, host, path]"))?;
    let https = protocol == "https:";
    let fail = |message: String| Exception::throw_type(&ctx, &format!("fetch failed: {message}"));
    let fields = Fields::new();
    for pair in headers.chunks_exact(2) {
        let value: Vec<u8> = pair[1].chars().map(|c| c as u32 as u8).collect();
        fields.append(&pair[0], &value).map_err(|e| fail(format!("header `{}` cannot be sent: {e:?}", pair[0])))?;
    }
    let request = OutgoingRequest::new(fields);
    let _ = request.set_method(&method(&method_name));
    let _ = request.set_scheme(Some(if https { &Scheme::Https } else { &Scheme::Http }));
    request.set_authority(Some(&authority)).map_err(|_| fail(format!("invalid host `{}`", shorten(&authority))))?;
    request.set_path_with_query(Some(&path)).map_err(|_| {
        fail(format!("the path `{}` ({} bytes) cannot be sent (at most 65,534 bytes)", shorten(&path), path.len()))
    })?;
    let bytes = if body.is_null() || body.is_undefined() { None } else { Some(crate::natives::bytes_of(&body)?) };
    let outgoing_body = request.body().map_err(|_| fail("request body unavailable".into()))?;
    // No options: the host applies the app's timeouts (nano.toml, flags).
    let future = outgoing_handler::handle(request, None).map_err(|e| fail(describe(&e)))?;
    // The body goes out as the host takes it, without blocking the event
    // loop; a stream body is written by JS (pumpToSink) as it is read.
    let sink = if stream_body {
        bodies::add_sink(outgoing_body, bodies::Peer::Upstream).map_err(fail)?
    } else {
        match bytes {
            Some(bytes) => bodies::send_all(outgoing_body, bytes, bodies::Peer::Upstream).map_err(fail)?,
            None => {
                let _ = OutgoingBody::finish(outgoing_body, None);
            }
        }
        0
    };
    let id = instance::with(|i| i.handles.insert(InFlight { response: future })).map_err(fail)?;
    Ok(vec![id, sink])
}

/// Drops a request in flight (AbortSignal); the host cancels it.
pub fn abort(id: u32) {
    let request = instance::with(|i| i.handles.remove::<InFlight>(id));
    drop(request);
}

/// One pollable per request in flight, with its id.
pub fn pollables() -> Vec<(u32, Pollable)> {
    instance::with(|i| i.handles.iter::<InFlight>().map(|(id, r)| (id, r.response.subscribe())).collect())
}

/// Moves request `id` on after its pollable fired; Some when the response
/// head arrived (or the request failed).
pub fn advance(id: u32) -> Option<Outcome> {
    let head = instance::with(|i| {
        let head = i.handles.get::<InFlight>(id)?.response.get()?;
        i.handles.remove::<InFlight>(id);
        Some(head)
    })?;
    // Outside the instance: a response registers its body there.
    Some(match head {
        Ok(Ok(response)) => responded(response),
        Ok(Err(code)) => Outcome::Failed(describe(&code)),
        Err(()) => Outcome::Failed("the response was already taken".into()),
    })
}

fn responded(response: IncomingResponse) -> Outcome {
    let status = response.status();
    let headers = response
        .headers()
        .entries()
        .into_iter()
        .flat_map(|(name, value)| [name, value.iter().map(|&b| b as char).collect()])
        .collect();
    let Ok(body) = response.consume() else {
        return Outcome::Failed("the response body was already taken".into());
    };
    match bodies::add_source(body, bodies::Owner::Response(response)) {
        Ok(body) => Outcome::Response { status, headers, body },
        Err(message) => Outcome::Failed(message),
    }
}
