//! Native half of `URL` / `URLSearchParams` (url.js) and `URLPattern`
//! (url_pattern.js): calls into the host's `nano:platform/url`.

use crate::nano::platform::url::{self, Component, UrlParts};
use rquickjs::{qjs, Ctx, Exception, Object, Result, Value};

/// The components a WIT url-parts spans, in its order (nano.wit): url.js
/// reads each by its index here.
pub fn part_names() -> Vec<&'static str> {
    vec!["href", "origin", "protocol", "username", "password", "host", "hostname", "port", "pathname", "search", "hash"]
}

/// `[text, spans]`: the components' text and an array of their [start,
/// end) pairs (url.js slices a component when it is read). Both arrays are
/// made with their elements at once: the spans as a Uint32Array (an
/// ArrayBuffer and a view) cost ≈ 4k wasm instructions per URL, on most
/// requests' path (`new URL(request.url)`).
fn to_js<'js>(ctx: &Ctx<'js>, parts: &UrlParts) -> Result<Value<'js>> {
    let number = |at: u32| match i32::try_from(at) {
        Ok(int) => qjs::JS_MKVAL(qjs::JS_TAG_INT, int),
        Err(_) => qjs::JS_NewFloat64(f64::from(at)),
    };
    let spans = array_from(ctx, parts.spans.iter().map(|&at| number(at)).collect())?;
    let text = rquickjs::String::from_str(ctx.clone(), &parts.text)?.into_value();
    let raw = ctx.as_raw().as_ptr();
    // Safety: live values of this context, each duplicated for the array,
    // which takes that reference over (ours drop as usual).
    let pair = unsafe { vec![qjs::JS_DupValue(raw, text.as_raw()), qjs::JS_DupValue(raw, spans.as_raw())] };
    array_from(ctx, pair)
}

/// A new array of `owned` (JS_NewArrayFrom, which fills its storage in one
/// step and takes over the values' references, freeing them on failure).
fn array_from<'js>(ctx: &Ctx<'js>, owned: Vec<qjs::JSValue>) -> Result<Value<'js>> {
    let raw = ctx.as_raw().as_ptr();
    // Safety: values owned by this call, of this context.
    let array = unsafe { qjs::JS_NewArrayFrom(raw, owned.len() as i32, owned.as_ptr()) };
    // Safety: a new reference, or the exception marker checked next.
    let array = unsafe { Value::from_raw(ctx.clone(), array) };
    if array.is_exception() {
        return Err(rquickjs::Error::Exception);
    }
    Ok(array)
}

/// The href of `parts`: its text up to the end of the first span (spans
/// count UTF-16 code units); all of it when there are no spans.
pub fn href(parts: &UrlParts) -> &str {
    let Some(&end) = parts.spans.get(1) else { return &parts.text };
    // An href is ASCII (the serialiser percent-encodes the rest): its
    // units are its bytes.
    let end = end as usize;
    if parts.text.is_char_boundary(end) && parts.text.as_bytes()[..end].is_ascii() {
        return &parts.text[..end];
    }
    let mut units = 0;
    for (at, c) in parts.text.char_indices() {
        if units >= end {
            return &parts.text[..at];
        }
        units += c.len_utf16();
    }
    &parts.text
}

/// A string argument as a USVString (lone surrogates replaced).
fn usv_string<'js>(ctx: &Ctx<'js>, s: &Value<'js>) -> Result<String> {
    match crate::apis::encoding::well_formed_utf8(ctx, s)? {
        Some(bytes) => Ok(String::from_utf8(bytes).expect("well-formed UTF-8")),
        None => Err(Exception::throw_type(ctx, "a URL must be a string")),
    }
}

/// `input` and `base` (or undefined) are strings, not yet USVStrings:
/// url.js leaves that conversion to this side.
pub fn url_parse<'js>(ctx: Ctx<'js>, input: Value<'js>, base: Value<'js>) -> Result<Value<'js>> {
    let input = usv_string(&ctx, &input)?;
    let base = if base.is_undefined() { None } else { Some(usv_string(&ctx, &base)?) };
    match url::parse(&input, base.as_deref()) {
        Some(parts) => to_js(&ctx, &parts),
        None => Ok(Value::new_null(ctx)),
    }
}

