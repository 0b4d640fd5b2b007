//! `wasi:http/incoming-handler`: turns the host's request into a JS
//! `Request`, runs the app's fetch handler through the event loop, and writes
//! the `Response` back.

use crate::apis::fetch::bodies;
use crate::engine::{self, take_exception};
use crate::event_loop::{run_until, Rejections};
use crate::hooks::Hooks;
use crate::instance;
use crate::nano::platform::{console, incoming};
use crate::wasi::http::types::{Fields, IncomingRequest, OutgoingBody, OutgoingResponse, ResponseOutparam};
use rquickjs::{promise::PromiseState, Ctx, Exception, Promise, Value};

impl crate::exports::wasi::http::incoming_handler::Guest for crate::Component {
    fn handle(request: IncomingRequest, out: ResponseOutparam) {
        if !engine::is_created() {
            console::write(
                console::Level::Error,
                "this component was not pre-initialised with an app (use `nano-host build`)",
            );
            let ResponseParts { status, headers, body } = error_response();
            let Body::Bytes(bytes) = body else { unreachable!() };
            return send_bytes(send_head(out, status, &headers), bytes);
        }
        engine::apply_memory_limit();
        WAIT_UNTIL_USED.set(false);
        let incoming::Head { method, url, headers } = incoming::request_head(&request);
        let has_body = has_body(&method, &headers);
        let href = crate::apis::url::href(&url).to_string();
        instance::with(|i| {
            i.incoming = Some(request);
            i.request_url = (!url.spans.is_empty()).then_some(url);
            i.request_headers = headers;
        });
        engine::with(|ctx, hooks| {
            let parts = run_handler(ctx, hooks, method, href, has_body).unwrap_or_else(|message| {
                console::write(console::Level::Error, &message);
                error_response()
            });
            send(ctx, hooks, out, parts);
            // ctx.waitUntil() work goes on after the response is out, and
            // a large body drains to a slow client meanwhile.
            if let Err(e) = run_until(ctx, hooks, Rejections::Log, || {
                !bodies::sending()
                    && (!WAIT_UNTIL_USED.get() || hooks.wait_until_settled.call::<_, bool>(()).unwrap_or(true))
            }) {
                console::write(console::Level::Error, &format!("waitUntil: {e}"));
            }
        });
        bodies::clear();
        let request = instance::with(|i| {
            i.request_url = None;
            i.request_headers = Vec::new();
            i.incoming.take()
        });
        drop(request);
    }
}

thread_local! {
    /// Whether the request's handler called `waitUntil` (incoming.js): if
    /// not, there is nothing to wait for after the response, and no call
    /// into JS to ask.
    static WAIT_UNTIL_USED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// `native.waitUntilUsed()`: called by incoming.js's `waitUntil`.
pub fn wait_until_used() {
    WAIT_UNTIL_USED.set(true);
}

/// The largest body, and the most header fields, `nano:platform/incoming.respond`
/// takes in one call (the host's limits); a larger response goes through
/// wasi:http.
const RESPOND_MAX_BODY: usize = 64 << 10;
const RESPOND_MAX_FIELDS: usize = 10_000;

/// A response ready to be written out.
struct ResponseParts<'js> {
    status: u16,
    headers: Vec<(String, Vec<u8>)>,
    body: Body<'js>,
}

enum Body<'js> {
    Bytes(Vec<u8>),
    /// A ReadableStream, sent to the client as it produces chunks.
    Stream(Value<'js>),
}

fn error_response<'js>() -> ResponseParts<'js> {
    ResponseParts {
        status: 500,
        headers: vec![("content-type".into(), b"text/plain;charset=UTF-8".to_vec())],
        body: Body::Bytes(b"Internal Server Error\n".to_vec()),
    }
}

