//! Host bindings of the `nano:platform` interfaces (one module implements
//! each: `log.rs`, `url.rs`, ...).

wasmtime::component::bindgen!({
    path: "../wit",
    world: "nano:platform/host-services",
});
