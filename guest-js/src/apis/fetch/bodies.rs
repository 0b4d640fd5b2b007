//! Bodies that stream through the instance without being buffered whole:
//! *sources* (the incoming request's body, fetch response bodies) are read a
//! chunk at a time when JS asks for one, *sinks* (the response to the client)
//! take chunks only as fast as the host drains them. Both wait in the event
//! loop on their stream's pollable, so a slow peer never blocks other work.

use crate::instance;
use crate::wasi::http::types::{http_error_code, IncomingBody, IncomingRequest, IncomingResponse, OutgoingBody};
use crate::wasi::io::error::Error as IoError;
use crate::wasi::io::poll::Pollable;
use crate::wasi::io::streams::{InputStream, OutputStream, StreamError};
use rquickjs::{Ctx, Exception, Result, TypedArray, Value};

/// Bytes asked of the host per read: large enough to keep host crossings
/// rare, small enough to keep an instance's memory bounded.
const READ_CHUNK: u64 = 64 * 1024;

/// What owns an incoming body; dropped after the body (wasi:http children
/// must go before their parents). Only held, never read.
#[allow(dead_code)]
pub enum Owner {
    Request(IncomingRequest),
    Response(IncomingResponse),
}

#[derive(PartialEq)]
enum Want {
    Nothing,
    /// The next chunk, for a ReadableStream pull.
    Chunk,
    /// Everything up to the end, in one piece (`text()`, `arrayBuffer()`…).
    All,
}

/// A body streaming in; kept in the instance's handle table.
pub struct Source {
    // Dropped in this order: stream, body, owner.
    stream: Option<InputStream>,
    body: Option<IncomingBody>,
    _owner: Owner,
    want: Want,
    collected: Vec<u8>,
    /// A failure met while the body was forwarded to a sink, reported by
    /// the next read (the stream itself reports it only once).
    failed: Option<String>,
}

/// A body streaming out; kept in the instance's handle table.
pub struct Sink {
    stream: Option<OutputStream>,
    body: Option<OutgoingBody>,
    /// Bytes the host has not taken yet (it takes them as the peer reads).
    pending: Vec<u8>,
    /// Finish the body once `pending` is taken (bytes handed over whole).
    close_when_drained: bool,
    peer: Peer,
    /// A source whose bytes move into this sink in the guest's Rust, never
    /// through JS (`sink_forward`), until it ends.
    forward: Option<u32>,
}

/// Who reads a sink. A response the client stops reading is the client's
/// doing, not the app's: logged at INFO, not as a warning.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Peer {
    /// The response to the client.
    Client,
    /// A `fetch()` request body.
    Upstream,
}

/// What a source or sink has to report to JS after its pollable fired.
pub enum Event {
    /// A chunk, or the whole rest with `All`; `None` at the end.
    Data(Option<Vec<u8>>),
    Failed(String),
    /// A sink took all pending bytes.
    Drained,
}

/// Registers an incoming body; its id is what JS reads it by.
pub fn add_source(body: IncomingBody, owner: Owner) -> std::result::Result<u32, String> {
    let stream = body.stream().map_err(|_| "the body stream is unavailable".to_string())?;
    let source = Source {
        stream: Some(stream),
        body: Some(body),
        _owner: owner,
        want: Want::Nothing,
        collected: Vec::new(),
        failed: None,
    };
    instance::with(|i| i.handles.insert(source))
}

/// Registers an outgoing body to stream into.
pub fn add_sink(body: OutgoingBody, peer: Peer) -> std::result::Result<u32, String> {
    let stream = body.write().map_err(|_| "the body stream is unavailable".to_string())?;
    let sink = Sink {
        stream: Some(stream),
        body: Some(body),
        pending: Vec::new(),
        close_when_drained: false,
        peer,
        forward: None,
    };
    instance::with(|i| i.handles.insert(sink))
}

