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
//!
//! URLPattern's parsing is the `urlpattern` crate's (Deno's), through its
//! `quirks` API: the host turns a pattern into each component's pattern
//! string, ECMAScript regular expression source and group names, and turns
//! test / exec inputs into components; the guest compiles and runs the
//! expressions as JS `RegExp`s, as the standard specifies.

use crate::bindings::nano::platform::url::{
    Component, Host, PatternComponent, PatternInput, PatternMatchParts, PatternParts, UrlParts,
};
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

/// The components `url-parts` spans, in its order (nano.wit).
pub const PART_NAMES: [&str; 11] =
    ["href", "origin", "protocol", "username", "password", "host", "hostname", "port", "pathname", "search", "hash"];

/// `input` parsed without a base, as components; none when it is no URL.
pub fn parse_parts(input: &str) -> Option<UrlParts> {
    parse(input, None).map(|url| parts(&url))
}

/// The URL of a request a client sent (`scheme://authority` and the
/// request target's path and query), as components: what `parse_parts`
/// gives for their concatenation. Most requests' URLs are already as the
/// URL Standard serialises them (an `http`/`https` scheme, a lowercase
/// domain or dotted IPv4 address, a port that is not the default, a path
/// and query of characters the parser keeps as they are, no dot segments),
/// and their components are then cut out of the text as it came, without
/// Ada (a parse and eleven getters on every request's path); anything else
/// goes to Ada. None when it is no URL.
pub fn request_parts(scheme: &str, authority: &str, path_and_query: &str) -> Option<UrlParts> {
    // Pushed, not `format!`ed: that grew the string twice on every request.
    let mut text = String::with_capacity(scheme.len() + 3 + authority.len() + path_and_query.len());
    for part in [scheme, "://", authority, path_and_query] {
        text.push_str(part);
    }
    match serialized_request_url(scheme, authority, path_and_query) {
        Some(spans) => Some(UrlParts { text, spans: spans.to_vec() }),
        None => parse_parts(&text),
    }
}

/// The spans (`PART_NAMES`' order) of `scheme://authority path_and_query`
/// if that is already the URL's serialisation, checked conservatively: a
/// `None` only means "ask Ada". All ASCII, so bytes are UTF-16 units.
fn serialized_request_url(scheme: &str, authority: &str, path_and_query: &str) -> Option<[u32; 22]> {
    let default_port = match scheme {
        "http" => "80",
        "https" => "443",
        _ => return None,
    };
    let (hostname, port) = match authority.split_once(':') {
        Some((hostname, port)) => (hostname, Some(port)),
        None => (authority, None),
    };
    if !serialized_host(hostname) {
        return None;
    }
    if let Some(port) = port {
        // The parser drops a default port and leading zeros, and refuses
        // more than 16 bits.
        let digits = !port.is_empty() && port.len() <= 5 && port.bytes().all(|b| b.is_ascii_digit());
        if !digits || port.starts_with('0') || port == default_port || port.parse::<u32>().ok()? > 65535 {
            return None;
        }
    }
    let (path, query) = match path_and_query.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (path_and_query, None),
    };
    if !path.starts_with('/') || !path.bytes().all(|b| kept_in_path(b) || b == b'\'') {
        return None;
    }
    // Dot segments are removed, `%2e` ones too (any `%2e` goes to Ada).
    let dot_segment = |segment: &str| segment == "." || segment == "..";
    if path.split('/').any(dot_segment) || path.as_bytes().windows(3).any(|w| w.eq_ignore_ascii_case(b"%2e")) {
        return None;
    }
    // An empty query serialises as "?" with an empty `search`: Ada's.
    if let Some(query) = query {
        if query.is_empty() || !query.bytes().all(|b| kept_in_path(b) || b == b'?') {
            return None;
        }
    }
    let host_start = scheme.len() + 3;
    let host_end = host_start + authority.len();
    let path_end = host_end + path.len();
    let end = path_end + query.map_or(0, |q| q.len() + 1);
    let none = (0, 0);
    let port = match port {
        Some(_) => (host_start + hostname.len() + 1, host_end),
        None => none,
    };
    let search = if query.is_some() { (path_end, end) } else { none };
    let components = [
        (0, end),                                  // href
        (0, host_end),                             // origin
        (0, scheme.len() + 1),                     // protocol
        none,                                      // username
        none,                                      // password
        (host_start, host_end),                    // host
        (host_start, host_start + hostname.len()), // hostname
        port,                                      // port
        (host_end, path_end),                      // pathname
        search,                                    // search
        none,                                      // hash
    ];
    let mut spans = [0; 22];
    for (i, (start, end)) in components.into_iter().enumerate() {
        spans[2 * i] = u32::try_from(start).ok()?;
        spans[2 * i + 1] = u32::try_from(end).ok()?;
    }
    Some(spans)
}

