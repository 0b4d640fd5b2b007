//! Native half of the global scope (globals.js): `Math.random`, seeded per
//! instance.

use std::cell::Cell;

thread_local! {
    /// State of `Math.random`. `None` until first use in an instance: the
    /// snapshot must not carry a seed, or every instance would draw the same
    /// numbers.
    static RANDOM_STATE: Cell<Option<u64>> = const { Cell::new(None) };
}

/// Forgets build-time state that must differ per instance (called at the end
/// of pre-initialisation, right before the snapshot is taken).
pub fn forget_instance_state() {
    RANDOM_STATE.with(|s| s.set(None));
}

/// `Math.random`: xorshift64* seeded lazily from `wasi:random` once per instance.
pub fn random() -> f64 {
    RANDOM_STATE.with(|s| {
        let mut x = match s.get() {
            Some(x) => x,
            None => crate::wasi::random::random::get_random_u64() | 1,
        };
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        s.set(Some(x));
        (x.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64
    })
}
