//! nano-host: serves JavaScript apps compiled to WebAssembly components, a
//! fresh instance per request.

pub mod admission;
pub mod app_build;
mod bindings;
pub mod budget;
pub mod cache;
pub mod clone;
pub mod compression;
pub mod console;
pub mod crypto;
pub mod engine;
pub mod exec;
pub mod fetch;
#[doc(hidden)]
pub mod fuzzing;
pub mod server;
pub mod state;
pub mod timeouts;
pub mod url;

/// The JS engine component (guest-js), built by build.rs.
pub const ENGINE_WASM: &[u8] = include_bytes!(env!("NANO_ENGINE_WASM"));