/// A host the parser serialises as it is: a lowercase ASCII domain whose
/// labels are not empty, with no `xn--` (Punycode, which `valid_punycode`
/// checks after Ada) and whose last label does not start with a digit (that
/// may make it an IPv4 address), or a dotted IPv4 address of four decimal
/// parts without leading zeros.
fn serialized_host(host: &str) -> bool {
    let Some(last) = host.rsplit('.').next() else { return false };
    if last.starts_with(|c: char| c.is_ascii_digit()) {
        let mut parts = 0;
        for part in host.split('.') {
            parts += 1;
            let decimal = !part.is_empty() && part.len() <= 3 && part.bytes().all(|b| b.is_ascii_digit());
            if !decimal || (part.len() > 1 && part.starts_with('0')) || part.parse::<u32>().map_or(true, |n| n > 255) {
                return false;
            }
        }
        return parts == 4;
    }
    !host.contains("xn--")
        && host.split('.').all(|label| {
            !label.is_empty() && label.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        })
}

/// A byte the parser keeps as it is in a special URL's query and path
/// (which keeps `'` too): unreserved and sub-delims but `'`, `:`, `@`, `/`
/// and `%`.
fn kept_in_path(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._~!$&()*+,;=:@/%".contains(&b)
}

fn parts(url: &Url) -> UrlParts {
    let href = url.href();
    let built;
    let origin = match origin_in_href(url, href) {
        Some(origin) => origin,
        None => {
            built = url.origin();
            built.as_str()
        }
    };
    let values = [
        href,
        origin,
        url.protocol(),
        url.username(),
        url.password(),
        url.host(),
        url.hostname(),
        url.port(),
        url.pathname(),
        url.search(),
        url.hash(),
    ];
    spanned(href, &values)
}

/// The origin of a URL whose origin is the start of its href, up to the
/// end of its host: a special scheme's but file's (`scheme://host[:port]`,
/// the default port already left out of both), when it has no username or
/// password. Read there rather than built anew by Ada (two allocations and
/// a copy on every request's URL).
fn origin_in_href<'a>(url: &Url, href: &'a str) -> Option<&'a str> {
    let tuple = matches!(
        url.scheme_type(),
        SchemeType::Http | SchemeType::Https | SchemeType::Ws | SchemeType::Wss | SchemeType::Ftp
    );
    if !tuple || url.has_credentials() {
        return None;
    }
    // Ada's host is a view into its href buffer.
    let host = url.host();
    let start = (host.as_ptr() as usize).checked_sub(href.as_ptr() as usize)?;
    href.get(..start + host.len())
}

/// `values` (`PART_NAMES`' components) as spans of one text: a value that
/// lies within `href` (Ada's getters return views of its href buffer) is
/// found there, any other is appended. The text is at most the href and
/// ten components long: linear in the URL.
fn spanned(href: &str, values: &[&str]) -> UrlParts {
    let mut text = String::from(href);
    let mut byte_spans = Vec::with_capacity(values.len());
    let base = href.as_ptr() as usize;
    for value in values {
        let start = value.as_ptr() as usize;
        let span = if value.is_empty() {
            (0, 0)
        } else if start >= base && start + value.len() <= base + href.len() {
            (start - base, start - base + value.len())
        } else {
            text.push_str(value);
            (text.len() - value.len(), text.len())
        };
        byte_spans.push(span);
    }
    // A serialised URL is ASCII, where bytes and UTF-16 units agree; the
    // conversion stays for anything else.
    let ascii = text.is_ascii();
    let unit = |byte: usize| {
        let units = if ascii { byte } else { text[..byte].encode_utf16().count() };
        // The guest's memory (< 4 GiB) held the input: its URL fits.
        u32::try_from(units).unwrap_or(u32::MAX)
    };
    let spans = byte_spans.iter().flat_map(|&(start, end)| [unit(start), unit(end)]).collect();
    UrlParts { text, spans }
}

