//! Native checks of header names and values (headers.js), and of WebIDL
//! ByteStrings (webidl.js): on every request's path, where the same checks
//! as regular expressions cost thousands of instructions each (QuickJS runs
//! `search`, `test` and `replace` through the generic RegExp protocol, with
//! a result object per match). Each takes a JS string and answers without
//! copying it when it is ASCII (QuickJS lends its bytes), and returns the
//! string itself when it needs no change. A `null` answer sends the caller
//! to its JS path, which builds the precise error.

use crate::natives::with_utf8;
use rquickjs::{qjs, Ctx, Object, Result, Value};

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
    Ok(match lowercase_name(&ctx, s)? {
        Some((name, _)) => name,
        None => Value::new_null(ctx),
    })
}

/// A header name lowercased, and whether it is `content-type`; None when it
/// is not a token.
fn lowercase_name<'js>(ctx: &Ctx<'js>, s: Value<'js>) -> Result<Option<(Value<'js>, bool)>> {
    let lowered = with_utf8(ctx, &s, |bytes| {
        if bytes.is_empty() || !bytes.iter().all(|&b| is_token_byte(b)) {
            return Err(());
        }
        // A token is ASCII, so its bytes are its characters.
        let lower = bytes.iter().any(u8::is_ascii_uppercase).then(|| bytes.to_ascii_lowercase());
        Ok((lower, bytes.eq_ignore_ascii_case(b"content-type")))
    })?;
    Ok(match lowered {
        Some(Ok((None, content_type))) => Some((s, content_type)),
        Some(Ok((Some(lower), content_type))) => {
            let lower = String::from_utf8(lower).expect("a token is ASCII");
            Some((rquickjs::String::from_str(ctx.clone(), &lower)?.into_value(), content_type))
        }
        _ => None,
    })
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

/// QuickJS's class of ordinary objects (`JS_CLASS_OBJECT` in quickjs.c,
/// the first class): not a proxy, an array or another exotic object, so
/// listing its keys and reading its descriptors runs no app code.
const ORDINARY_OBJECT: qjs::JSClassID = 1;

/// `headerRecord(list, init, objectPrototype)`: a HeadersInit record
/// (`{ 'content-type': … }`, most apps' headers) appended to a Headers
/// object's list (as `[name, value]` pairs) natively, when nothing about it
/// is observable (see [`record_pairs_of`]). Otherwise nothing is appended
/// and the answer is false: the caller takes WebIDL's steps in JS (each
/// member read and converted, then appended), reading the same data
/// properties again, and builds the precise error.
pub fn header_record<'js>(
    ctx: Ctx<'js>,
    list: rquickjs::Array<'js>,
    init: Value<'js>,
    object_prototype: Object<'js>,
) -> Result<bool> {
    let Some((pairs, _)) = record_pairs_of(&ctx, &init, &object_prototype)? else { return Ok(false) };
    for (name, value) in pairs {
        let pair = rquickjs::Array::new(ctx.clone())?;
        pair.set(0, name)?;
        pair.set(1, value)?;
        list.set(list.len(), pair)?;
    }
    Ok(true)
}

/// `flatHeaderRecord(init, objectPrototype, contentType)`: what a Response
/// keeps of a HeadersInit record until its Headers object is made, its
/// header list flat (`[name, value, …]`), made natively when nothing about
/// the record is observable (see [`record_pairs_of`]); with `contentType`
/// (a string body's type, or null) appended when the record has no
/// `content-type`, as the body's extraction would. Null otherwise: the
/// caller makes a Headers object of `init` in JS.
pub fn flat_header_record<'js>(
    ctx: Ctx<'js>,
    init: Value<'js>,
    object_prototype: Object<'js>,
    content_type: Value<'js>,
) -> Result<Value<'js>> {
    let Some((pairs, has_content_type)) = record_pairs_of(&ctx, &init, &object_prototype)? else {
        return Ok(Value::new_null(ctx));
    };
    let list = rquickjs::Array::new(ctx.clone())?;
    let mut at = 0;
    for (name, value) in pairs {
        list.set(at, name)?;
        list.set(at + 1, value)?;
        at += 2;
    }
    if !has_content_type && content_type.is_string() {
        list.set(at, "content-type")?;
        list.set(at + 1, content_type)?;
    }
    Ok(list.into_value())
}

/// A record's members as normalized header pairs (name, value), and whether
/// one of them is `content-type`.
type RecordPairs<'js> = (Vec<(Value<'js>, Value<'js>)>, bool);