/// The parts of the request's URL as urlParse makes them, for the first
/// `new URL(request.url)` of a request (url.js keeps them for the rest, so
/// they are taken): the host parsed that URL with the request's head, and
/// parsing a URL's serialisation gives the same URL again. Null outside a
/// request (url.js then parses).
pub fn request_url_parts<'js>(ctx: Ctx<'js>) -> Result<Value<'js>> {
    match crate::instance::with(|i| i.request_url.take()) {
        Some(parts) => to_js(&ctx, &parts),
        None => Ok(Value::new_null(ctx)),
    }
}

/// `component` is the WIT url.component case name of the setter (url.js
/// passes the property's name, which is the same).
pub fn url_set<'js>(ctx: Ctx<'js>, href: String, component: Component, value: String) -> Result<Value<'js>> {
    match url::set(&href, component, &value) {
        Ok(parts) => to_js(&ctx, &parts),
        Err(message) => Err(Exception::throw_type(&ctx, &message)),
    }
}

/// [name, value, name, value, ...]
pub fn query_parse(query: String) -> Vec<String> {
    url::parse_query(&query).into_iter().flat_map(|(n, v)| [n, v]).collect()
}

pub fn query_serialize(flat: Vec<String>) -> String {
    let pairs: Vec<(String, String)> = flat.chunks_exact(2).map(|p| (p[0].clone(), p[1].clone())).collect();
    url::serialize_query(&pairs)
}

/// URLPattern's input as url_pattern.js passes it: a string, or (when
/// `text` is null) a dictionary's values in the order protocol, username,
/// password, hostname, port, pathname, search, hash, baseURL.
fn pattern_input(text: Option<String>, init: Option<Vec<Option<String>>>) -> url::PatternInput {
    match text {
        Some(text) => url::PatternInput::Text(text),
        None => {
            let mut values = init.unwrap_or_default().into_iter();
            let mut next = || values.next().flatten();
            url::PatternInput::Init(url::PatternInit {
                protocol: next(),
                username: next(),
                password: next(),
                hostname: next(),
                port: next(),
                pathname: next(),
                search: next(),
                hash: next(),
                base_url: next(),
            })
        }
    }
}

/// `{ hasRegExpGroups, patterns, regexps, groups }`, one entry per component
/// in the order protocol, username, password, hostname,
/// port, pathname, search, hash; a TypeError for an invalid pattern.
pub fn url_pattern_parse<'js>(
    ctx: Ctx<'js>,
    text: Option<String>,
    init: Option<Vec<Option<String>>>,
    base: Option<String>,
    ignore_case: bool,
) -> Result<Object<'js>> {
    let parts = url::pattern_parse(&pattern_input(text, init), base.as_deref(), ignore_case)
        .map_err(|message| Exception::throw_type(&ctx, &message))?;
    let components = [
        parts.protocol,
        parts.username,
        parts.password,
        parts.hostname,
        parts.port,
        parts.pathname,
        parts.search,
        parts.hash,
    ];
    let mut patterns = Vec::new();
    let mut regexps = Vec::new();
    let mut groups = Vec::new();
    for c in components {
        patterns.push(c.pattern);
        regexps.push(c.regexp);
        groups.push(c.groups);
    }
    let result = Object::new(ctx.clone())?;
    result.set("hasRegExpGroups", parts.has_regexp_groups)?;
    result.set("patterns", patterns)?;
    result.set("regexps", regexps)?;
    result.set("groups", groups)?;
    Ok(result)
}

/// The input's components to match (same order as above), or null when it
/// is not a URL; a TypeError for a dictionary with a separate base URL.
pub fn url_pattern_match_input<'js>(
    ctx: Ctx<'js>,
    text: Option<String>,
    init: Option<Vec<Option<String>>>,
    base: Option<String>,
) -> Result<Value<'js>> {
    match url::pattern_match_input(&pattern_input(text, init), base.as_deref()) {
        Ok(Some(m)) => {
            let list = vec![m.protocol, m.username, m.password, m.hostname, m.port, m.pathname, m.search, m.hash];
            rquickjs::IntoJs::into_js(list, &ctx)
        }
        Ok(None) => Ok(Value::new_null(ctx)),
        Err(message) => Err(Exception::throw_type(&ctx, &message)),
    }
}
