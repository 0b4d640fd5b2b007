//! `wasi:http/incoming-handler`: turns the host's request into a JS
//! `Request`, runs the app's fetch handler through the event loop, and writes
//! the `Response` back.

use crate::engine::{self, call_hook, describe_error, take_exception};
use crate::event_loop::{run_until, Rejections};
use crate::nano::platform::log;
use crate::wasi::http::types::{
    Fields, IncomingBody, IncomingRequest, Method, OutgoingBody, OutgoingResponse, ResponseOutparam, Scheme,
};
use crate::wasi::io::streams::StreamError;
use rquickjs::{promise::PromiseState, ArrayBuffer, Ctx, Exception, Object, Promise, Value};
use std::cell::RefCell;

thread_local! {
    /// The request being handled, until the app reads its body.
    static INCOMING: RefCell<Option<IncomingRequest>> = const { RefCell::new(None) };
}

impl crate::exports::wasi::http::incoming_handler::Guest for crate::Component {
    fn handle(request: IncomingRequest, out: ResponseOutparam) {
        if !engine::is_created() {
            log::write(log::Level::Error, "this component was not pre-initialised with an app (use `nano-host build`)");
            return send(out, error_response());
        }
        engine::apply_memory_limit();
        let method = method_name(request.method());
        let url = request_url(&request);
        let headers: Vec<String> = request
            .headers()
            .entries()
            .into_iter()
            .flat_map(|(name, value)| [name, isomorphic_decode(&value)])
            .collect();
        INCOMING.with(|r| *r.borrow_mut() = Some(request));
        engine::with(|ctx, hooks| {
            let parts = run_handler(ctx, &hooks, method, url, headers).unwrap_or_else(|message| {
                log::write(log::Level::Error, &message);
                error_response()
            });
            send(out, parts);
            // ctx.waitUntil() work goes on after the response is out.
            if let Err(e) = run_until(ctx, &hooks, Rejections::Log, || {
                call_hook::<_, bool>(&hooks, "waitUntilSettled", ()).unwrap_or(true)
            }) {
                log::write(log::Level::Error, &format!("waitUntil: {e}"));
            }
        });
        INCOMING.with(|r| r.borrow_mut().take());
    }
}

/// A response as plain data, ready to be written out.
struct ResponseParts {
    status: u16,
    headers: Vec<(String, Vec<u8>)>,
    body: Vec<u8>,
}

fn error_response() -> ResponseParts {
    ResponseParts {
        status: 500,
        headers: vec![("content-type".into(), b"text/plain;charset=UTF-8".to_vec())],
        body: b"Internal Server Error\n".to_vec(),
    }
}

fn run_handler<'js>(
    ctx: &Ctx<'js>,
    hooks: &Object<'js>,
    method: String,
    url: String,
    headers: Vec<String>,
) -> Result<ResponseParts, String> {
    let promise: Promise = call_hook(hooks, "dispatchFetch", (method, url, headers))
        .map_err(|e| describe_error(hooks, take_exception(ctx, e)))?;
    run_until(ctx, hooks, Rejections::Log, || promise.state() != PromiseState::Pending)
        .map_err(|e| format!("the fetch handler did not produce a response: {e}"))?;
    let response: Value = match promise.result::<Value>() {
        Some(Ok(v)) => v,
        Some(Err(e)) => return Err(describe_error(hooks, take_exception(ctx, e))),
        None => unreachable!("the promise settled"),
    };
    // [status, [name, value, ...], Uint8Array | null]
    let parts: rquickjs::Array = call_hook(hooks, "responseParts", (response,))
        .map_err(|e| describe_error(hooks, take_exception(ctx, e)))?;
    let status: u16 = parts.get(0).map_err(|e| e.to_string())?;
    let flat: Vec<String> = parts.get(1).map_err(|e| e.to_string())?;
    let body: Value = parts.get(2).map_err(|e| e.to_string())?;
    let headers = flat
        .chunks_exact(2)
        .map(|pair| (pair[0].clone(), isomorphic_encode(&pair[1])))
        .collect();
    let body = if body.is_null() || body.is_undefined() {
        Vec::new()
    } else {
        crate::native::bytes_of(&body).map_err(|e| e.to_string())?
    };
    Ok(ResponseParts { status, headers, body })
}