fn run_handler<'js>(
    ctx: &Ctx<'js>,
    hooks: &Hooks<'js>,
    method: String,
    url: String,
    has_body: bool,
) -> Result<ResponseParts<'js>, String> {
    // The Response, or a promise of it. The request's headers stay here
    // until read (`requestHeaders`): null in their place.
    let env = crate::apis::env::object(ctx).map_err(|e| e.to_string())?;
    let dispatched: Value = hooks
        .dispatch_fetch
        .call((method, url, rquickjs::Null, has_body, crate::apis::timers::now_ms(), env))
        .map_err(|e| hooks.describe_error(take_exception(ctx, e)))?;
    let promise = dispatched.as_promise().cloned();
    // Microtasks the handler queued run before its Response is read, as
    // when the Response comes through a promise.
    run_until(ctx, hooks, Rejections::Log, || promise.as_ref().is_none_or(|p| p.state() != PromiseState::Pending))
        .map_err(|e| format!("the fetch handler did not produce a response: {e}"))?;
    let response: Value = match promise.map(|p| p.result::<Value>()) {
        None => dispatched,
        Some(Some(Ok(v))) => v,
        Some(Some(Err(e))) => return Err(hooks.describe_error(take_exception(ctx, e))),
        Some(None) => unreachable!("the promise settled"),
    };
    // [status, [name, value, ...], Uint8Array | string | ReadableStream | null]
    let parts: rquickjs::Array =
        hooks.response_parts.call((response,)).map_err(|e| hooks.describe_error(take_exception(ctx, e)))?;
    let status: u16 = parts.get(0).map_err(|e| e.to_string())?;
    let flat: Vec<String> = parts.get(1).map_err(|e| e.to_string())?;
    let body: Value = parts.get(2).map_err(|e| e.to_string())?;
    let headers = sort_and_combine(flat);
    let body = if body.is_null() || body.is_undefined() {
        Body::Bytes(Vec::new())
    } else if let Some(bytes) = crate::apis::encoding::well_formed_utf8(ctx, &body).map_err(|e| e.to_string())? {
        Body::Bytes(bytes)
    } else if body.is_object() && !body.as_object().is_some_and(|o| o.is_typed_array::<u8>()) {
        Body::Stream(body)
    } else {
        Body::Bytes(crate::natives::bytes_of(&body).map_err(|e| e.to_string())?)
    };
    Ok(ResponseParts { status, headers, body })
}

fn send<'js>(ctx: &Ctx<'js>, hooks: &Hooks<'js>, out: ResponseOutparam, mut parts: ResponseParts<'js>) {
    // A body known in full goes out with its length, not chunked (no length
    // at all for the statuses that never have a body); a small one with the
    // head, in one call.
    if let Body::Bytes(bytes) = &parts.body {
        parts.headers.retain(|(name, _)| !name.eq_ignore_ascii_case("content-length"));
        if !matches!(parts.status, 204 | 304) {
            parts.headers.push(("content-length".into(), bytes.len().to_string().into_bytes()));
        }
        if bytes.len() <= RESPOND_MAX_BODY && parts.headers.len() <= RESPOND_MAX_FIELDS {
            for refused in incoming::respond(out, parts.status, &parts.headers, bytes) {
                console::write(console::Level::Warn, &refused);
            }
            return;
        }
    }
    let body = send_head(out, parts.status, &parts.headers);
    match parts.body {
        Body::Bytes(bytes) => send_bytes(body, bytes),
        Body::Stream(stream) => {
            if let Err(e) = stream_body(ctx, hooks, body, stream) {
                console::write(console::Level::Warn, &format!("streaming the response body: {e}"));
            }
        }
    }
}

/// Sends the status and headers; the body follows.
fn send_head(out: ResponseOutparam, status: u16, headers: &[(String, Vec<u8>)]) -> OutgoingBody {
    let fields = Fields::new();
    for (name, value) in headers {
        // The host refuses hop-by-hop headers it manages itself; the rest go out.
        if let Err(e) = fields.append(name, value) {
            console::write(console::Level::Warn, &format!("response header `{name}` dropped: {e:?}"));
        }
    }
    let response = OutgoingResponse::new(fields);
    let _ = response.set_status_code(status);
    let body = response.body().expect("a new response's body is taken once");
    ResponseOutparam::set(out, Ok(response));
    body
}

/// Hands the body over at once if the host takes it all, else the event
/// loop drains it (see `handle`), so waitUntil work runs meanwhile.
fn send_bytes(body: OutgoingBody, bytes: Vec<u8>) {
    if let Err(e) = bodies::send_all(body, bytes, bodies::Peer::Client) {
        console::write(console::Level::Warn, &format!("writing the response body: {e}"));
    }
}

/// Pipes a ReadableStream to the client through a sink (fetch/body.js
/// `pumpToSink`); the event loop keeps running everything else meanwhile.
fn stream_body<'js>(ctx: &Ctx<'js>, hooks: &Hooks<'js>, body: OutgoingBody, stream: Value<'js>) -> Result<(), String> {
    let sink = bodies::add_sink(body, bodies::Peer::Client)?;
    let done: Promise =
        hooks.pump_to_sink.call((sink, stream, true)).map_err(|e| hooks.describe_error(take_exception(ctx, e)))?;
    // Its failure is reported below, once: not also as an unhandled rejection.
    crate::apis::streams::mark_handled(ctx.clone(), done.clone().into_value()).map_err(|e| e.to_string())?;
    run_until(ctx, hooks, Rejections::Log, || done.state() != PromiseState::Pending)?;
    match done.result::<Value>() {
        Some(Err(e)) => Err(hooks.describe_error(take_exception(ctx, e))),
        // The client stopped reading: its doing, not the app's (see pumpToSink).
        Some(Ok(gone)) if gone.is_string() => {
            let reason = gone.as_string().and_then(|s| s.to_string().ok()).unwrap_or_default();
            console::write(console::Level::Info, &format!("{}: {reason}", bodies::CLIENT_GONE));
            Ok(())
        }
        _ => Ok(()),
    }
}

