//! Native half of TextEncoder / TextDecoder (encoding.js): UTF-8 in Rust;
//! every other encoding of the Encoding Standard is a host decoder
//! (`nano:platform/encoding`, on `encoding_rs`), held in the instance's
//! handle table while a stream lasts.

use crate::instance;
use crate::nano::platform::encoding::{self, Decoder, EncodingError};
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

/// Quota errors are a QuotaExceededError DOMException, malformed input in
/// fatal mode (and any other refusal) a TypeError.
fn throw(ctx: &Ctx<'_>, error: EncodingError) -> rquickjs::Error {
    match error {
        EncodingError::Quota(message) => crate::hooks::throw_dom_exception(ctx, "QuotaExceededError", &message),
        EncodingError::Invalid(message) => Exception::throw_type(ctx, &message),
    }
}

/// The lower-case name of the encoding a label stands for (the host's
/// `encoding_rs`), or undefined for an unknown label or `replacement`.
pub fn lookup(label: String) -> Option<String> {
    encoding::lookup(&label)
}

/// A host decoder for a legacy (or UTF-16) encoding, kept in the handle
/// table while its stream lasts.
pub fn decoder_new(ctx: Ctx<'_>, name: String, fatal: bool, ignore_bom: bool) -> Result<u32> {
    let decoder = Decoder::create(&name, fatal, ignore_bom).map_err(|e| throw(&ctx, e))?;
    instance::with(|i| i.handles.insert(decoder)).map_err(|e| Exception::throw_type(&ctx, &e))
}

/// Decodes the next piece (at most 1 MiB: encoding.js splits) of a stream.
pub fn decoder_decode<'js>(ctx: Ctx<'js>, id: u32, bytes: Value<'js>, stream: bool) -> Result<String> {
    let input = bytes_of(&bytes)?;
    let result = instance::with(|i| i.handles.get::<Decoder>(id).map(|d| d.decode(&input, stream)));
    match result {
        Some(result) => result.map_err(|e| throw(&ctx, e)),
        None => Err(Exception::throw_type(&ctx, "the TextDecoder's stream is closed")),
    }
}

/// Drops the host's decoder (and gives back its share of the host budget).
pub fn decoder_drop(id: u32) {
    let decoder = instance::with(|i| i.handles.remove::<Decoder>(id));
    drop(decoder); // outside the instance: dropping calls into the host
}