impl Host for State {
    fn parse(&mut self, input: String, base: Option<String>) -> Option<UrlParts> {
        match base {
            None => parse_parts(&input),
            Some(base) => parse(&input, Some(&base)).map(|url| parts(&url)),
        }
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

    fn pattern_parse(
        &mut self,
        input: PatternInput,
        base: Option<String>,
        ignore_case: bool,
    ) -> Result<PatternParts, String> {
        pattern_parse(input, base, ignore_case)
    }

    fn pattern_match_input(
        &mut self,
        input: PatternInput,
        base: Option<String>,
    ) -> Result<Option<PatternMatchParts>, String> {
        pattern_match_input(input, base)
    }
}

/// The most text one URLPattern call takes: the pattern (a string, or a
/// dictionary's values together) and the base URL, each. The crate's parser
/// is linear-ish in its input but builds strings and lists several times its
/// size; a URL pattern is a route, not a document, so 64 KiB is far beyond
/// any real one and keeps a call's host work and memory small.
const MAX_PATTERN_INPUT: usize = 64 * 1024;

fn check_size(what: &str, len: usize) -> Result<(), String> {
    if len > MAX_PATTERN_INPUT {
        return Err(format!("URLPattern: the {what} is {len} bytes, over the limit of {MAX_PATTERN_INPUT}"));
    }
    Ok(())
}

fn check_input(input: &PatternInput, base: Option<&str>) -> Result<(), String> {
    let len = match input {
        PatternInput::Text(text) => text.len(),
        PatternInput::Init(init) => [
            &init.protocol,
            &init.username,
            &init.password,
            &init.hostname,
            &init.port,
            &init.pathname,
            &init.search,
            &init.hash,
            &init.base_url,
        ]
        .iter()
        .map(|v| v.as_ref().map_or(0, String::len))
        .sum(),
    };
    check_size("input", len)?;
    check_size("base URL", base.map_or(0, str::len))
}

fn string_or_init(input: PatternInput) -> urlpattern::quirks::StringOrInit<'static> {
    use urlpattern::quirks::{StringOrInit, UrlPatternInit};
    match input {
        PatternInput::Text(text) => StringOrInit::String(text.into()),
        PatternInput::Init(init) => StringOrInit::Init(UrlPatternInit {
            protocol: init.protocol,
            username: init.username,
            password: init.password,
            hostname: init.hostname,
            port: init.port,
            pathname: init.pathname,
            search: init.search,
            hash: init.hash,
            base_url: init.base_url,
        }),
    }
}

/// A generated regular expression, kept as ECMAScript source for the guest.
/// The crate runs one only to tell whether a protocol pattern matches a
/// special scheme ("http", "ws", ...), which decides how the pathname is
/// parsed; that runs on the `regex` crate (linear time, size-limited, on
/// inputs of a few bytes). A source the `regex` crate cannot compile (JS-only
/// syntax such as lookbehind) counts as not matching.
struct JsRegExp(String);

impl urlpattern::regexp::RegExp for JsRegExp {
    fn syntax() -> urlpattern::RegexSyntax {
        urlpattern::RegexSyntax::EcmaScript
    }

    fn parse(pattern: &str, _flags: &str, _force_eval: bool) -> Result<Self, ()> {
        Ok(JsRegExp(pattern.to_string()))
    }

    fn matches<'a>(&self, text: &'a str) -> Option<Vec<Option<&'a str>>> {
        let regex = regex::RegexBuilder::new(&self.0).size_limit(1 << 20).build().ok()?;
        let captures = regex.captures(text)?;
        Some(captures.iter().skip(1).map(|c| c.map(|m| m.as_str())).collect())
    }

    fn pattern_string(&self) -> &str {
        &self.0
    }
}

fn pattern_component(c: urlpattern::quirks::UrlPatternComponent) -> PatternComponent {
    PatternComponent { pattern: c.pattern_string, regexp: c.regexp_string, groups: c.group_name_list }
}

