//! Native helpers the JS prelude is built on. They are passed to the prelude
//! as one object and never become globals.

use crate::nano::platform::log;
use crate::wasi::clocks::monotonic_clock;
use rquickjs::{ArrayBuffer, Ctx, Exception, Function, Object, Result, TypedArray, Value};

pub fn install<'js>(ctx: &Ctx<'js>) -> Result<Object<'js>> {
    let native = Object::new(ctx.clone())?;
    native.set("log", Function::new(ctx.clone(), write_log)?)?;
    native.set("now", Function::new(ctx.clone(), now_ms)?)?;
    native.set("random", Function::new(ctx.clone(), random)?)?;
    native.set("utf8Encode", Function::new(ctx.clone(), utf8_encode)?)?;
    native.set("utf8Decode", Function::new(ctx.clone(), utf8_decode)?)?;
    crate::apis::incoming::install(ctx, &native)?;
    crate::apis::fetch::bodies::install(ctx, &native)?;
    crate::apis::url::install(ctx, &native)?;
    crate::apis::clone::install(ctx, &native)?;
    crate::apis::fetch::install(ctx, &native)?;
    crate::apis::crypto::install(ctx, &native)?;
    crate::apis::compression::install(ctx, &native)?;
    Ok(native)
}

fn write_log(level: u32, message: String) {
    let level = match level {
        0 => log::Level::Debug,
        1 => log::Level::Info,
        2 => log::Level::Warn,
        _ => log::Level::Error,
    };
    log::write(level, &message);
}

/// Milliseconds on the host's monotonic clock, with sub-millisecond precision.
pub fn now_ms() -> f64 {
    monotonic_clock::now() as f64 / 1e6
}

/// `Math.random`: xorshift64* seeded lazily from `wasi:random` once per instance.
fn random() -> f64 {
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

/// UTF-8 bytes of a well-formed string (the JS side replaces lone surrogates
/// first, as TextEncoder requires).
fn utf8_encode<'js>(ctx: Ctx<'js>, s: String) -> Result<TypedArray<'js, u8>> {
    TypedArray::new(ctx, s.into_bytes())
}

/// Decodes UTF-8 per the Encoding Standard: U+FFFD for each maximal invalid
/// subsequence, or a TypeError when `fatal`.
fn utf8_decode<'js>(ctx: Ctx<'js>, bytes: Value<'js>, fatal: bool) -> Result<String> {
    let data = bytes_of(&bytes)?;
    if fatal {
        match std::str::from_utf8(&data) {
            Ok(s) => Ok(s.to_owned()),
            Err(_) => Err(Exception::throw_type(&ctx, "The encoded data was not valid utf-8")),
        }
    } else {
        Ok(String::from_utf8_lossy(&data).into_owned())
    }
}

/// Copies the bytes of a Uint8Array, Uint16Array or ArrayBuffer.
pub fn bytes_of<'js>(value: &Value<'js>) -> Result<Vec<u8>> {
    // Copied at once: the pointer is only valid until JS runs again.
    if let Ok(view) = TypedArray::<u8>::from_value(value.clone()) {
        return Ok(view.as_raw().map(|p| unsafe { p.as_ref() }.to_vec()).unwrap_or_default());
    }
    if let Ok(view) = TypedArray::<u16>::from_value(value.clone()) {
        return Ok(view.as_raw().map(|p| unsafe { p.as_ref() }.to_vec()).unwrap_or_default());
    }
    if let Some(buf) = ArrayBuffer::from_value(value.clone()) {
        return Ok(buf.as_raw().map(|p| unsafe { p.as_ref() }.to_vec()).unwrap_or_default());
    }
    Err(rquickjs::Error::new_from_js("value", "Uint8Array"))
}
