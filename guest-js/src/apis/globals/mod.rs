//! Native half of the global scope (globals.js): `Math.random`, seeded per
//! instance (its state is the instance's, see `instance.rs`).

/// `Math.random`: xorshift64* seeded lazily from `wasi:random` once per instance.
pub fn random() -> f64 {
    crate::instance::with(|i| {
        let mut x = match i.random {
            Some(x) => x,
            None => crate::wasi::random::random::get_random_u64() | 1,
        };
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        i.random = Some(x);
        (x.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64
    })
}
