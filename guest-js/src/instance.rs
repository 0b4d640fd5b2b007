//! Everything one instance of the engine holds for itself, in one value:
//! the host objects JS refers to by number (one handle table), the request
//! being handled, `Math.random`'s state, and whether the app is being built.
//! The value sits in the snapshot like the rest of memory, so what it holds
//! when pre-initialisation ends is what every instance starts with: no host
//! object (those belong to the build's store, gone at request time; see
//! `init.rs`), no random seed.

use crate::apis::compression::Coder;
use crate::apis::fetch::bodies::{Sink, Source};
use crate::apis::fetch::InFlight;
use crate::apis::intl::Formatter;
use crate::handles::{self, Entry};
use crate::nano::platform::crypto::{DigestContext, Key};
use crate::nano::platform::encoding::Decoder;
use crate::nano::platform::url::UrlParts;
use crate::wasi::http::types::IncomingRequest;
use std::cell::RefCell;

/// A host-backed object JS holds an id of.
pub enum HostObject {
    /// A body streaming in (the request's, a fetch response's).
    Source(Source),
    /// A body streaming out (the response, a fetch upload).
    Sink(Sink),
    /// A fetch waiting for its response head.
    Fetch(InFlight),
    Key(Key),
    /// A DigestStream's hash state.
    Digest(DigestContext),
    /// A CompressionStream's or DecompressionStream's state.
    Coder(Coder),
    /// A TextDecoder's state in the middle of a stream (legacy encodings).
    Decoder(Decoder),
    /// An Intl formatter (NumberFormat, PluralRules, Collator, ListFormat).
    Intl(Formatter),
}

crate::handle_kinds!(HostObject {
    Source(Source) = 0,
    Sink(Sink) = 1,
    Fetch(InFlight) = 2,
    Key(Key) = 3,
    Digest(DigestContext) = 4,
    Coder(Coder) = 5,
    Decoder(Decoder) = 6,
    Intl(Formatter) = 7,
});

impl Entry for HostObject {
    fn describe(&self) -> &'static str {
        match self {
            HostObject::Source(_) => "fetch() response body not read to its end (read it whole or cancel it)",
            HostObject::Sink(_) => "request body still being sent",
            HostObject::Fetch(_) => "fetch() still waiting for its response",
            HostObject::Key(_) => "CryptoKey",
            HostObject::Digest(_) => "crypto.DigestStream written to but not closed",
            HostObject::Coder(_) => "CompressionStream or DecompressionStream written to but not closed",
            HostObject::Decoder(_) => {
                "TextDecoder in the middle of a stream (decode() with { stream: true } not ended)"
            }
            HostObject::Intl(_) => "Intl formatter",
        }
    }
}

pub type Handles = handles::Handles<HostObject>;

pub struct Instance {
    pub handles: Handles,
    /// The request being handled, until the app reads its body.
    pub incoming: Option<IncomingRequest>,
    /// The URL of the request being handled, as the host parsed it: what
    /// the first `new URL(request.url)` takes (`requestUrlParts`) instead
    /// of parsing it again.
    pub request_url: Option<UrlParts>,
    /// The header fields of the request being handled, as the host gave
    /// them: made into JS values only if the app reads `request.headers`.
    pub request_headers: Vec<(String, Vec<u8>)>,
    /// State of `Math.random`. `None` until first use in an instance: the
    /// snapshot must not carry a seed, or every instance would draw the same
    /// numbers.
    pub random: Option<u64>,
    /// True while the app's top-level code runs into the snapshot: whatever
    /// it computes then is frozen and shared by every instance, so what must
    /// differ per instance (randomness, keys) or live in the host is refused.
    pub at_build_time: bool,
}

thread_local! {
    static INSTANCE: RefCell<Instance> = const {
        RefCell::new(Instance {
            handles: Handles::new(),
            incoming: None,
            request_url: None,
            request_headers: Vec::new(),
            random: None,
            at_build_time: false,
        })
    };
}

/// Runs `f` on the instance. `f` must not run JS (which may call back into
/// a native that needs the instance): it is for short host calls.
pub fn with<R>(f: impl FnOnce(&mut Instance) -> R) -> R {
    INSTANCE.with(|i| f(&mut i.borrow_mut()))
}