/// Sends `bytes` as the whole of `body`: at once if the host takes them,
/// else from the event loop as it drains (so a large upload never blocks).
pub fn send_all(body: OutgoingBody, bytes: Vec<u8>, peer: Peer) -> std::result::Result<(), String> {
    let stream = body.write().map_err(|_| "the body stream is unavailable".to_string())?;
    let mut sink =
        Sink { stream: Some(stream), body: Some(body), pending: bytes, close_when_drained: true, peer, forward: None };
    match flush(&mut sink) {
        Ok(true) => {
            finish(sink);
        }
        Ok(false) => {
            instance::with(|i| i.handles.insert(sink))?;
        }
        // The client left before the first write (the host may send the
        // head before the body): told as when it leaves later.
        Err(message) if peer == Peer::Client => {
            use crate::nano::platform::console::{write, Level};
            write(Level::Info, &format!("{CLIENT_GONE}: {message}"));
        }
        // A fetch: the error reaches JS through the response (it fails).
        Err(_) => {
            finish(sink);
        }
    }
    Ok(())
}

/// Ends a sink: the peer sees a complete body.
fn finish(mut sink: Sink) -> Option<String> {
    sink.stream.take(); // a child of the body
    let body = sink.body.take()?;
    OutgoingBody::finish(body, None).err().map(|e| format!("{e:?}"))
}

/// JS asks for the next chunk (`all` = everything up to the end). What has
/// already arrived answers at once: the chunk (with `all`, the whole body,
/// if its end is here too) as a Uint8Array, or null at the end. Otherwise
/// undefined, and the answer comes through the event loop (`bodyData` /
/// `bodyFailed` hooks), as does a failure (kept for `advance` to report):
/// a small request body has usually arrived with its head, and a read
/// answered now saves the event loop's round of host calls and a hook call.
pub fn read<'js>(ctx: Ctx<'js>, id: u32, all: bool) -> Result<Value<'js>> {
    let read = instance::with(|i| {
        let handles = &mut i.handles;
        let source = handles.get_mut::<Source>(id)?;
        source.want = if all { Want::All } else { Want::Chunk };
        let chunk = match read_available(source) {
            Some(Event::Data(chunk)) => Some(chunk),
            Some(Event::Failed(message)) => {
                source.failed = Some(message);
                None
            }
            Some(Event::Drained) | None => None,
        };
        // As in `advance`: an ended source is done.
        if chunk.is_some() && source.stream.is_none() {
            handles.remove::<Source>(id);
        }
        Some(chunk)
    });
    match read {
        None => Err(Exception::throw_type(&ctx, "the body is no longer available")),
        Some(None) => Ok(Value::new_undefined(ctx)),
        Some(Some(None)) => Ok(Value::new_null(ctx)),
        Some(Some(Some(bytes))) => chunk_value(&ctx, bytes),
    }
}

/// The body is not wanted any more (stream cancelled, fetch aborted): the
/// host stops receiving it.
pub fn cancel(id: u32) {
    let source = instance::with(|i| i.handles.remove::<Source>(id));
    drop(source);
}

/// Whether a source is waiting for data, or a sink for the host to drain it.
pub fn has_pending() -> bool {
    instance::with(|i| i.handles.iter::<Source>().any(|(_, s)| s.want != Want::Nothing)) || sending()
}

/// Whether a sink still has bytes the host has not taken, or a source to
/// forward.
pub fn sending() -> bool {
    instance::with(|i| i.handles.iter::<Sink>().any(|(_, s)| !s.pending.is_empty() || s.forward.is_some()))
}

/// The pollables to wait on, with the id each belongs to. A forwarding sink
/// with nothing pending waits for its source to have data (for its own
/// stream once the source is gone, to finish the forward).
pub fn pollables() -> Vec<(u32, Pollable)> {
    instance::with(|i| {
        let handles = &i.handles;
        let sources = handles.iter::<Source>().filter(|(_, s)| s.want != Want::Nothing);
        let mut all: Vec<(u32, Pollable)> =
            sources.filter_map(|(id, s)| Some((id, s.stream.as_ref()?.subscribe()))).collect();
        let sinks = handles.iter::<Sink>().filter(|(_, s)| !s.pending.is_empty() || s.forward.is_some());
        all.extend(sinks.filter_map(|(id, sink)| {
            let from = sink.forward.filter(|_| sink.pending.is_empty());
            let source = from.and_then(|from| handles.get::<Source>(from)?.stream.as_ref());
            Some((id, source.map_or_else(|| sink.stream.as_ref().map(|s| s.subscribe()), |s| Some(s.subscribe()))?))
        }));
        all
    })
}

