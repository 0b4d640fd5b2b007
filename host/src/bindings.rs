//! Host bindings of the `nano:platform` interfaces (one module implements
//! each: `log.rs`, `url.rs`, ...).

wasmtime::component::bindgen!({
    path: "../wit",
    world: "nano:platform/host-services",
    // The clone interface's nodes are encoded with serde (clone.rs).
    additional_derives: [serde::Serialize, serde::Deserialize],
    // Crypto calls reach into the resource table, which can fail.
    imports: { "nano:platform/crypto": trappable, "nano:platform/streams": trappable },
    with: {
        "nano:platform/crypto.key": crate::crypto::CryptoKey,
        "nano:platform/crypto.digest-context": crate::crypto::DigestContext,
        "nano:platform/streams.compressor": crate::streams::Compressor,
        "nano:platform/streams.decompressor": crate::streams::Decompressor,
    },
});
