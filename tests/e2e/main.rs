//! End-to-end tests: real components built by the real `nano-host`, served on
//! 127.0.0.1, driven over HTTP; scripts run with `nano-host exec`.

mod common;
// The guest's handle table, unit-tested natively (it depends on nothing).
#[path = "../../guest-js/src/handles.rs"]
mod handles;
mod serve;
mod streaming;
mod build;
mod hardening_build;
mod exec;
mod fetch;
mod fuzz_seeds;
mod hardening;
mod hardening_compression;
mod hardening_outbound;
mod node_crosscheck;
mod soak;
mod upstream;
mod wpt_url;
