//! nano-host: serves JavaScript apps compiled to WebAssembly components, a
//! fresh instance (or one reset in place to exactly that) per request.

pub mod admin;
pub mod admission;
pub mod app;
pub mod app_build;
mod bindings;
pub mod budget;
pub mod cache;
pub mod clone;
pub mod compression;
pub mod console;
pub mod cpu_gate;
pub mod crypto;
pub mod deadline;
pub mod encoding;
pub mod engine;
pub mod env;
pub mod epoch;
pub mod exec;
pub mod fetch;
#[doc(hidden)]
pub mod fuzzing;
pub mod incoming;
pub mod intl;
pub mod limits;
pub mod log_time;
pub mod log_writer;
pub mod manifest;
pub mod metrics;
pub mod modules;
pub mod plan;
pub mod prebuffer;
pub mod reply_batching;
pub mod request_limits;
pub mod reuse;
pub mod routes;
pub mod scaffold;
pub mod server;
pub mod state;
pub mod timeouts;
pub mod url;

/// The JS engine component (guest-js), built by build.rs.
pub const ENGINE_WASM: &[u8] = include_bytes!(env!("NANO_ENGINE_WASM"));
