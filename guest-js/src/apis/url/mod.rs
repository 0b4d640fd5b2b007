//! Native half of `URL` / `URLSearchParams` (url.js) and `URLPattern`
//! (url_pattern.js): calls into the host's `nano:platform/url`.

use crate::nano::platform::url::{self, Component, UrlParts};
use rquickjs::{Array, Ctx, Exception, Object, Result, TypedArray, Value};

/// The components a WIT url-parts spans, in its order (nano.wit): url.js
/// reads each by its index here.
pub fn part_names() -> Vec<&'static str> {
    vec!["href", "origin", "protocol", "username", "password", "host", "hostname", "port", "pathname", "search", "hash"]
}

/// `[text, spans]`: the components' text and a Uint32Array of their
/// [start, end) pairs (url.js slices a component when it is read).
fn to_js<'js>(ctx: &Ctx<'js>, parts: UrlParts) -> Result<Value<'js>> {
    let pair = Array::new(ctx.clone())?;
    pair.set(0, parts.text)?;
    pair.set(1, TypedArray::<u32>::new(ctx.clone(), parts.spans)?)?;
    Ok(pair.into_value())
}

/// The href of `parts`: its text up to the end of the first span (spans
/// count UTF-16 code units); all of it when there are no spans.
pub fn href(parts: &UrlParts) -> &str {
    let Some(&end) = parts.spans.get(1) else { return &parts.text };
    let mut units = 0;
    for (at, c) in parts.text.char_indices() {
        if units >= end as usize {
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
    // `new URL(request.url)`: the host parsed that URL with the request's
    // head, and parsing a URL's serialisation gives the same URL again.
    let request_url = match base {
        None => crate::instance::with(|i| i.request_url.as_ref().filter(|parts| href(parts) == input).cloned()),
        Some(_) => None,
    };
    match request_url.or_else(|| url::parse(&input, base.as_deref())) {
        Some(parts) => to_js(&ctx, parts),
        None => Ok(Value::new_null(ctx)),
    }
}

/// `component` is the WIT url.component case name of the setter (url.js
/// passes the property's name, which is the same).
pub fn url_set<'js>(ctx: Ctx<'js>, href: String, component: Component, value: String) -> Result<Value<'js>> {
    match url::set(&href, component, &value) {
        Ok(parts) => to_js(&ctx, parts),
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
