//! Host bindings of the `nano:platform` interfaces (one module implements
//! each: `console.rs`, `url.rs`, ...).

wasmtime::component::bindgen!({
    path: "../wit",
    world: "nano:platform/host-services",
    // The clone interface's nodes are encoded with serde (clone.rs).
    additional_derives: [serde::Serialize, serde::Deserialize],
    // Crypto calls reach into the resource table, which can fail.
    // PBKDF2 and key generation run off the async workers (crypto::offload).
    imports: {
        "nano:platform/crypto": trappable,
        "nano:platform/crypto.pbkdf2-derive-bits": async | trappable,
        "nano:platform/crypto.derive-key": async | trappable,
        "nano:platform/crypto.generate-key-pair": async | trappable,
        "nano:platform/compression": trappable,
        "nano:platform/encoding": trappable,
        "nano:platform/intl": trappable,
        "nano:platform/incoming": trappable,
    },
    with: {
        // `incoming.respond` takes wasi:http's response-outparam.
        "wasi:http": wasmtime_wasi_http::p2::bindings::http,
        "wasi:io": wasmtime_wasi::p2::bindings::io,
        "wasi:clocks": wasmtime_wasi::p2::bindings::clocks,
        "nano:platform/crypto.key": crate::crypto::CryptoKey,
        "nano:platform/crypto.digest-context": crate::crypto::DigestContext,
        "nano:platform/compression.compressor": crate::compression::Compressor,
        "nano:platform/compression.decompressor": crate::compression::Decompressor,
        "nano:platform/encoding.decoder": crate::encoding::TextDecoder,
        "nano:platform/intl.number-format": crate::intl::NumberFormat,
        "nano:platform/intl.plural-rules": crate::intl::Plurals,
        "nano:platform/intl.collator": crate::intl::Collator,
        "nano:platform/intl.list-format": crate::intl::ListFormat,
        "nano:platform/intl.date-time-format": crate::intl::DateTimeFormat,
        "nano:platform/intl.relative-time-format": crate::intl::RelativeTimeFormat,
        "nano:platform/intl.display-names": crate::intl::DisplayNames,
    },
});