fn pattern_parse(input: PatternInput, base: Option<String>, ignore_case: bool) -> Result<PatternParts, String> {
    use urlpattern::quirks;
    check_input(&input, base.as_deref())?;
    let init = quirks::process_construct_pattern_input(string_or_init(input), base.as_deref())
        .map_err(|e| format!("invalid URL pattern: {e}"))?;
    let options = urlpattern::UrlPatternOptions { regex_syntax: urlpattern::RegexSyntax::EcmaScript, ignore_case };
    let p = quirks::parse_pattern::<JsRegExp>(init, options).map_err(|e| format!("invalid URL pattern: {e}"))?;
    Ok(PatternParts {
        protocol: pattern_component(p.protocol),
        username: pattern_component(p.username),
        password: pattern_component(p.password),
        hostname: pattern_component(p.hostname),
        port: pattern_component(p.port),
        pathname: pattern_component(p.pathname),
        search: pattern_component(p.search),
        hash: pattern_component(p.hash),
        has_regexp_groups: p.has_regexp_groups,
    })
}

fn pattern_match_input(input: PatternInput, base: Option<String>) -> Result<Option<PatternMatchParts>, String> {
    use urlpattern::quirks;
    check_input(&input, base.as_deref())?;
    let Some((input, _)) =
        quirks::process_match_input(string_or_init(input), base.as_deref()).map_err(|e| format!("URLPattern: {e}"))?
    else {
        return Ok(None);
    };
    Ok(quirks::parse_match_input(input).map(|m| PatternMatchParts {
        protocol: m.protocol,
        username: m.username,
        password: m.password,
        hostname: m.hostname,
        port: m.port,
        pathname: m.pathname,
        search: m.search,
        hash: m.hash,
    }))
}