fn send(out: ResponseOutparam, parts: ResponseParts) {
    let fields = Fields::new();
    for (name, value) in &parts.headers {
        // The host refuses hop-by-hop headers it manages itself; the rest go out.
        if let Err(e) = fields.append(name, value) {
            log::write(log::Level::Warn, &format!("response header `{name}` dropped: {e:?}"));
        }
    }
    let response = OutgoingResponse::new(fields);
    let _ = response.set_status_code(parts.status);
    let body = response.body().expect("a new response's body is taken once");
    ResponseOutparam::set(out, Ok(response));
    if let Err(e) = write_body(&body, &parts.body) {
        log::write(log::Level::Warn, &format!("writing the response body: {e}"));
        return; // dropping an unfinished body tells the host it was cut short
    }
    let _ = OutgoingBody::finish(body, None);
}

fn write_body(body: &OutgoingBody, bytes: &[u8]) -> Result<(), String> {
    let stream = body.write().map_err(|_| "response body stream unavailable".to_string())?;
    // blocking-write-and-flush takes at most 4096 bytes per call.
    for chunk in bytes.chunks(4096) {
        stream.blocking_write_and_flush(chunk).map_err(|e| format!("{e:?}"))?;
    }
    Ok(())
}

/// Reads the whole body of the request being handled (once).
pub fn read_request_body<'js>(ctx: Ctx<'js>) -> rquickjs::Result<ArrayBuffer<'js>> {
    let request = INCOMING.with(|r| r.borrow_mut().take());
    let Some(request) = request else {
        return ArrayBuffer::new(ctx, Vec::<u8>::new());
    };
    let fail = |what: &str| Exception::throw_type(&ctx, &format!("reading the request body: {what}"));
    let body = request.consume().map_err(|_| fail("already consumed"))?;
    let mut bytes = Vec::new();
    {
        let stream = body.stream().map_err(|_| fail("stream unavailable"))?;
        loop {
            match stream.blocking_read(64 * 1024) {
                Ok(chunk) => bytes.extend_from_slice(&chunk),
                Err(StreamError::Closed) => break,
                Err(StreamError::LastOperationFailed(e)) => return Err(fail(&e.to_debug_string())),
            }
        }
    }
    let _ = IncomingBody::finish(body);
    ArrayBuffer::new(ctx, bytes)
}

fn method_name(method: Method) -> String {
    match method {
        Method::Get => "GET",
        Method::Head => "HEAD",
        Method::Post => "POST",
        Method::Put => "PUT",
        Method::Delete => "DELETE",
        Method::Connect => "CONNECT",
        Method::Options => "OPTIONS",
        Method::Trace => "TRACE",
        Method::Patch => "PATCH",
        Method::Other(other) => return other,
    }
    .to_string()
}

fn request_url(request: &IncomingRequest) -> String {
    let scheme = match request.scheme() {
        Some(Scheme::Https) => "https".to_string(),
        Some(Scheme::Other(s)) => s,
        _ => "http".to_string(),
    };
    let authority = request.authority().unwrap_or_else(|| "localhost".into());
    let path = request.path_with_query().unwrap_or_else(|| "/".into());
    format!("{scheme}://{authority}{path}")
}

/// Header bytes as a JS ByteString (each byte one code unit), as Fetch does.
fn isomorphic_decode(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| b as char).collect()
}

/// The inverse: the JS side has already checked every code unit is <= 0xFF.
fn isomorphic_encode(s: &str) -> Vec<u8> {
    s.chars().map(|c| c as u32 as u8).collect()
}
