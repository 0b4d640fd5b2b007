//! The limits of one app's instances (nano.toml's `[app.limits]` and
//! `[app.outbound]`, or `run`'s flags), and the host side of
//! `nano:platform/limits`: what the engine adapts to. Every limit here is
//! enforced by the host; the guest is told only so that it can fail softly.

use crate::state::State;
use std::time::Duration;

/// What one instance of an app may use.
#[derive(Clone, Debug)]
pub struct AppLimits {
    /// Linear memory of one instance, in bytes.
    pub max_memory: usize,
    /// Time the instance's code may run per request (wasm and the host calls
    /// it makes, not the time it waits on fetches or timers).
    pub cpu_time: Duration,
    /// Wall-clock budget of one request or script; running wasm past it
    /// traps, waiting past it ends the request.
    pub timeout: Duration,
    /// Host memory one instance may hold outside its linear memory (keys,
    /// digest and compression contexts, pending output), in bytes.
    pub host_memory: usize,
    /// Largest structuredClone payload, in bytes of the wire format.
    pub clone_max_bytes: usize,
    /// Deepest nesting structuredClone accepts.
    pub clone_max_depth: usize,
    /// fetch() calls one instance may have in flight.
    pub max_fetches: u32,
    /// How long a fetch() may take to resolve its host, and to connect.
    pub fetch_connect_timeout: Duration,
    /// How long a fetch() may wait for the response head.
    pub fetch_first_byte_timeout: Duration,
    /// How long a fetch() may wait between two pieces of its body.
    pub fetch_between_bytes_timeout: Duration,
    /// Where fetch() may go.
    pub outbound: crate::fetch::OutboundPolicy,
    /// Instances of the app alive at once.
    pub max_concurrency: u32,
    /// Largest request body, in bytes.
    pub max_body: u64,
    /// Largest request head (request line and header fields), in bytes, and
    /// most header fields.
    pub max_header_bytes: usize,
    pub max_headers: usize,
    /// Largest response head the app may send (its header fields), in bytes.
    pub max_response_header_bytes: usize,
}

impl Default for AppLimits {
    fn default() -> Self {
        AppLimits {
            max_memory: 128 << 20,
            cpu_time: Duration::from_secs(30),
            timeout: Duration::from_secs(30),
            host_memory: 64 << 20,
            clone_max_bytes: 64 << 20,
            clone_max_depth: 10_000,
            max_fetches: 1000,
            fetch_connect_timeout: Duration::from_secs(10),
            fetch_first_byte_timeout: Duration::from_secs(60),
            fetch_between_bytes_timeout: Duration::from_secs(60),
            outbound: Default::default(),
            max_concurrency: 1000,
            max_body: 100 << 20,
            max_header_bytes: 64 << 10,
            max_headers: 100,
            max_response_header_bytes: 64 << 10,
        }
    }
}

impl crate::bindings::nano::platform::limits::Host for State {
    fn memory(&mut self) -> u64 {
        self.app.limits.max_memory as u64
    }
}

pub fn add_to_linker(linker: &mut wasmtime::component::Linker<State>) -> wasmtime::Result<()> {
    crate::bindings::nano::platform::limits::add_to_linker::<State, wasmtime::component::HasSelf<State>>(linker, |s| s)
}
