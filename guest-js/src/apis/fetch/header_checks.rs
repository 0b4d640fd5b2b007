//! Native checks of header names and values (headers.js), and of WebIDL
//! ByteStrings (webidl.js): on every request's path, where the same checks
//! as regular expressions cost thousands of instructions each (QuickJS runs
//! `search`, `test` and `replace` through the generic RegExp protocol, with
//! a result object per match). Each takes a JS string and answers without
//! copying it when it is ASCII (QuickJS lends its bytes), and returns the
//! string itself when it needs no change. A `null` answer sends the caller
//! to its JS path, which builds the precise error.

use rquickjs::{qjs, Ctx, Result, Value};

/// Runs `f` on the string's UTF-8 bytes (lone surrogates as CESU-8; a JS
/// string's code units up to U+00FF are exactly the one-byte and
/// `C2`/`C3`-led two-byte sequences).
fn with_utf8<R>(ctx: &Ctx<'_>, s: &Value<'_>, f: impl FnOnce(&[u8]) -> R) -> Result<Option<R>> {
    if !s.is_string() {
        return Ok(None);
    }
    let mut len = 0usize;
    // Safety: `s` is a live string of this context; the pointer stays valid
    // until JS_FreeCString, and nothing runs JS in between.
    unsafe {
        let ptr = qjs::JS_ToCStringLen(ctx.as_raw().as_ptr(), &mut len, s.as_raw());
        if ptr.is_null() {
            return Err(rquickjs::Error::Exception);
        }
        let answer = f(std::slice::from_raw_parts(ptr.cast::<u8>(), len));
        qjs::JS_FreeCString(ctx.as_raw().as_ptr(), ptr);
        Ok(Some(answer))
    }
}

/// Whether every code unit is at most U+00FF.
fn is_byte_string_utf8(bytes: &[u8]) -> bool {
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            0..=0x7f => i += 1,
            // U+0080..U+00FF; the continuation byte is there (valid UTF-8).
            0xc2 | 0xc3 => i += 2,
            _ => return false,
        }
    }
    true
}

/// RFC 9110's `tchar`.
fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

fn is_http_whitespace(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | b'\r' | b' ')
}

/// `isByteString(s)`: whether the string is a WebIDL ByteString.
pub fn is_byte_string<'js>(ctx: Ctx<'js>, s: Value<'js>) -> Result<bool> {
    Ok(with_utf8(&ctx, &s, is_byte_string_utf8)?.unwrap_or(false))
}

/// `headerName(s)`: the name lowercased, or null when it is not a token.
pub fn header_name<'js>(ctx: Ctx<'js>, s: Value<'js>) -> Result<Value<'js>> {
    let lowered = with_utf8(&ctx, &s, |bytes| {
        if bytes.is_empty() || !bytes.iter().all(|&b| is_token_byte(b)) {
            return Err(());
        }
        // A token is ASCII, so its bytes are its characters.
        Ok(bytes.iter().any(u8::is_ascii_uppercase).then(|| bytes.to_ascii_lowercase()))
    })?;
    match lowered {
        Some(Ok(None)) => Ok(s),
        Some(Ok(Some(lower))) => {
            let lower = String::from_utf8(lower).expect("a token is ASCII");
            Ok(rquickjs::String::from_str(ctx, &lower)?.into_value())
        }
        _ => Ok(Value::new_null(ctx)),
    }
}

/// `headerValue(s)`: the value without leading and trailing HTTP
/// whitespace, or null when it is not a ByteString or holds NUL, CR or LF.
pub fn header_value<'js>(ctx: Ctx<'js>, s: Value<'js>) -> Result<Value<'js>> {
    let trimmed = with_utf8(&ctx, &s, |bytes| {
        let start = bytes.iter().position(|&b| !is_http_whitespace(b)).unwrap_or(bytes.len());
        let end = bytes.iter().rposition(|&b| !is_http_whitespace(b)).map_or(start, |i| i + 1);
        let inner = &bytes[start..end];
        if !is_byte_string_utf8(inner) || inner.iter().any(|&b| matches!(b, 0 | b'\r' | b'\n')) {
            return Err(());
        }
        // Cut at ASCII whitespace: still UTF-8.
        Ok((inner.len() != bytes.len()).then(|| String::from_utf8_lossy(inner).into_owned()))
    })?;
    match trimmed {
        Some(Ok(None)) => Ok(s),
        Some(Ok(Some(inner))) => Ok(rquickjs::String::from_str(ctx, &inner)?.into_value()),
        _ => Ok(Value::new_null(ctx)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_strings_are_the_code_units_up_to_ff() {
        assert!(is_byte_string_utf8(b""));
        assert!(is_byte_string_utf8("abc\u{0}\u{7f}\u{80}\u{ff}".as_bytes()));
        assert!(!is_byte_string_utf8("\u{100}".as_bytes()));
        assert!(!is_byte_string_utf8("a\u{20ac}".as_bytes()));
        assert!(!is_byte_string_utf8("\u{1f600}".as_bytes()));
        // A lone surrogate as QuickJS encodes it (CESU-8).
        assert!(!is_byte_string_utf8(&[0xed, 0xa0, 0x80]));
    }

    #[test]
    fn names_and_values_against_the_js_engine() {
        let runtime = rquickjs::Runtime::new().unwrap();
        let context = rquickjs::Context::full(&runtime).unwrap();
        context.with(|ctx| {
            let js = |s: &str| rquickjs::String::from_str(ctx.clone(), s).unwrap().into_value();
            let name = |s: &str| header_name(ctx.clone(), js(s)).unwrap().as_string().map(|s| s.to_string().unwrap());
            let value = |s: &str| header_value(ctx.clone(), js(s)).unwrap().as_string().map(|s| s.to_string().unwrap());
            assert_eq!(name("Content-Type").as_deref(), Some("content-type"));
            assert_eq!(name("x-a!#$%&'*+-.^_`|~9").as_deref(), Some("x-a!#$%&'*+-.^_`|~9"));
            for bad in ["", "a b", "a:b", "a\u{e9}", "(x)", "a\u{100}"] {
                assert_eq!(name(bad), None, "{bad:?}");
            }
            assert_eq!(value(" \t text/plain \r\n").as_deref(), Some("text/plain"));
            assert_eq!(value("caf\u{e9}").as_deref(), Some("caf\u{e9}"));
            assert_eq!(value(" \t ").as_deref(), Some(""));
            assert_eq!(value("").as_deref(), Some(""));
            for bad in ["a\rb", "a\nb", "a\u{0}b", "\u{20ac}", " x\u{100} "] {
                assert_eq!(value(bad), None, "{bad:?}");
            }
            // Not a string: the JS side converts first.
            assert!(header_name(ctx.clone(), Value::new_int(ctx.clone(), 1)).unwrap().is_null());
        });
    }
}
