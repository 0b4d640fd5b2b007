//! Native half of the timers and `performance.now()` (timers.js): the
//! host's monotonic clock. The event loop (event_loop.rs) sleeps in the host
//! until the next timer is due.

use crate::wasi::clocks::monotonic_clock;

/// Milliseconds on the host's monotonic clock, with sub-millisecond precision.
pub fn now_ms() -> f64 {
    monotonic_clock::now() as f64 / 1e6
}
