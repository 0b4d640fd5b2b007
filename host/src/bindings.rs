//! Host bindings of the `nano:platform` interfaces (one module implements
//! each: `log.rs`, `url.rs`, ...).

wasmtime::component::bindgen!({
    path: "../wit",
    world: "nano:platform/host-services",
    // The clone interface's nodes are encoded with serde (clone.rs).
    additional_derives: [serde::Serialize, serde::Deserialize],
});
