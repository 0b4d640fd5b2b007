//! ECMAScript's Number::toString (radix 10) for QuickJS: the patched
//! `js_dtoa` (patches/README.md, number-to-string) calls this for every
//! shortest-form conversion (`String(x)`, templates, `JSON.stringify`).
//! Ryu finds the shortest digits that round-trip, as the standard asks:
//! a non-integer's conversion costs 1.2–1.5k wasm instructions more than
//! an integer's, against 2.9–4.7k with QuickJS's big-number algorithm.

/// Writes `d`'s string and a NUL into `buf`, which holds at least 26
/// bytes (QuickJS's callers pass 128), and returns the string's length.
///
/// # Safety
/// `buf` must be valid for 26 bytes of writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nano_number_to_string(d: f64, buf: *mut u8) -> usize {
    let mut ryu = ryu_js::Buffer::new();
    let text = ryu.format(d).as_bytes();
    // SAFETY: ryu-js writes at most 25 bytes ("-2.2250738585072014e-308"
    // is 24); the caller's buffer holds 26.
    unsafe {
        std::ptr::copy_nonoverlapping(text.as_ptr(), buf, text.len());
        *buf.add(text.len()) = 0;
    }
    text.len()
}

#[cfg(test)]
mod tests {
    use super::nano_number_to_string;

    fn to_string(d: f64) -> String {
        let mut buf = [0xffu8; 26];
        let len = unsafe { nano_number_to_string(d, buf.as_mut_ptr()) };
        assert_eq!(buf[len], 0, "NUL-terminated");
        String::from_utf8(buf[..len].to_vec()).unwrap()
    }

    #[test]
    fn formats_as_number_to_string() {
        // Expected strings as Node.js prints String(x).
        for (d, expected) in [
            (0.1 + 0.2, "0.30000000000000004"),
            (1e21, "1e+21"),
            (1e20, "100000000000000000000"),
            (1.5e-7, "1.5e-7"),
            (1e-6, "0.000001"),
            (5e-324, "5e-324"),
            (-0.0, "0"),
            (f64::NAN, "NaN"),
            (f64::NEG_INFINITY, "-Infinity"),
            (-2.2250738585072014e-308, "-2.2250738585072014e-308"),
            (f64::MAX, "1.7976931348623157e+308"),
            (123.0, "123"),
            (-1.5, "-1.5"),
        ] {
            assert_eq!(to_string(d), expected, "{d:e}");
        }
    }
}
