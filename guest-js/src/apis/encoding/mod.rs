//! Native half of TextEncoder / TextDecoder (encoding.js): UTF-8 in Rust;
//! every other encoding of the Encoding Standard is a host decoder
//! (`nano:platform/encoding`, on `encoding_rs`), held in the instance's
//! handle table while a stream lasts.

use crate::instance;
use crate::nano::platform::encoding::{self, Decoder, EncodingError};
use crate::natives::bytes_of;
use rquickjs::{Ctx, Exception, Result, TypedArray, Value};

/// UTF-8 bytes of a string as a USVString (each lone surrogate U+FFFD, as
/// TextEncoder and body extraction require): callers need no
/// `toWellFormed` copy first.
pub fn utf8_encode<'js>(ctx: Ctx<'js>, s: Value<'js>) -> Result<TypedArray<'js, u8>> {
    match well_formed_utf8(&ctx, &s)? {
        Some(bytes) => TypedArray::new(ctx, bytes),
        None => Err(Exception::throw_type(&ctx, "utf8Encode takes a string")),
    }
}

/// The UTF-8 bytes of a JS string with each lone surrogate replaced by
/// U+FFFD (a USVString, as TextEncoder and body extraction see it); None
/// when `s` is not a string. One copy, and none of the JS work of
/// `toWellFormed` and a Uint8Array.
pub fn well_formed_utf8(ctx: &Ctx<'_>, s: &Value<'_>) -> Result<Option<Vec<u8>>> {
    crate::natives::with_utf8(ctx, s, replace_lone_surrogates)
}

/// QuickJS's UTF-8 of a string (`JS_ToCStringLen`) is valid except that it
/// keeps each lone surrogate as its three-byte form (`ED A0..BF xx`): those
/// become U+FFFD (`EF BF BD`, also three bytes).
fn replace_lone_surrogates(bytes: &[u8]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    if std::str::from_utf8(bytes).is_err() {
        let mut i = 0;
        while i + 2 < out.len() {
            if out[i] == 0xed && out[i + 1] >= 0xa0 {
                out[i..i + 3].copy_from_slice("\u{fffd}".as_bytes());
                i += 3;
            } else {
                i += 1;
            }
        }
    }
    out
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

#[cfg(test)]
mod tests {
    use super::replace_lone_surrogates;

    #[test]
    fn lone_surrogates_become_replacement_characters() {
        // As QuickJS encodes them: a pair as one four-byte sequence, a lone
        // surrogate as its own three bytes.
        assert_eq!(replace_lone_surrogates("a\u{e9}\u{1f600}".as_bytes()), "a\u{e9}\u{1f600}".as_bytes());
        assert_eq!(replace_lone_surrogates(b"a\xed\xa0\x80b"), "a\u{fffd}b".as_bytes());
        assert_eq!(replace_lone_surrogates(b"\xed\xbf\xbf\xed\xa0\x80"), "\u{fffd}\u{fffd}".as_bytes());
        // U+D7FF is no surrogate.
        assert_eq!(replace_lone_surrogates("\u{d7ff}\u{fffd}".as_bytes()), "\u{d7ff}\u{fffd}".as_bytes());
        assert_eq!(replace_lone_surrogates(b"\xed\xa0\x80\xf0\x9f\x98\x80"), "\u{fffd}\u{1f600}".as_bytes());
    }
}