/// Moves source or sink `id` on after its pollable fired.
pub fn advance(id: u32) -> Option<Event> {
    instance::with(|i| {
        let handles = &mut i.handles;
        if let Some(source) = handles.get_mut::<Source>(id) {
            let event = read_available(source);
            // A source whose stream ended (or failed) is done: nothing of it
            // stays behind (e.g. in the snapshot, after a build-time fetch).
            if source.stream.is_none() || matches!(event, Some(Event::Failed(_))) {
                handles.remove::<Source>(id);
            }
            return event;
        }
        let sink = handles.get_mut::<Sink>(id)?;
        if let Some(from) = sink.forward {
            return forward(handles, id, from);
        }
        match flush(sink) {
            Ok(true) if sink.close_when_drained => {
                finish(handles.remove::<Sink>(id)?);
                None
            }
            Ok(true) => Some(Event::Drained),
            Ok(false) => None,
            Err(message) if sink.close_when_drained => {
                let peer = sink.peer;
                handles.remove::<Sink>(id); // dropped unfinished: the peer sees the body cut short
                use crate::nano::platform::console::{write, Level};
                match peer {
                    Peer::Client => write(Level::Info, &format!("{CLIENT_GONE}: {message}")),
                    Peer::Upstream => write(Level::Warn, &format!("a body was cut short: {message}")),
                }
                None
            }
            Err(message) => Some(Event::Failed(message)),
        }
    })
}

/// Chunks one forwarding step moves at most before it lets the event loop
/// run other work (a fast peer on both sides would keep it busy).
const FORWARD_CHUNKS: usize = 16;

/// Moves source `from`'s bytes into sink `id` as far as both sides allow.
/// `Drained` once the source has ended or failed (the failure is kept for
/// JS's next read), `Failed` if the sink did.
fn forward(handles: &mut crate::instance::Handles, id: u32, from: u32) -> Option<Event> {
    for _ in 0..FORWARD_CHUNKS {
        let sink = handles.get_mut::<Sink>(id)?;
        match flush(sink) {
            Ok(true) => {}
            Ok(false) => return None,
            Err(message) => {
                sink.forward = None;
                return Some(Event::Failed(message));
            }
        }
        let read = match handles.get_mut::<Source>(from) {
            Some(source) => match source.stream.as_ref().map(|s| s.read(READ_CHUNK)) {
                Some(Ok(chunk)) => Ok(chunk),
                Some(Err(StreamError::LastOperationFailed(e))) => {
                    source.failed = Some(describe_io_error(&e));
                    Err(())
                }
                // The end: the source is left as it is, for JS's next read
                // to see the end as it would have.
                Some(Err(StreamError::Closed)) | None => Err(()),
            },
            None => Err(()), // cancelled meanwhile
        };
        match read {
            Ok(chunk) if chunk.is_empty() => return None,
            Ok(chunk) => handles.get_mut::<Sink>(id)?.pending = chunk,
            Err(()) => {
                handles.get_mut::<Sink>(id)?.forward = None;
                return Some(Event::Drained);
            }
        }
    }
    None
}

/// Reads what has arrived without blocking.
fn read_available(source: &mut Source) -> Option<Event> {
    if let Some(message) = source.failed.take() {
        return Some(Event::Failed(message));
    }
    let stream = source.stream.as_ref()?;
    loop {
        match stream.read(READ_CHUNK) {
            Ok(chunk) if chunk.is_empty() => return None,
            Ok(chunk) if source.want == Want::All => source.collected.extend_from_slice(&chunk),
            Ok(chunk) => {
                source.want = Want::Nothing;
                return Some(Event::Data(Some(chunk)));
            }
            Err(StreamError::Closed) => {
                source.stream.take(); // a child of the body
                if let Some(body) = source.body.take() {
                    // Trailers are not exposed; finishing surfaces a late error.
                    let _ = IncomingBody::finish(body);
                }
                if source.want == Want::All {
                    source.want = Want::Nothing;
                    return Some(Event::Data(Some(std::mem::take(&mut source.collected))));
                }
                return Some(Event::Data(None));
            }
            Err(StreamError::LastOperationFailed(e)) => return Some(Event::Failed(describe_io_error(&e))),
        }
    }
}

/// How the log says that a response could not be sent whole.
pub const CLIENT_GONE: &str = "the client went away before the response body was sent";

