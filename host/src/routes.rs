//! Which app serves a request: the routes of `nano.toml` and their lookup.
//!
//! A route is a host, a path prefix, or both, as in Cloudflare Workers and
//! Spin: `shop.example.com`, `example.com/shop`, `*.shop.example.com`,
//! `localhost:8080/api`, `/api`, `/`.
//!
//! - `*.shop.example.com` matches the subdomains of shop.example.com
//!   (`a.shop.example.com`, `a.b.shop.example.com`) but not shop.example.com
//!   itself, as `*.` does in Workers: an app that wants both lists both, so
//!   the apex is never claimed by accident.
//! - A host with a port matches only that port; without one, any port.
//! - A path prefix matches whole segments: `/shop` matches `/shop`, `/shop/`
//!   and `/shop/x`, never `/shopping`. Paths compare byte for byte (no
//!   percent-decoding, no case folding): what the client sent is what the
//!   app sees.
//! - The most specific route wins: an exact host, then a wildcard (the
//!   longest suffix first), then any host; for the same host an explicit
//!   port before none; then the longest path prefix.
//!
//! Lookup runs per request, so it allocates nothing: the host is lower-cased
//! into a stack buffer, exact hosts and wildcard suffixes are hash lookups,
//! and each host's routes are pre-sorted so the first match is the winner.

use std::collections::HashMap;
use std::fmt;
use std::io::Write as _;
use std::net::Ipv6Addr;
use std::str::FromStr;

/// The host part of a route.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum HostPattern {
    /// No host given: every host, and requests without one.
    Any,
    /// This host (lower case, no trailing dot; IPv6 in brackets, canonical).
    Exact(String),
    /// `*.suffix`: every subdomain of the suffix, not the suffix itself.
    Wildcard(String),
}

/// One route of an app.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Route {
    pub host: HostPattern,
    /// Only this port of the host; `None` matches any port (always `None`
    /// for [`HostPattern::Any`]).
    pub port: Option<u16>,
    /// Path prefix: starts with `/`, no trailing `/` except the root `/`.
    pub path: String,
}

impl Route {
    fn matches_path(&self, path: &str) -> bool {
        let p = self.path.as_str();
        p == "/" || (path.starts_with(p) && matches!(path.as_bytes().get(p.len()), None | Some(b'/')))
    }
}

impl fmt::Display for Route {
    /// The normalised route text, as it would be written in the manifest.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.host {
            HostPattern::Any => {}
            HostPattern::Exact(h) => f.write_str(h)?,
            HostPattern::Wildcard(s) => write!(f, "*.{s}")?,
        }
        if let Some(port) = self.port {
            write!(f, ":{port}")?;
        }
        match (&self.host, self.path.as_str()) {
            (HostPattern::Any, p) => f.write_str(p),
            (_, "/") => Ok(()),
            (_, p) => f.write_str(p),
        }
    }
}

impl FromStr for Route {
    type Err = String;

    fn from_str(text: &str) -> Result<Route, String> {
        if text.contains("://") {
            return Err(format!("`{text}`: give a host and/or path, not a URL"));
        }
        if text.contains(['?', '#']) {
            return Err(format!("`{text}`: a route is a host and/or path prefix, without a query or fragment"));
        }
        if text.is_empty() || text.bytes().any(|b| b.is_ascii_whitespace() || b.is_ascii_control()) {
            return Err(format!(
                "`{text}`: a route is a host and/or path prefix with no spaces (`/` matches everything)"
            ));
        }
        if !text.is_ascii() {
            return Err(format!("`{text}`: write the host in ASCII (punycode: `xn--…`) and percent-encode the path"));
        }
        let (authority, path) = match text.find('/') {
            Some(i) => text.split_at(i),
            None => (text, "/"),
        };
        let path = parse_path(text, path)?;
        if authority.is_empty() {
            return Ok(Route { host: HostPattern::Any, port: None, path });
        }
        let (host, port) = parse_authority(text, authority)?;
        Ok(Route { host, port, path })
    }
}

