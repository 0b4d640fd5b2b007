//! End-to-end tests: real components built by the real `nano-host`, served on
//! 127.0.0.1, driven over HTTP; scripts run with `nano-host exec`.

mod build;
mod common;
mod cost;
mod deploy;
mod exec;
mod fetch;
mod fetch_tls;
mod fuzz_seeds;
mod hardening;
mod hardening_build;
mod hardening_compression;
mod hardening_outbound;
mod hosting;
mod isolation;
mod modules;
mod node_crosscheck;
mod serve;
mod slot_memory;
mod soak;
mod streaming;
mod upstream;
mod warm_up;
mod webassembly;
mod wpt_url;
mod wpt_urlpattern;