/// Hands pending bytes to the host as far as it takes them; Ok(true) when
/// nothing is left.
fn flush(sink: &mut Sink) -> std::result::Result<bool, String> {
    let stream = sink.stream.as_ref().ok_or("the body is closed")?;
    let mut written = 0;
    while written < sink.pending.len() {
        let permit = stream.check_write().map_err(describe_write_error)? as usize;
        if permit == 0 {
            break;
        }
        let end = sink.pending.len().min(written + permit);
        stream.write(&sink.pending[written..end]).map_err(describe_write_error)?;
        written = end;
    }
    sink.pending.drain(..written);
    Ok(sink.pending.is_empty())
}

fn describe_write_error(e: StreamError) -> String {
    match e {
        StreamError::Closed => "the peer closed the connection".into(),
        StreamError::LastOperationFailed(e) => describe_io_error(&e),
    }
}

/// The HTTP reason behind a stream error, when there is one.
fn describe_io_error(e: &IoError) -> String {
    match http_error_code(e) {
        Some(code) => super::describe(&code),
        // The first line: the host may append a backtrace.
        None => e.to_debug_string().lines().next().unwrap_or("I/O error").to_string(),
    }
}

fn with_sink<R>(ctx: &Ctx<'_>, id: u32, f: impl FnOnce(&mut Sink) -> std::result::Result<R, String>) -> Result<R> {
    let result = instance::with(|i| i.handles.get_mut::<Sink>(id).map(f));
    match result {
        Some(result) => result.map_err(|message| Exception::throw_type(ctx, &format!("writing the body: {message}"))),
        None => Err(Exception::throw_type(ctx, "the body is no longer writable")),
    }
}

/// Writes a chunk; false when the host has not taken all of it yet (JS then
/// waits for the `sinkDrained` hook before writing more: backpressure).
pub fn sink_write<'js>(ctx: Ctx<'js>, id: u32, chunk: Value<'js>) -> Result<bool> {
    let view = TypedArray::<u8>::from_value(chunk)?;
    with_sink(&ctx, id, |sink| {
        // The bytes are copied straight from JS memory into the host.
        let bytes = view.as_raw().map(|p| unsafe { p.as_ref() }).unwrap_or_default();
        sink.pending.extend_from_slice(bytes);
        flush(sink)
    })
}

/// Moves source `from`'s bytes into sink `id` without them coming through
/// JS, as fast as the sink's peer takes them. The `sinkDrained` hook tells
/// that the source has ended (or failed: JS's next read of it says so), and
/// `bodyFailed` that the sink failed. Neither side holds more than one
/// chunk (`READ_CHUNK`) at a time.
pub fn sink_forward(ctx: Ctx<'_>, id: u32, from: u32) -> Result<()> {
    with_sink(&ctx, id, |sink| {
        sink.forward = Some(from);
        Ok(())
    })
}

/// Ends a sink whose bytes are all taken: the peer sees a complete body.
pub fn sink_close(ctx: Ctx<'_>, id: u32) -> Result<()> {
    let sink = instance::with(|i| i.handles.remove::<Sink>(id));
    let Some(sink) = sink else {
        return Err(Exception::throw_type(&ctx, "the body is no longer writable"));
    };
    if let Some(stream) = &sink.stream {
        // Normally empty: JS closes once the sink is drained.
        for chunk in sink.pending.chunks(4096) {
            let _ = stream.blocking_write_and_flush(chunk);
        }
    }
    match finish(sink) {
        Some(e) => Err(Exception::throw_type(&ctx, &format!("ending the body: {e}"))),
        None => Ok(()),
    }
}

/// Drops a sink without finishing it: the peer sees the body cut short.
pub fn sink_abort(id: u32) {
    let sink = instance::with(|i| i.handles.remove::<Sink>(id));
    drop(sink);
}

/// Forgets every body of a finished request.
pub fn clear() {
    instance::with(|i| {
        i.handles.clear::<Source>();
        i.handles.clear::<Sink>();
    })
}

/// Lets JS pass typed arrays to the event-loop hooks.
pub fn chunk_value<'js>(ctx: &Ctx<'js>, bytes: Vec<u8>) -> Result<Value<'js>> {
    Ok(TypedArray::<u8>::new(ctx.clone(), bytes)?.into_value())
}