fn parse_path(text: &str, path: &str) -> Result<String, String> {
    if path.contains('*') {
        return Err(format!("`{text}`: a path prefix already matches everything below it; drop the `*`"));
    }
    let trimmed = path.strip_suffix('/').unwrap_or(path);
    // Empty, `.` and `..` segments: a request path keeps them as sent, so a
    // prefix holding one would match something other than it seems to.
    if trimmed.split('/').skip(1).any(|s| s.is_empty() || s == "." || s == "..") {
        return Err(format!("`{text}`: the path has an empty, `.` or `..` segment"));
    }
    Ok(if trimmed.is_empty() { "/".to_owned() } else { trimmed.to_owned() })
}

fn parse_port(text: &str, port: &str) -> Result<u16, String> {
    match port.parse::<u16>() {
        Ok(p) if p > 0 && !port.starts_with('+') => Ok(p),
        _ => Err(format!("`{text}`: `{port}` is not a port (1-65535)")),
    }
}

fn parse_authority(text: &str, authority: &str) -> Result<(HostPattern, Option<u16>), String> {
    if let Some(rest) = authority.strip_prefix('[') {
        let (ip, tail) = rest.split_once(']').ok_or_else(|| format!("`{text}`: missing `]`"))?;
        let ip: Ipv6Addr = ip.parse().map_err(|_| format!("`{text}`: `{ip}` is not an IPv6 address"))?;
        let port = match tail {
            "" => None,
            _ => Some(parse_port(text, tail.strip_prefix(':').ok_or_else(|| format!("`{text}`: junk after `]`"))?)?),
        };
        return Ok((HostPattern::Exact(format!("[{ip}]")), port));
    }
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) => (host, Some(parse_port(text, port)?)),
        None => (authority, None),
    };
    let host = host.to_ascii_lowercase();
    let host = host.strip_suffix('.').unwrap_or(&host);
    let (wildcard, name) = match host.strip_prefix("*.") {
        Some(suffix) => (true, suffix),
        None => (false, host),
    };
    if name.is_empty() || name.len() > 253 {
        return Err(format!("`{text}`: the host is empty or longer than 253 characters"));
    }
    for label in name.split('.') {
        if label.contains('*') {
            return Err(format!("`{text}`: `*` is only allowed as a leading `*.` (`*.example.com`)"));
        }
        if label.is_empty() || label.len() > 63 {
            return Err(format!("`{text}`: the host has an empty label or one longer than 63 characters"));
        }
        if !label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
            return Err(format!("`{text}`: `{label}` is not a host name label (letters, digits, `-`, `_`)"));
        }
    }
    if wildcard {
        // `*.0.1` would match addresses by their digits: not a domain.
        if name.rsplit('.').next().is_some_and(|l| l.bytes().all(|b| b.is_ascii_digit())) {
            return Err(format!("`{text}`: a wildcard needs a domain name after `*.`"));
        }
        return Ok((HostPattern::Wildcard(name.to_owned()), port));
    }
    Ok((HostPattern::Exact(name.to_owned()), port))
}

/// Two routes that claim the same requests. `first` and `second` are
/// positions in the list given to [`RouteTable::new`] (`first < second`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RouteConflict {
    pub first: usize,
    pub first_app: usize,
    pub second: usize,
    pub second_app: usize,
    /// The route, normalised.
    pub route: String,
}

impl fmt::Display for RouteConflict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.first_app == self.second_app {
            write!(f, "route \"{}\" is given twice for app #{}", self.route, self.first_app)
        } else {
            write!(f, "route \"{}\" is also app #{}'s route", self.route, self.first_app)
        }
    }
}

impl std::error::Error for RouteConflict {}

/// One route of a host, as the table holds it.
#[derive(Debug)]
struct Entry {
    route: Route,
    app: usize,
}

/// The routes of every app, ready to look up. The set is fixed by the
/// operator's manifest.
#[derive(Debug, Default)]
pub struct RouteTable {
    exact: HashMap<String, Vec<Entry>>,
    /// Keyed by the suffix after `*.`.
    wildcard: HashMap<String, Vec<Entry>>,
    any: Vec<Entry>,
    /// The number of dots of the longest wildcard suffix: longer request
    /// hosts skip their leading labels without hashing them.
    wildcard_dots: usize,
}

