//! Native half of `URL` / `URLSearchParams` (url.js): calls into the
//! host's `nano:platform/url`.

use crate::nano::platform::url::{self, Component, UrlParts};
use rquickjs::{Ctx, Exception, Result, Value};

/// The names of the WIT url-parts fields, in the order `url_parse` and
/// `url_set` list their values (generated from the WIT): url.js reads the
/// parts by these names.
pub fn part_names() -> Vec<&'static str> {
    UrlParts::WIT_FIELDS.to_vec()
}

/// The parts' values, in the order of `part_names`.
fn to_list(parts: UrlParts) -> Vec<String> {
    Vec::from(parts.into_wit_values())
}

pub fn url_parse<'js>(ctx: Ctx<'js>, input: String, base: Option<String>) -> Result<Value<'js>> {
    match url::parse(&input, base.as_deref()) {
        Some(parts) => rquickjs::IntoJs::into_js(to_list(parts), &ctx),
        None => Ok(Value::new_null(ctx)),
    }
}

/// `component` is the WIT url.component case name of the setter (url.js
/// passes the property's name, which is the same).
pub fn url_set(ctx: Ctx<'_>, href: String, component: Component, value: String) -> Result<Vec<String>> {
    url::set(&href, component, &value).map(to_list).map_err(|message| Exception::throw_type(&ctx, &message))
}

/// [name, value, name, value, ...]
pub fn query_parse(query: String) -> Vec<String> {
    url::parse_query(&query).into_iter().flat_map(|(n, v)| [n, v]).collect()
}

pub fn query_serialize(flat: Vec<String>) -> String {
    let pairs: Vec<(String, String)> = flat.chunks_exact(2).map(|p| (p[0].clone(), p[1].clone())).collect();
    url::serialize_query(&pairs)
}
