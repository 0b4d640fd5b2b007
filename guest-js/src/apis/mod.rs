//! The web APIs, one folder each: the JS modules that implement the standard
//! interfaces and, where an API needs the host, its native half (`mod.rs`)
//! calling the WIT interface of the same name, implemented by the host
//! module of the same name (e.g. `compression/` → `nano:platform/compression`
//! → `host/src/compression.rs`).

pub mod clone;
pub mod compression;
pub mod console;
pub mod crypto;
pub mod encoding;
pub mod env;
pub mod fetch;
pub mod globals;
pub mod incoming;
pub mod intl;
pub mod streams;
pub mod timers;
pub mod url;
pub mod webassembly;

/// The prelude: every JS module, by its path under `apis/`. Imports between
/// them state their dependencies; the root's evaluation runs them all once,
/// into the snapshot (engine.rs).
pub const MODULES: &[(&str, &str)] = &[
    ("webidl/webidl.js", include_str!("webidl/webidl.js")),
    ("webidl/dom_exception.js", include_str!("webidl/dom_exception.js")),
    ("events/events.js", include_str!("events/events.js")),
    ("encoding/encoding.js", include_str!("encoding/encoding.js")),
    ("encoding/base64.js", include_str!("encoding/base64.js")),
    ("encoding/text_streams.js", include_str!("encoding/text_streams.js")),
    ("url/url.js", include_str!("url/url.js")),
    ("url/url_pattern.js", include_str!("url/url_pattern.js")),
    ("clone/clone.js", include_str!("clone/clone.js")),
    ("crypto/crypto.js", include_str!("crypto/crypto.js")),
    ("crypto/digest_stream.js", include_str!("crypto/digest_stream.js")),
    ("console/console.js", include_str!("console/console.js")),
    ("timers/timers.js", include_str!("timers/timers.js")),
    ("timers/performance.js", include_str!("timers/performance.js")),
    ("streams/promises.js", include_str!("streams/promises.js")),
    ("streams/readable.js", include_str!("streams/readable.js")),
    ("streams/byte.js", include_str!("streams/byte.js")),
    ("streams/writable.js", include_str!("streams/writable.js")),
    ("streams/transform.js", include_str!("streams/transform.js")),
    ("streams/pipe.js", include_str!("streams/pipe.js")),
    ("compression/compression.js", include_str!("compression/compression.js")),
    ("messaging/messaging.js", include_str!("messaging/messaging.js")),
    ("blob/blob.js", include_str!("blob/blob.js")),
    ("blob/blob_url.js", include_str!("blob/blob_url.js")),
    ("fetch/headers.js", include_str!("fetch/headers.js")),
    ("fetch/form_data.js", include_str!("fetch/form_data.js")),
    ("fetch/body.js", include_str!("fetch/body.js")),
    ("fetch/request_response.js", include_str!("fetch/request_response.js")),
    ("fetch/data_url.js", include_str!("fetch/data_url.js")),
    ("fetch/fetch.js", include_str!("fetch/fetch.js")),
    ("webassembly/webassembly.js", include_str!("webassembly/webassembly.js")),
    ("intl/intl.js", include_str!("intl/intl.js")),
    ("globals/globals.js", include_str!("globals/globals.js")),
    ("globals/builtins.js", include_str!("globals/builtins.js")),
    ("env/env.js", include_str!("env/env.js")),
    ("incoming/incoming.js", include_str!("incoming/incoming.js")),
    ("hooks.js", include_str!("hooks.js")),
];

/// The root module: it installs the globals and exports the hooks (hooks.rs).
pub const ROOT: &str = "hooks.js";