impl RouteTable {
    /// One app (index 0) taking every request: `run app.js`.
    pub fn catch_all() -> RouteTable {
        RouteTable::new(vec![("/".parse().expect("`/` is a route"), 0)]).expect("one route cannot conflict")
    }

    /// The table over `routes`, each with the index of its app. Two equal
    /// routes (after normalisation) are a conflict, within one app too.
    pub fn new(routes: Vec<(Route, usize)>) -> Result<RouteTable, RouteConflict> {
        let mut seen: HashMap<&Route, (usize, usize)> = HashMap::new();
        for (i, (route, app)) in routes.iter().enumerate() {
            if let Some(&(first, first_app)) = seen.get(route) {
                let route = route.to_string();
                return Err(RouteConflict { first, first_app, second: i, second_app: *app, route });
            }
            seen.insert(route, (i, *app));
        }
        let mut table = RouteTable::default();
        for (route, app) in routes {
            let list = match &route.host {
                HostPattern::Any => &mut table.any,
                HostPattern::Exact(h) => table.exact.entry(h.clone()).or_default(),
                HostPattern::Wildcard(s) => {
                    table.wildcard_dots = table.wildcard_dots.max(s.matches('.').count());
                    table.wildcard.entry(s.clone()).or_default()
                }
            };
            list.push(Entry { route, app });
        }
        // Within a host: an explicit port first, then the longest prefix.
        let order = |e: &Entry| (e.route.port.is_none(), std::cmp::Reverse(e.route.path.len()));
        for list in table.exact.values_mut().chain(table.wildcard.values_mut()) {
            list.sort_by_key(order);
        }
        table.any.sort_by_key(order);
        Ok(table)
    }

    /// The app serving a request. `host` is the Host header or the URI's
    /// authority (any case, maybe a port, a trailing dot or an IPv6 literal
    /// in brackets); `path` is the request's path, without the query. A
    /// request without a usable host reaches only any-host routes.
    pub fn lookup(&self, host: Option<&str>, path: &str) -> Option<usize> {
        let mut buf = [0u8; 256];
        if let Some((host, port)) = host.and_then(|h| normalise_host(h, &mut buf)) {
            let first = |list: &Vec<Entry>| {
                let e =
                    list.iter().find(|e| e.route.port.is_none_or(|p| Some(p) == port) && e.route.matches_path(path));
                e.map(|e| e.app)
            };
            if let Some(app) = self.exact.get(host).and_then(first) {
                return Some(app);
            }
            if !self.wildcard.is_empty() && !host.starts_with('[') {
                // Suffixes after each dot, longest first; those with more
                // dots than any wildcard's suffix cannot match.
                let dots = host.matches('.').count();
                let suffixes = host.match_indices('.').skip(dots.saturating_sub(self.wildcard_dots + 1));
                for (i, _) in suffixes {
                    if let Some(app) = self.wildcard.get(&host[i + 1..]).and_then(first) {
                        return Some(app);
                    }
                }
            }
        }
        self.any.iter().find(|e| e.route.matches_path(path)).map(|e| e.app)
    }
}