pub fn add_to_linker(linker: &mut wasmtime::component::Linker<State>) -> wasmtime::Result<()> {
    crate::bindings::nano::platform::url::add_to_linker::<State, wasmtime::component::HasSelf<State>>(linker, |s| s)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The component `name` as the guest reads it: its span of the text.
    fn component(parts: &UrlParts, name: &str) -> String {
        let i = PART_NAMES.iter().position(|n| *n == name).unwrap();
        let units: Vec<u16> = parts.text.encode_utf16().collect();
        let (start, end) = (parts.spans[2 * i] as usize, parts.spans[2 * i + 1] as usize);
        String::from_utf16(&units[start..end]).unwrap()
    }

    /// Request URLs cut without Ada must be exactly Ada's: over schemes,
    /// authorities and targets that the parser changes (case, default and
    /// zero-led ports, short or octal IPv4, Punycode, dot segments, `%2e`,
    /// backslashes, characters it percent-encodes, empty query) and that it
    /// keeps, and every printable ASCII byte in a path and in a query.
    #[test]
    fn request_urls_cut_without_ada_are_adas() {
        let schemes = ["http", "https", "HTTP", "ws", "file"];
        let authorities = [
            "localhost",
            "localhost:8080",
            "example.com",
            "EXAMPLE.com",
            "example.com:80",
            "example.com:443",
            "example.com:8080",
            "127.0.0.1",
            "127.0.0.1:80",
            "127.0.0.1:3000",
            "127.1",
            "0127.0.0.1",
            "127.0.0.256",
            "1.2.3.4.5",
            "0x7f.0.0.1",
            "1.2.3.x",
            "foo.1a",
            "1234",
            "4294967295",
            "a.b.c",
            "a..b",
            ".a",
            "a.",
            "xn--nxasmq6b.example",
            "xn--a.com",
            "[::1]:3000",
            "u@h",
            "u:p@h",
            ":8080",
            "",
            "h:",
            "h:0",
            "h:080",
            "h:65535",
            "h:65536",
            "h:99999",
            "h:123456",
            "-a-.com",
            "a--b.com",
            "a_b.com",
            "ex%41mple.com",
            "é.com",
        ];
        let mut targets: Vec<String> = [
            "/",
            "/hello",
            "/a/b/c",
            "/a/./b",
            "/a/../b",
            "/.",
            "/..",
            "/%2e/",
            "/%2E%2e/x",
            "/a.b/c..d/.e/",
            "/.well-known/x",
            "/~user/!$&'()*+,;=:@%",
            "/%zz",
            "/a b",
            "/a\\b",
            "/é",
            "*",
            "",
            "/?",
            "/?q=1",
            "/?q='x'",
            "/p?a=1&b=%20&c=?d/e",
            "/p?a b",
            "/p?#",
            "/p??",
            "//double",
            "/a//b",
            "/a?b?c",
        ]
        .map(String::from)
        .to_vec();
        for c in ' '..='~' {
            targets.push(format!("/x{c}y"));
            targets.push(format!("/x?y{c}z"));
        }
        let mut cut = 0;
        for scheme in schemes {
            for authority in authorities {
                for target in &targets {
                    let text = format!("{scheme}://{authority}{target}");
                    let ada = parse_parts(&text);
                    let given = request_parts(scheme, authority, target);
                    assert_eq!(
                        given.as_ref().map(|p| (&p.text, &p.spans)),
                        ada.as_ref().map(|p| (&p.text, &p.spans)),
                        "{text}"
                    );
                    if let Some(spans) = serialized_request_url(scheme, authority, target) {
                        let ada = ada.unwrap_or_else(|| panic!("{text} cut, but it is no URL to Ada"));
                        assert_eq!(ada.text, text, "{text}");
                        assert_eq!(ada.spans, spans, "{text}");
                        cut += 1;
                    }
                }
            }
        }
        // What most requests are goes without Ada.
        for (scheme, authority, target) in [
            ("http", "localhost:8080", "/hello"),
            ("https", "example.com", "/a/b?c=d&e=%20"),
            ("http", "127.0.0.1:3000", "/"),
        ] {
            assert!(serialized_request_url(scheme, authority, target).is_some(), "{scheme}://{authority}{target}");
        }
        assert!(cut > 1000, "only {cut} URLs cut without Ada");
    }

    #[test]
    fn spans_give_back_every_getter() {
        for input in [
            "https://user:pa%20ss@example.com:8080/a/b?q=1&r=%20#frag",
            "https://example.com/",
            "http://example.com?#",
            "http://[::1]:3000/x",
            "file:///C:/dir/file.txt",
            "blob:https://example.com/uuid",
            "data:text/plain,hello world",
            "non-special://h/p?q#f",
            "https://xn--nxasmq6b.example/caf%C3%A9",
            "mailto:someone@example.com",
            "http://example.com:80/default-port",
            "HTTP://EXAMPLE.COM:443/",
            "ws://h:81/",
            "wss://[::1]/",
            "ftp://u@h/",
            "http://:p@h/",
            "https://h/?q#f",
        ] {
            let url = parse(input, None).unwrap();
            let parts = parts(&url);
            // A special URL's but file's without credentials: its origin
            // is read from the href (origin_in_href), nothing appended.
            if origin_in_href(&url, url.href()).is_some() {
                assert_eq!(parts.text, url.href(), "{input}");
            }
            assert_eq!(parts.spans.len(), 2 * PART_NAMES.len());
            let getters = [
                url.href().to_string(),
                url.origin(),
                url.protocol().to_string(),
                url.username().to_string(),
                url.password().to_string(),
                url.host().to_string(),
                url.hostname().to_string(),
                url.port().to_string(),
                url.pathname().to_string(),
                url.search().to_string(),
                url.hash().to_string(),
            ];
            for (name, expected) in PART_NAMES.iter().zip(getters) {
                assert_eq!(component(&parts, name), expected, "{name} of {input}");
            }
            assert!(parts.text.starts_with(url.href()), "{input}");
            // What the host hands over per URL: every component but the
            // origin is a view of the href (so the text is never more than
            // href and origin), and 22 numbers.
            assert!(parts.text.len() <= url.href().len() + url.origin().len(), "{input}: {}", parts.text);
        }
    }

    #[test]
    fn a_value_outside_the_href_is_appended_and_spanned() {
        // What an origin with credentials looks like: not a substring.
        let href = "https://u:p@example.com/";
        let parts = spanned(href, &[href, "https://example.com", "", &href[..6]]);
        assert_eq!(parts.text, "https://u:p@example.com/https://example.com");
        assert_eq!(parts.spans, vec![0, 24, 24, 43, 0, 0, 0, 6]);
    }

    #[test]
    fn spans_count_utf16_units() {
        let href = "a";
        let parts = spanned(href, &[href, "é😀", "x"]);
        assert_eq!(parts.text, "aé😀x");
        // é is one unit, 😀 two.
        assert_eq!(parts.spans, vec![0, 1, 1, 4, 4, 5]);
    }
}