/// A HeadersInit record's members as normalized header pairs, and whether
/// one of them is `content-type`; None when reading it natively could be
/// observed: `init` must be an ordinary object whose own enumerable members
/// are data properties, their keys and values strings that are valid
/// header names and values.
///
/// Its prototype must be `objectPrototype` (the prelude's
/// `Object.prototype`) or null, with no `Symbol.iterator` on the way: a
/// record, not a sequence, is then what WebIDL sees, found without reading
/// `init[Symbol.iterator]` (an ordinary object's chain has no getter to
/// run for `in`). So a Response can try this before it makes a Headers
/// object, which would read that member first.
fn record_pairs_of<'js>(
    ctx: &Ctx<'js>,
    init: &Value<'js>,
    object_prototype: &Object<'js>,
) -> Result<Option<RecordPairs<'js>>> {
    // Safety: `init` is a live value of this context.
    let Some(object) = init.as_object().filter(|_| unsafe { qjs::JS_GetClassID(init.as_raw()) } == ORDINARY_OBJECT)
    else {
        return Ok(None);
    };
    if object.get_prototype().is_some_and(|proto| proto != *object_prototype) {
        return Ok(None);
    }
    let raw = ctx.as_raw().as_ptr();
    // `Symbol.iterator in init` by its atom (a static one, never freed):
    // no Symbol value made and turned back into an atom.
    // Safety: `init` is a live object of this context.
    match unsafe { qjs::JS_HasProperty(raw, init.as_raw(), qjs::JS_ATOM_Symbol_iterator as qjs::JSAtom) } {
        0 => {}
        found if found > 0 => return Ok(None),
        _ => return Err(rquickjs::Error::Exception),
    }
    let mut tab = std::ptr::null_mut();
    let mut len = 0u32;
    let flags = qjs::JS_GPN_STRING_MASK | qjs::JS_GPN_SYMBOL_MASK | qjs::JS_GPN_ENUM_ONLY;
    // Safety: as above; the table is freed below, after its last use.
    if unsafe { qjs::JS_GetOwnPropertyNames(raw, &mut tab, &mut len, init.as_raw(), flags as i32) } < 0 {
        return Err(rquickjs::Error::Exception);
    }
    let atoms: Vec<qjs::JSAtom> = (0..len as usize).map(|i| unsafe { (*tab.add(i)).atom }).collect();
    let pairs = record_pairs(ctx, init, &atoms);
    // Safety: the table JS_GetOwnPropertyNames made, freed once.
    unsafe { qjs::JS_FreePropertyEnum(raw, tab, len) };
    pairs
}

/// The record's members as normalized header pairs, and whether one is
/// `content-type`; None if one is not a data property with a valid name
/// and value.
fn record_pairs<'js>(ctx: &Ctx<'js>, init: &Value<'js>, atoms: &[qjs::JSAtom]) -> Result<Option<RecordPairs<'js>>> {
    let raw = ctx.as_raw().as_ptr();
    let mut pairs = Vec::with_capacity(atoms.len());
    let mut has_content_type = false;
    for &atom in atoms {
        // Safety: JS_AtomToValue returns a new reference, owned by `key`.
        let key = unsafe { Value::from_raw(ctx.clone(), qjs::JS_AtomToValue(raw, atom)) };
        if !key.is_string() {
            return Ok(None);
        }
        let mut desc = std::mem::MaybeUninit::<qjs::JSPropertyDescriptor>::uninit();
        // Safety: an ordinary object's own property: no app code runs. On
        // 1 the descriptor holds three new references, each owned below.
        let found = unsafe { qjs::JS_GetOwnProperty(raw, desc.as_mut_ptr(), init.as_raw(), atom) };
        if found < 0 {
            return Err(rquickjs::Error::Exception);
        }
        if found == 0 {
            return Ok(None);
        }
        let desc = unsafe { desc.assume_init() };
        let (value, getter, setter) = unsafe {
            (
                Value::from_raw(ctx.clone(), desc.value),
                Value::from_raw(ctx.clone(), desc.getter),
                Value::from_raw(ctx.clone(), desc.setter),
            )
        };
        drop((getter, setter));
        if desc.flags as u32 & qjs::JS_PROP_GETSET != 0 || !value.is_string() {
            return Ok(None);
        }
        let Some((name, content_type)) = lowercase_name(ctx, key)? else { return Ok(None) };
        let value = header_value(ctx.clone(), value)?;
        if value.is_null() {
            return Ok(None);
        }
        has_content_type |= content_type;
        pairs.push((name, value));
    }
    Ok(Some((pairs, has_content_type)))
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