/// `host[:port]` as routes store hosts: lower case, no trailing dot, IPv6
/// canonical in brackets; written into `buf`. `None` when it is not a host
/// (a bad port, too long, not ASCII).
fn normalise_host<'b>(authority: &str, buf: &'b mut [u8; 256]) -> Option<(&'b str, Option<u16>)> {
    // A URI authority may carry user info; a Host header never does.
    let authority = authority.rsplit_once('@').map_or(authority, |(_, a)| a);
    let port = |p: &str| p.parse::<u16>().ok().filter(|_| p.bytes().all(|b| b.is_ascii_digit()));
    let (len, port) = if let Some(rest) = authority.strip_prefix('[') {
        let (ip, tail) = rest.split_once(']')?;
        let ip: Ipv6Addr = ip.parse().ok()?;
        let port = match tail {
            "" => None,
            _ => Some(port(tail.strip_prefix(':')?)?),
        };
        let mut out = &mut buf[..];
        write!(out, "[{ip}]").ok()?;
        let left = out.len();
        (buf.len() - left, port)
    } else {
        let (host, port) = match authority.rsplit_once(':') {
            Some((host, p)) => (host, Some(port(p)?)),
            None => (authority, None),
        };
        let host = host.strip_suffix('.').unwrap_or(host);
        if host.is_empty() || host.len() > buf.len() || !host.is_ascii() {
            return None;
        }
        buf[..host.len()].copy_from_slice(host.as_bytes());
        buf[..host.len()].make_ascii_lowercase();
        (host.len(), port)
    };
    Some((std::str::from_utf8(&buf[..len]).ok()?, port))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(text: &str) -> Route {
        text.parse().unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    fn table(routes: &[(&str, usize)]) -> RouteTable {
        RouteTable::new(routes.iter().map(|&(r, app)| (route(r), app)).collect()).unwrap()
    }

    #[test]
    fn parses_and_normalises() {
        let exact = |h: &str, port, path: &str| Route { host: HostPattern::Exact(h.into()), port, path: path.into() };
        assert_eq!(route("Shop.Example.COM."), exact("shop.example.com", None, "/"));
        assert_eq!(route("example.com/shop/"), exact("example.com", None, "/shop"));
        assert_eq!(route("localhost:8080/api/v1"), exact("localhost", Some(8080), "/api/v1"));
        assert_eq!(route("[0:0::1]:8080"), exact("[::1]", Some(8080), "/"));
        assert_eq!(route("127.0.0.1"), exact("127.0.0.1", None, "/"));
        let wild = Route { host: HostPattern::Wildcard("shop.example.com".into()), port: None, path: "/".into() };
        assert_eq!(route("*.shop.example.com"), wild);
        assert_eq!(route("/api/"), Route { host: HostPattern::Any, port: None, path: "/api".into() });
        assert_eq!(route("/"), Route { host: HostPattern::Any, port: None, path: "/".into() });
        for text in ["*.example.com:8443/x", "localhost:8080/api", "/api", "/", "example.com", "[::1]:80/a"] {
            assert_eq!(route(text).to_string(), text);
        }
    }

    #[test]
    fn rejects_bad_routes() {
        let err = |text: &str| text.parse::<Route>().unwrap_err();
        assert!(err("https://example.com/x").contains("give a host and/or path, not a URL"));
        assert!(err("example.com/x?y=1").contains("query"));
        assert!(err("/x#top").contains("fragment"));
        assert!(err("exämple.com").contains("ASCII"));
        assert!(err("a..b").contains("empty label"));
        assert!(err(".example.com").contains("empty label"));
        assert!(err("a.*.com").contains("leading `*.`"));
        assert!(err("*example.com").contains("leading `*.`"));
        assert!(err("*").contains("leading `*.`"));
        assert!(err("*.0.1").contains("domain name"));
        assert!(err("example.com:0").contains("not a port"));
        assert!(err("example.com:99999").contains("not a port"));
        assert!(err("example.com:").contains("not a port"));
        assert!(err("/api/*").contains("drop the `*`"));
        assert!(err("/a//b").contains("empty"));
        assert!(err("/a/../b").contains("`..`"));
        assert!(err("").contains("no spaces"));
        assert!(err("exa mple.com").contains("no spaces"));
        assert!(err("[::1").contains("missing `]`"));
        assert!(err("[nope]").contains("not an IPv6 address"));
        assert!(err("ex!ample.com").contains("not a host name label"));
    }

    #[test]
    fn most_specific_host_wins() {
        let t =
            table(&[("/", 0), ("*.example.com", 1), ("*.shop.example.com", 2), ("shop.example.com", 3), ("/api", 4)]);
        assert_eq!(t.lookup(Some("shop.example.com"), "/api/x"), Some(3));
        assert_eq!(t.lookup(Some("a.shop.example.com"), "/"), Some(2));
        assert_eq!(t.lookup(Some("a.b.shop.example.com"), "/"), Some(2));
        assert_eq!(t.lookup(Some("www.example.com"), "/api"), Some(1));
        // The wildcard does not cover its own apex.
        assert_eq!(t.lookup(Some("example.com"), "/"), Some(0));
        assert_eq!(t.lookup(Some("example.com"), "/api/v1"), Some(4));
        assert_eq!(t.lookup(Some("other.org"), "/apix"), Some(0));
    }

    #[test]
    fn falls_through_when_the_host_has_no_matching_path() {
        let t = table(&[("example.com/shop", 0), ("*.com/blog", 1), ("/", 2)]);
        assert_eq!(t.lookup(Some("example.com"), "/shop"), Some(0));
        assert_eq!(t.lookup(Some("example.com"), "/blog/1"), Some(1));
        assert_eq!(t.lookup(Some("example.com"), "/other"), Some(2));
        let t = table(&[("example.com/shop", 0)]);
        assert_eq!(t.lookup(Some("example.com"), "/"), None);
    }

    #[test]
    fn path_prefixes_match_whole_segments() {
        let t = table(&[("/shop", 0), ("/shop/cart", 1), ("/", 2)]);
        assert_eq!(t.lookup(None, "/shop"), Some(0));
        assert_eq!(t.lookup(None, "/shop/"), Some(0));
        assert_eq!(t.lookup(None, "/shop/x"), Some(0));
        assert_eq!(t.lookup(None, "/shopping"), Some(2));
        assert_eq!(t.lookup(None, "/shop/cart/1"), Some(1));
        assert_eq!(t.lookup(None, "/shop/cartx"), Some(0));
        assert_eq!(t.lookup(None, "/Shop"), Some(2));
    }

    #[test]
    fn ports() {
        let t =
            table(&[("localhost:8080", 0), ("localhost/api", 1), ("localhost", 2), ("[::1]:8080", 3), ("[::1]", 4)]);
        // An explicit port beats a longer path.
        assert_eq!(t.lookup(Some("localhost:8080"), "/api"), Some(0));
        assert_eq!(t.lookup(Some("localhost:9090"), "/api"), Some(1));
        assert_eq!(t.lookup(Some("localhost"), "/"), Some(2));
        assert_eq!(t.lookup(Some("[::1]:8080"), "/"), Some(3));
        assert_eq!(t.lookup(Some("[0::1]:8080"), "/"), Some(3));
        assert_eq!(t.lookup(Some("[::1]"), "/"), Some(4));
        assert_eq!(t.lookup(Some("[::1]:9"), "/"), Some(4));
        assert_eq!(t.lookup(Some("localhost:bad"), "/"), None);
    }

    #[test]
    fn host_case_trailing_dot_and_missing_host() {
        let t = table(&[("shop.example.com", 0), ("*.example.com", 1), ("/api", 2)]);
        assert_eq!(t.lookup(Some("SHOP.Example.com"), "/"), Some(0));
        assert_eq!(t.lookup(Some("shop.example.com."), "/"), Some(0));
        assert_eq!(t.lookup(Some("shop.example.com.:443"), "/"), Some(0));
        assert_eq!(t.lookup(Some("WWW.EXAMPLE.COM."), "/"), Some(1));
        assert_eq!(t.lookup(Some("user@shop.example.com"), "/"), Some(0));
        assert_eq!(t.lookup(None, "/"), None);
        assert_eq!(t.lookup(None, "/api/x"), Some(2));
        assert_eq!(t.lookup(Some(""), "/api"), Some(2));
        assert_eq!(t.lookup(Some(&"a".repeat(300)), "/api"), Some(2));
    }

    #[test]
    fn duplicates_conflict() {
        let routes = vec![(route("example.com/shop"), 0), (route("/"), 0), (route("EXAMPLE.com./shop/"), 1)];
        let err = RouteTable::new(routes).unwrap_err();
        let expected =
            RouteConflict { first: 0, first_app: 0, second: 2, second_app: 1, route: "example.com/shop".into() };
        assert_eq!(err, expected);
        let err = RouteTable::new(vec![(route("/api"), 3), (route("/api/"), 3)]).unwrap_err();
        assert_eq!((err.first, err.second, err.first_app, err.second_app), (0, 1, 3, 3));
        // Different ports or patterns are different routes.
        table(&[("example.com", 0), ("example.com:80", 1), ("*.example.com", 2), ("/", 3)]);
    }
}
