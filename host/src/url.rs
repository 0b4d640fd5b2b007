//! `nano:platform/url`: the WHATWG URL parser and setters, on `ada-url`
//! (Ada, the parser Node.js uses, which tracks the URL Standard closely
//! enough to pass all of the WPT URL data), and the
//! application/x-www-form-urlencoded codec on the `url` crate.
//!
//! The `url` crate was the first choice; on the WPT data it misses 76 of
//! 1,143 cases (file hosts with drive letters, opaque paths with trailing
//! spaces, `^` in paths, blob origins, ...), so parsing moved to Ada. Ada
//! in turn accepts `xn--` labels that are not valid Punycode; those are
//! checked with `idna` (the URL Standard's domain-to-ASCII, as the `url`
//! crate does it).

use crate::bindings::nano::platform::url::{Component, Host, UrlParts};
use crate::state::State;
use ada_url::{HostType, SchemeType, Url};

/// Parses like the URL Standard's basic URL parser.
fn parse(input: &str, base: Option<&str>) -> Option<Url> {
    Url::parse(input, base).ok().filter(valid_punycode)
}

/// A special URL's domain with an `xn--` label must decode to a valid
/// domain (Ada does not check the Punycode itself).
fn valid_punycode(url: &Url) -> bool {
    let special = !matches!(url.scheme_type(), SchemeType::NotSpecial);
    let domain = matches!(url.host_type(), HostType::Domain);
    let hostname = url.hostname();
    if !special || !domain || !hostname.contains("xn--") {
        return true;
    }
    idna::domain_to_ascii(hostname).is_ok()
}

fn parts(url: &Url) -> UrlParts {
    UrlParts {
        href: url.href().to_string(),
        origin: url.origin(),
        protocol: url.protocol().to_string(),
        username: url.username().to_string(),
        password: url.password().to_string(),
        host: url.host().to_string(),
        hostname: url.hostname().to_string(),
        port: url.port().to_string(),
        pathname: url.pathname().to_string(),
        search: url.search().to_string(),
        hash: url.hash().to_string(),
    }
}

impl Host for State {
    fn parse(&mut self, input: String, base: Option<String>) -> Option<UrlParts> {
        parse(&input, base.as_deref()).map(|url| parts(&url))
    }

    fn set(&mut self, href: String, component: Component, value: String) -> Result<UrlParts, String> {
        let original = parse(&href, None).ok_or_else(|| format!("Invalid URL: {href}"))?;
        let mut url = original.clone();
        // Setters that the standard says ignore a value leave the URL as it was.
        let _ = match component {
            Component::Href => {
                url.set_href(&value).map_err(|_| format!("Invalid URL: {value}"))?;
                Ok(())
            }
            Component::Protocol => url.set_protocol(&value),
            Component::Username => url.set_username(Some(&value)),
            Component::Password => url.set_password(Some(&value)),
            Component::Host => url.set_host(Some(&value)),
            Component::Hostname => url.set_hostname(Some(&value)),
            Component::Port => url.set_port(Some(&value)),
            Component::Pathname => url.set_pathname(Some(&value)),
            Component::Search => {
                url.set_search(Some(&value));
                Ok(())
            }
            Component::Hash => {
                url.set_hash(Some(&value));
                Ok(())
            }
        };
        if !valid_punycode(&url) {
            if component == Component::Href {
                return Err(format!("Invalid URL: {value}"));
            }
            // A host or hostname setter given an invalid domain changes nothing.
            return Ok(parts(&original));
        }
        Ok(parts(&url))
    }

    fn parse_query(&mut self, query: String) -> Vec<(String, String)> {
        url::form_urlencoded::parse(query.as_bytes()).into_owned().collect()
    }

    fn serialize_query(&mut self, pairs: Vec<(String, String)>) -> String {
        url::form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish()
    }
}

pub fn add_to_linker(linker: &mut wasmtime::component::Linker<State>) -> wasmtime::Result<()> {
    crate::bindings::nano::platform::url::add_to_linker::<State, wasmtime::component::HasSelf<State>>(linker, |s| s)
}
