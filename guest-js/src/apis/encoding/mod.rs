//! Native half of TextEncoder / TextDecoder (encoding.js): UTF-8 in Rust.

use crate::natives::bytes_of;
use rquickjs::{Ctx, Exception, Result, TypedArray, Value};

/// UTF-8 bytes of a well-formed string (the JS side replaces lone surrogates
/// first, as TextEncoder requires).
pub fn utf8_encode<'js>(ctx: Ctx<'js>, s: String) -> Result<TypedArray<'js, u8>> {
    TypedArray::new(ctx, s.into_bytes())
}

/// Decodes UTF-8 per the Encoding Standard: U+FFFD for each maximal invalid
/// subsequence, or a TypeError when `fatal`.
pub fn utf8_decode<'js>(ctx: Ctx<'js>, bytes: Value<'js>, fatal: bool) -> Result<String> {
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