/// Whether a request has a body to read: wasi:http drops
/// `transfer-encoding` (hop-by-hop), so a chunked body shows no header, and
/// any request but GET/HEAD has one unless it says `content-length: 0` (an
/// empty body reads as empty either way).
fn has_body(method: &str, headers: &[(String, Vec<u8>)]) -> bool {
    method != "GET"
        && method != "HEAD"
        && !headers
            .iter()
            .any(|(name, value)| name.eq_ignore_ascii_case("content-length") && value.trim_ascii() == b"0")
}

/// `requestHeaders()`: the header fields of the request being handled, as
/// [name, value, name, value, ...] (values as ByteStrings): read once, by
/// the incoming Request's `headers` getter.
pub fn request_headers() -> Vec<String> {
    instance::with(|i| {
        i.request_headers.iter().flat_map(|(name, value)| [name.clone(), isomorphic_decode(value)]).collect()
    })
}

/// Opens the body of the request being handled as a body source (once).
pub fn request_body(ctx: Ctx<'_>) -> rquickjs::Result<u32> {
    let fail = |what: &str| Exception::throw_type(&ctx, &format!("reading the request body: {what}"));
    let Some(request) = instance::with(|i| i.incoming.take()) else {
        return Err(fail("already consumed"));
    };
    let body = request.consume().map_err(|_| fail("already consumed"))?;
    bodies::add_source(body, bodies::Owner::Request(request)).map_err(|e| fail(&e))
}

/// Header bytes as a JS ByteString (each byte one code unit), as Fetch does.
fn isomorphic_decode(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| b as char).collect()
}

/// The inverse: the JS side has already checked every code unit is <= 0xFF.
fn isomorphic_encode(s: &str) -> Vec<u8> {
    s.chars().map(|c| c as u32 as u8).collect()
}

/// A response's header list (`[name, value, …]`, names lowercase tokens,
/// from request_response.js `responseParts`) as the Fetch Standard's "sort
/// and combine" gives it: sorted by name (stably: a name's values keep
/// their order), a name's values joined with ", ", but set-cookie's, which
/// stay one field each. Done here rather than in JS: most responses'
/// lists are made flat, and go through no JS sorting.
fn sort_and_combine(flat: Vec<String>) -> Vec<(String, Vec<u8>)> {
    let mut pairs = Vec::with_capacity(flat.len() / 2);
    let mut fields = flat.into_iter();
    while let (Some(name), Some(value)) = (fields.next(), fields.next()) {
        pairs.push((name, value));
    }
    pairs.sort_by(|a: &(String, String), b| a.0.cmp(&b.0));
    let mut combined: Vec<(String, Vec<u8>)> = Vec::with_capacity(pairs.len());
    for (name, value) in pairs {
        match combined.last_mut() {
            Some((last, joined)) if *last == name && name != "set-cookie" => {
                joined.extend_from_slice(b", ");
                joined.extend(isomorphic_encode(&value));
            }
            _ => combined.push((name, isomorphic_encode(&value))),
        }
    }
    combined
}

#[cfg(test)]
mod tests {
    use super::sort_and_combine;

    fn flat(fields: &[&str]) -> Vec<String> {
        fields.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_response_list_is_sorted_and_combined() {
        let combined = sort_and_combine(flat(&[
            "x-b",
            "1",
            "set-cookie",
            "a=1",
            "content-type",
            "text/plain",
            "x-b",
            "2",
            "set-cookie",
            "b=2",
            "x-a",
            "caf\u{e9}",
        ]));
        let expected: Vec<(String, Vec<u8>)> = vec![
            ("content-type".into(), b"text/plain".to_vec()),
            ("set-cookie".into(), b"a=1".to_vec()),
            ("set-cookie".into(), b"b=2".to_vec()),
            ("x-a".into(), b"caf\xe9".to_vec()),
            ("x-b".into(), b"1, 2".to_vec()),
        ];
        assert_eq!(combined, expected);
        assert_eq!(sort_and_combine(Vec::new()), Vec::new());
        assert_eq!(sort_and_combine(flat(&["a", ""])), vec![("a".to_string(), Vec::new())]);
    }
}
