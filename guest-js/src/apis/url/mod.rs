//! Native half of `URL` / `URLSearchParams` (url.js): calls into the
//! host's `nano:platform/url`.

use crate::nano::platform::url::{self, Component, UrlParts};
use rquickjs::{Ctx, Exception, Result, Value};

/// The parts in the order url.js reads them.
fn to_list(p: UrlParts) -> Vec<String> {
    vec![p.href, p.origin, p.protocol, p.username, p.password, p.host, p.hostname, p.port, p.pathname, p.search, p.hash]
}

pub fn url_parse<'js>(ctx: Ctx<'js>, input: String, base: Option<String>) -> Result<Value<'js>> {
    match url::parse(&input, base.as_deref()) {
        Some(parts) => rquickjs::IntoJs::into_js(to_list(parts), &ctx),
        None => Ok(Value::new_null(ctx)),
    }
}

const COMPONENTS: [Component; 10] = [
    Component::Href,
    Component::Protocol,
    Component::Username,
    Component::Password,
    Component::Host,
    Component::Hostname,
    Component::Port,
    Component::Pathname,
    Component::Search,
    Component::Hash,
];

pub fn url_set(ctx: Ctx<'_>, href: String, component: usize, value: String) -> Result<Vec<String>> {
    let component = *COMPONENTS.get(component).ok_or_else(|| Exception::throw_range(&ctx, "unknown URL component"))?;
    url::set(&href, component, &value)
        .map(to_list)
        .map_err(|message| Exception::throw_type(&ctx, &message))
}

/// [name, value, name, value, ...]
pub fn query_parse(query: String) -> Vec<String> {
    url::parse_query(&query).into_iter().flat_map(|(n, v)| [n, v]).collect()
}

pub fn query_serialize(flat: Vec<String>) -> String {
    let pairs: Vec<(String, String)> = flat.chunks_exact(2).map(|p| (p[0].clone(), p[1].clone())).collect();
    url::serialize_query(&pairs)
}
