//! The host half of `fetch()`: the outbound HTTP policy. `fetch()` goes out
//! through wasi:http's outgoing-handler; this is its send-request hook, and
//! `connect.rs` makes the connection.
//!
//! - Names: with `--allow-host` entries, only listed hosts may be fetched.
//!   Allowing a *name* never allows what it resolves to: every address of
//!   every name is checked against the special-purpose ranges below, because
//!   whoever controls a name's DNS (often the tenant) can point it anywhere,
//!   e.g. at 127.0.0.1 or the cloud metadata address (SSRF).
//! - Addresses: private, loopback, link-local, reserved and other
//!   special-purpose addresses are refused unless an `--allow-host` entry that
//!   is itself an address or CIDR block (`127.0.0.1:3000`, `[::1]`,
//!   `10.0.0.0/8`) covers them. IPv6 forms that embed an IPv4 address
//!   (mapped, compatible, SIIT, NAT64, 6to4) are judged by that address: on a
//!   NAT64 network `64:ff9b::a9fe:a9fe` *is* 169.254.169.254.
//! - The name is resolved once, within the connect timeout, and the checked
//!   addresses are the ones connected to (connect.rs).
//! - Fetches count against the instance's `--max-fetches` here, in the host,
//!   from the request until its response body ends or is dropped (or the
//!   connection closes): a fetch whose body stays open holds an upstream
//!   connection, so it counts.

mod connect;
pub mod pool;
pub mod tls;

use crate::app::AppConfig;
use crate::metrics::{FetchOutcome, LimitKind};
use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use wasmtime_wasi_http::p2::bindings::http::types::{ErrorCode, TlsAlertReceivedPayload};
use wasmtime_wasi_http::{Error, RequestOptions, WasiBody, WasiHttpHooks};

/// One `--allow-host` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AllowEntry {
    /// `example.com` or `example.com:8443`: the name may be fetched (on any
    /// port, or that one). What it resolves to is still checked.
    Name { name: String, port: Option<u16> },
    /// `127.0.0.1:3000`, `[::1]`, `10.0.0.0/8`: these addresses may be
    /// fetched (on any port, or that one), special-purpose ones included.
    Addr { net: IpNet, port: Option<u16> },
}

impl FromStr for AllowEntry {
    type Err = String;

    fn from_str(entry: &str) -> Result<Self, String> {
        let port = |p: &str| match p.parse::<u16>() {
            Ok(p) if p > 0 => Ok(Some(p)),
            _ => Err(format!("`{entry}`: `{p}` is not a port (1-65535)")),
        };
        let addr = |ip: IpAddr, port| AllowEntry::Addr { net: IpNet::from(ip), port };
        if let Some(rest) = entry.strip_prefix('[') {
            let (ip, tail) = rest.split_once(']').ok_or_else(|| format!("`{entry}`: missing `]`"))?;
            let ip: Ipv6Addr = ip.parse().map_err(|_| format!("`{entry}`: `{ip}` is not an IPv6 address"))?;
            return match tail {
                "" => Ok(addr(ip.into(), None)),
                _ => match tail.strip_prefix(':') {
                    Some(p) => Ok(addr(ip.into(), port(p)?)),
                    None => Err(format!("`{entry}`: expected `[IPv6]` or `[IPv6]:PORT`")),
                },
            };
        }
        if let Ok(ip) = entry.parse::<IpAddr>() {
            return Ok(addr(ip, None));
        }
        if entry.contains("://") {
            return Err(format!("`{entry}`: give a host (`example.com`, `example.com:8443`), not a URL"));
        }
        if entry.contains('/') {
            let net: IpNet =
                entry.parse().map_err(|_| format!("`{entry}` is not a CIDR block (`10.0.0.0/8`, `fd00::/8`)"))?;
            return Ok(AllowEntry::Addr { net: net.trunc(), port: None });
        }
        let (host, port) = match entry.rsplit_once(':') {
            Some((host, p)) => (host, port(p)?),
            None => (entry, None),
        };
        if let Ok(ip) = host.parse::<Ipv4Addr>() {
            return Ok(addr(ip.into(), port));
        }
        // The names fetch() sends are what the URL parser made of them:
        // lower case, punycode, and never a number as the last label (that
        // is an IPv4 address to the URL parser, as in `127.1`).
        let name = idna::domain_to_ascii_cow(host.trim_end_matches('.').as_bytes(), idna::AsciiDenyList::URL)
            .map_err(|_| format!("`{entry}` is not a host name, IP address or CIDR block"))?
            .into_owned();
        let last = name.rsplit('.').next().unwrap_or_default();
        if name.is_empty() || last.bytes().all(|b| b.is_ascii_digit()) || last.starts_with("0x") {
            return Err(format!("`{entry}` is not a host name, IP address (a.b.c.d) or CIDR block"));
        }
        Ok(AllowEntry::Name { name, port })
    }
}

/// Which outbound destinations apps may reach, shared by every instance.
#[derive(Clone, Debug, Default)]
pub struct OutboundPolicy {
    /// `--allow-host` entries. When empty, any host may be fetched; when
    /// not, only the listed ones. Either way only an `Addr` entry allows a
    /// special-purpose address.
    pub allowed: Arc<Vec<AllowEntry>>,
    /// What https fetches trust (`--ca-certs`) and offer (ALPN).
    pub tls: tls::TlsClient,
}

impl OutboundPolicy {
    /// Whether the allow-list lets a request to `host` (as in the URL: a
    /// lower-case name, or an IP literal) on `port` through.
    pub fn allows_host(&self, host: &str, port: u16) -> bool {
        if self.allowed.is_empty() {
            return true;
        }
        let host = host.trim_start_matches('[').trim_end_matches(']').trim_end_matches('.').to_ascii_lowercase();
        match host.parse::<IpAddr>() {
            Ok(ip) => self.opts_in(SocketAddr::new(ip, port)),
            Err(_) => self.allowed.iter().any(|entry| {
                matches!(entry, AllowEntry::Name { name, port: p } if *name == host && p.is_none_or(|p| p == port))
            }),
        }
    }

    /// Whether an address entry covers `addr` (an IPv4-mapped address is the
    /// IPv4 address it maps: connecting to one connects to the other).
    pub fn opts_in(&self, addr: SocketAddr) -> bool {
        let ip = addr.ip().to_canonical();
        self.allowed.iter().any(|entry| {
            let AllowEntry::Addr { net, port } = entry else { return false };
            net.contains(&ip) && port.is_none_or(|p| p == addr.port())
        })
    }

    /// The first of `addrs` the policy refuses, and why.
    pub fn refused(&self, addrs: &[SocketAddr]) -> Option<(SocketAddr, Special)> {
        addrs.iter().find_map(|&addr| match special(addr.ip()) {
            Some(range) if !self.opts_in(addr) => Some((addr, range)),
            _ => None,
        })
    }
}

// The special-purpose ranges: the IANA IPv4 and IPv6 Special-Purpose Address
// Registries (RFC 6890 and the RFCs that updated them), plus multicast, the
// deprecated site-local range and a cloud endpoint. Blocks the registries
// mark globally reachable but that sit inside a larger block (the anycast
// addresses in 192.0.0.0/24 and 2001::/23) are refused with their block: no
// public web server lives there. More specific rows come first.

const fn v4(a: u8, b: u8, c: u8, d: u8, len: u8) -> Ipv4Net {
    Ipv4Net::new_assert(Ipv4Addr::new(a, b, c, d), len)
}

#[allow(clippy::too_many_arguments)]
const fn v6(a: u16, b: u16, c: u16, d: u16, e: u16, f: u16, g: u16, h: u16, len: u8) -> Ipv6Net {
    Ipv6Net::new_assert(Ipv6Addr::new(a, b, c, d, e, f, g, h), len)
}

const SPECIAL_V4: &[(Ipv4Net, &str)] = &[
    (v4(0, 0, 0, 0, 8), "\"this network\" (RFC 791)"),
    (v4(10, 0, 0, 0, 8), "private use (RFC 1918)"),
    (v4(100, 64, 0, 0, 10), "shared address space, carrier-grade NAT (RFC 6598)"),
    (v4(127, 0, 0, 0, 8), "loopback (RFC 1122)"),
    // Azure's wire server (DHCP, health, metadata for the VM agent); a public
    // address reachable only from inside the cloud.
    (v4(168, 63, 129, 16, 32), "cloud wire server"),
    (v4(169, 254, 0, 0, 16), "link local, incl. the cloud metadata address 169.254.169.254 (RFC 3927)"),
    (v4(172, 16, 0, 0, 12), "private use (RFC 1918)"),
    (v4(192, 0, 0, 0, 24), "IETF protocol assignments (RFC 6890)"),
    (v4(192, 0, 2, 0, 24), "documentation, TEST-NET-1 (RFC 5737)"),
    (v4(192, 88, 99, 0, 24), "deprecated 6to4 relay anycast (RFC 7526)"),
    (v4(192, 168, 0, 0, 16), "private use (RFC 1918)"),
    (v4(198, 18, 0, 0, 15), "benchmarking (RFC 2544)"),
    (v4(198, 51, 100, 0, 24), "documentation, TEST-NET-2 (RFC 5737)"),
    (v4(203, 0, 113, 0, 24), "documentation, TEST-NET-3 (RFC 5737)"),
    (v4(224, 0, 0, 0, 4), "multicast (RFC 5771)"),
    (v4(255, 255, 255, 255, 32), "limited broadcast (RFC 919)"),
    (v4(240, 0, 0, 0, 4), "reserved (RFC 1112)"),
];

const SPECIAL_V6: &[(Ipv6Net, &str)] = &[
    (v6(0, 0, 0, 0, 0, 0, 0, 0, 128), "unspecified (RFC 4291)"),
    (v6(0, 0, 0, 0, 0, 0, 0, 1, 128), "loopback (RFC 4291)"),
    (v6(0x64, 0xff9b, 1, 0, 0, 0, 0, 0, 48), "local-use IPv4/IPv6 translation (RFC 8215)"),
    (v6(0x100, 0, 0, 0, 0, 0, 0, 0, 64), "discard only (RFC 6666)"),
    (v6(0x2001, 0, 0, 0, 0, 0, 0, 0, 32), "Teredo (RFC 4380)"),
    (v6(0x2001, 0, 0, 0, 0, 0, 0, 0, 23), "IETF protocol assignments (RFC 2928)"),
    (v6(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0, 32), "documentation (RFC 3849)"),
    (v6(0x3fff, 0, 0, 0, 0, 0, 0, 0, 20), "documentation (RFC 9637)"),
    (v6(0xfc00, 0, 0, 0, 0, 0, 0, 0, 7), "unique local (RFC 4193)"),
    (v6(0xfe80, 0, 0, 0, 0, 0, 0, 0, 10), "link local (RFC 4291)"),
    (v6(0xfec0, 0, 0, 0, 0, 0, 0, 0, 10), "deprecated site local (RFC 3879)"),
    (v6(0xff00, 0, 0, 0, 0, 0, 0, 0, 8), "multicast (RFC 4291)"),
];

/// IPv6 forms that carry an IPv4 address, which is what they reach.
const EMBEDDING_V6: &[(Ipv6Net, &str)] = &[
    (v6(0, 0, 0, 0, 0, 0xffff, 0, 0, 96), "IPv4-mapped (RFC 4291)"),
    (v6(0, 0, 0, 0, 0xffff, 0, 0, 0, 96), "IPv4-translated, SIIT (RFC 2765)"),
    (v6(0, 0, 0, 0, 0, 0, 0, 0, 96), "IPv4-compatible (RFC 4291)"),
    (v6(0x64, 0xff9b, 0, 0, 0, 0, 0, 0, 96), "NAT64 well-known prefix (RFC 6052)"),
    (v6(0x2002, 0, 0, 0, 0, 0, 0, 0, 16), "6to4 (RFC 3056)"),
];

/// IANA allocates global unicast IPv6 only from here; the rest is reserved.
const GLOBAL_UNICAST_V6: Ipv6Net = v6(0x2000, 0, 0, 0, 0, 0, 0, 0, 3);

/// The special-purpose range an address falls in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Special {
    pub net: IpNet,
    pub name: &'static str,
    /// The IPv6 form that carried the IPv4 address `net` was found for.
    pub via: Option<(Ipv6Net, &'static str)>,
}

impl std::fmt::Display for Special {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.net, self.name)?;
        if let Some((net, name)) = self.via {
            write!(f, ", embedded in {net} {name}")?;
        }
        Ok(())
    }
}

/// The IPv4 address inside an IPv6 address of the forms that embed one.
pub fn embedded_ipv4(ip: Ipv6Addr) -> Option<(Ipv4Addr, (Ipv6Net, &'static str))> {
    let (net, name) = *EMBEDDING_V6.iter().find(|(net, _)| net.contains(&ip))?;
    let bits = u128::from(ip);
    // 6to4 carries it in bits 16..48; the /96 forms in the last 32 bits.
    let v4 = if net.prefix_len() == 16 { (bits >> 80) as u32 } else { bits as u32 };
    Some((Ipv4Addr::from(v4), (net, name)))
}

/// The special-purpose range `ip` falls in, or None for a public address.
pub fn special(ip: IpAddr) -> Option<Special> {
    match ip {
        IpAddr::V4(ip) => {
            let &(net, name) = SPECIAL_V4.iter().find(|(net, _)| net.contains(&ip))?;
            Some(Special { net: net.into(), name, via: None })
        }
        IpAddr::V6(ip) => {
            // `::` and `::1` are also IPv4-compatible forms of 0.0.0.0/8;
            // their own rows name them better.
            if let Some(&(net, name)) = SPECIAL_V6.iter().take(2).find(|(net, _)| net.contains(&ip)) {
                return Some(Special { net: net.into(), name, via: None });
            }
            if let Some((v4, via)) = embedded_ipv4(ip) {
                return special(v4.into()).map(|s| Special { via: Some(via), ..s });
            }
            if let Some(&(net, name)) = SPECIAL_V6.iter().find(|(net, _)| net.contains(&ip)) {
                return Some(Special { net: net.into(), name, via: None });
            }
            if !GLOBAL_UNICAST_V6.contains(&ip) {
                return Some(Special {
                    net: GLOBAL_UNICAST_V6.into(),
                    name: "outside global unicast (RFC 4291)",
                    via: None,
                });
            }
            None
        }
    }
}

/// Resolves a name within `timeout`: getaddrinfo has no deadline the host
/// sets, and a slow DNS server would otherwise hold the fetch (and its place
/// under the fetch limit) for as long as it likes.
pub async fn resolve<I: Iterator<Item = SocketAddr>>(
    lookup: impl Future<Output = std::io::Result<I>>,
    timeout: Duration,
) -> Result<Vec<SocketAddr>, Error> {
    match tokio::time::timeout(timeout, lookup).await {
        Ok(Ok(addrs)) => Ok(addrs.collect()),
        Ok(Err(_)) => Err(Error::DnsError { rcode: Some("address not found".into()), info_code: None }),
        Err(_) => Err(Error::DnsError { rcode: Some("timeout".into()), info_code: None }),
    }
}

/// Looks a name up on the blocking pool, at most `MAX_LOOKUPS` at once in
/// the whole host: getaddrinfo cannot be cancelled, so a lookup that timed
/// out keeps its thread until the system resolver gives up, and unbounded
/// lookups to a silent nameserver would fill the pool that PBKDF2 and RSA
/// work also run on. The place is held by the lookup itself, not its caller.
pub async fn lookup(host: &str, port: u16) -> std::io::Result<std::vec::IntoIter<SocketAddr>> {
    use std::net::ToSocketAddrs;
    const MAX_LOOKUPS: usize = 64;
    static PLACES: std::sync::OnceLock<Arc<Semaphore>> = std::sync::OnceLock::new();
    let place = PLACES.get_or_init(|| Arc::new(Semaphore::new(MAX_LOOKUPS))).clone().acquire_owned().await;
    let place = place.map_err(std::io::Error::other)?;
    let host = host.to_string();
    tokio::task::spawn_blocking(move || {
        let _place = place;
        (host.as_str(), port).to_socket_addrs()
    })
    .await
    .map_err(std::io::Error::other)?
}

/// A fetch's place under its instance's `--max-fetches`, given back once its
/// response body ends or is dropped, or its connection closes (whichever is
/// first; after the body the connection may wait in the app's pool, which
/// is bounded on its own). Clones share the one place.
#[derive(Clone, Debug)]
pub struct FetchSlot(Arc<Mutex<Option<OwnedSemaphorePermit>>>);

impl FetchSlot {
    pub fn release(&self) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).take();
    }
}

/// The send-request hook of one instance: its app's policy, timeouts (ceilings
/// on what the guest asks), name and counters, and the instance's own fetch
/// limit.
pub struct Outbound {
    app: Arc<AppConfig>,
    fetches: Arc<Semaphore>,
}

impl Outbound {
    pub fn new(app: &Arc<AppConfig>) -> Outbound {
        Outbound { app: app.clone(), fetches: Arc::new(Semaphore::new(app.limits.max_fetches as usize)) }
    }

    /// A place under the fetch limit, if one is free.
    pub fn try_slot(&self) -> Result<FetchSlot, Error> {
        match self.fetches.clone().try_acquire_owned() {
            Ok(permit) => Ok(FetchSlot(Arc::new(Mutex::new(Some(permit))))),
            Err(_) => Err(Error::InternalError(Some(format!(
                "too many fetches in flight (the limit is {} per request; a fetch counts until its response body is read or cancelled)",
                self.app.limits.max_fetches
            )))),
        }
    }

    /// The guest's timeouts, no longer than the host's.
    fn timeouts(&self, asked: Option<RequestOptions>) -> RequestOptions {
        let asked = asked.unwrap_or_default();
        let limits = &self.app.limits;
        let cap = |asked: Option<Duration>, host: Duration| Some(asked.map_or(host, |a| a.min(host)));
        RequestOptions {
            connect_timeout: cap(asked.connect_timeout, limits.fetch_connect_timeout),
            first_byte_timeout: cap(asked.first_byte_timeout, limits.fetch_first_byte_timeout),
            between_bytes_timeout: cap(asked.between_bytes_timeout, limits.fetch_between_bytes_timeout),
        }
    }
}

impl WasiHttpHooks for Outbound {
    fn send_request(
        &mut self,
        request: http::Request<WasiBody>,
        options: Option<RequestOptions>,
        fut: Box<dyn Future<Output = Result<(), Error>> + Send>,
    ) -> Box<
        dyn Future<
                Output = Result<(http::Response<WasiBody>, Box<dyn Future<Output = Result<(), Error>> + Send>), Error>,
            > + Send,
    > {
        let _ = fut;
        // Taken now, while the guest waits in `handle`: the fetch over the
        // limit fails at once, and the order is the guest's.
        let slot = match self.try_slot() {
            Ok(slot) => slot,
            Err(e) => {
                tracing::debug!(app = %self.app.name, "outbound request refused: {e}");
                self.app.metrics.limit_hit(LimitKind::Fetches);
                self.app.metrics.fetch(FetchOutcome::Denied);
                return Box::new(async move { Err(e) });
            }
        };
        let app = self.app.clone();
        let options = self.timeouts(options);
        let dns_timeout = options.connect_timeout.unwrap_or(app.limits.fetch_connect_timeout);
        let metrics = app.metrics.clone();
        let send = async move {
            let uri = request.uri();
            let host = uri.host().unwrap_or_default().trim_start_matches('[').trim_end_matches(']').to_string();
            let https = uri.scheme_str() == Some("https");
            let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
            let policy = &app.limits.outbound;
            if !policy.allows_host(&host, port) {
                tracing::info!(app = %app.name, "outbound request to {host}:{port} refused: not in the allow-list (--allow-host, [app.outbound] allow)");
                return Err(Error::HttpRequestDenied);
            }
            // Resolved once: the addresses checked are the ones connected to.
            let addrs = match host.parse::<IpAddr>() {
                Ok(ip) => vec![SocketAddr::new(ip, port)],
                Err(_) => resolve(lookup(&host, port), dns_timeout).await.inspect_err(|e| {
                    tracing::info!(app = %app.name, "outbound request to {host}:{port}: DNS lookup failed: {e}");
                })?,
            };
            if addrs.is_empty() {
                return Err(Error::DnsError { rcode: Some("no addresses".into()), info_code: None });
            }
            if let Some((addr, range)) = policy.refused(&addrs) {
                tracing::info!(app = %app.name, "outbound request to {host}:{port} refused: {} is in {range}", addr.ip());
                return Err(Error::DestinationIpProhibited);
            }
            let to = connect::Destination { https, host: &host, addrs: &addrs };
            connect::send(request, Some(options), &to, slot, &app.connections, &policy.tls).await
        };
        Box::new(async move {
            let result = send.await;
            metrics.fetch(match &result {
                Ok(_) => FetchOutcome::Ok,
                Err(Error::HttpRequestDenied | Error::DestinationIpProhibited) => {
                    metrics.limit_hit(LimitKind::OutboundDenied);
                    FetchOutcome::Denied
                }
                Err(Error::ConnectionTimeout | Error::ConnectionReadTimeout | Error::HttpResponseTimeout) => {
                    FetchOutcome::Timeout
                }
                Err(Error::DnsError { rcode: Some(rcode), .. }) if rcode == "timeout" => FetchOutcome::Timeout,
                Err(_) => FetchOutcome::Error,
            });
            result
        })
    }

    /// A failed TLS handshake: the upstream's fault or its certificate's,
    /// so an INFO line (with rustls's reason) and the most specific code.
    fn p2_error_from_tls(&mut self, err: &std::io::Error) -> ErrorCode {
        tracing::info!(app = %self.app.name, "outbound request: TLS handshake failed: {err}");
        tls_error_code(err)
    }
}

/// The wasi:http code for a TLS handshake that failed with `err`.
fn tls_error_code(err: &std::io::Error) -> ErrorCode {
    match err.get_ref().and_then(|e| e.downcast_ref::<rustls::Error>()) {
        Some(rustls::Error::InvalidCertificate(_)) => ErrorCode::TlsCertificateError,
        Some(rustls::Error::AlertReceived(alert)) => ErrorCode::TlsAlertReceived(TlsAlertReceivedPayload {
            alert_id: Some(u8::from(*alert)),
            alert_message: Some(format!("{alert:?}")),
        }),
        _ => ErrorCode::TlsProtocolError,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn range(s: &str) -> Option<String> {
        special(ip(s)).map(|s| s.net.to_string())
    }

    /// The address just before and just after a block.
    fn neighbours(net: IpNet) -> [Option<IpAddr>; 2] {
        match net {
            IpNet::V4(n) => [u32::from(n.network()).checked_sub(1), u32::from(n.broadcast()).checked_add(1)]
                .map(|a| a.map(|a| Ipv4Addr::from(a).into())),
            IpNet::V6(n) => [u128::from(n.network()).checked_sub(1), u128::from(n.broadcast()).checked_add(1)]
                .map(|a| a.map(|a| Ipv6Addr::from(a).into())),
        }
    }

    /// Every row: its first and last address fall in it (or in a more
    /// specific row inside it); the addresses either side do not.
    #[test]
    fn every_range_holds_its_ends_and_not_its_neighbours() {
        let rows =
            SPECIAL_V4.iter().map(|&(n, _)| IpNet::from(n)).chain(SPECIAL_V6.iter().map(|&(n, _)| IpNet::from(n)));
        for net in rows {
            for inside in [net.network(), net.broadcast()] {
                let found = special(inside).unwrap_or_else(|| panic!("{inside} in {net} was allowed"));
                assert!(found.via.is_none() && net.contains(&found.net), "{inside}: {found} is not in {net}");
            }
            for outside in neighbours(net).into_iter().flatten() {
                assert_ne!(special(outside).map(|s| s.net), Some(net), "{outside} is outside {net}");
            }
        }
    }

    #[test]
    fn ipv4_ranges_and_their_public_neighbours() {
        let cases = [
            ("0.0.0.0", "0.0.0.0/8", "1.0.0.0"),
            ("10.255.255.255", "10.0.0.0/8", "11.0.0.0"),
            ("10.0.0.0", "10.0.0.0/8", "9.255.255.255"),
            ("100.64.0.0", "100.64.0.0/10", "100.63.255.255"),
            ("100.127.255.255", "100.64.0.0/10", "100.128.0.0"),
            ("127.0.0.1", "127.0.0.0/8", "126.255.255.255"),
            ("127.255.255.255", "127.0.0.0/8", "128.0.0.0"),
            ("168.63.129.16", "168.63.129.16/32", "168.63.129.15"),
            ("168.63.129.16", "168.63.129.16/32", "168.63.129.17"),
            ("169.254.169.254", "169.254.0.0/16", "169.253.255.255"),
            ("169.254.255.255", "169.254.0.0/16", "169.255.0.0"),
            ("172.16.0.0", "172.16.0.0/12", "172.15.255.255"),
            ("172.31.255.255", "172.16.0.0/12", "172.32.0.0"),
            ("192.0.0.0", "192.0.0.0/24", "191.255.255.255"),
            ("192.0.0.192", "192.0.0.0/24", "192.0.1.0"),
            ("192.0.2.1", "192.0.2.0/24", "192.0.3.0"),
            ("192.88.99.1", "192.88.99.0/24", "192.88.98.255"),
            ("192.88.99.255", "192.88.99.0/24", "192.88.100.0"),
            ("192.168.0.0", "192.168.0.0/16", "192.167.255.255"),
            ("192.168.255.255", "192.168.0.0/16", "192.169.0.0"),
            ("198.18.0.1", "198.18.0.0/15", "198.17.255.255"),
            ("198.19.255.255", "198.18.0.0/15", "198.20.0.0"),
            ("198.51.100.0", "198.51.100.0/24", "198.51.99.255"),
            ("198.51.100.255", "198.51.100.0/24", "198.51.101.0"),
            ("203.0.113.0", "203.0.113.0/24", "203.0.112.255"),
            ("203.0.113.255", "203.0.113.0/24", "203.0.114.0"),
            ("224.0.0.0", "224.0.0.0/4", "223.255.255.255"),
            ("239.255.255.255", "224.0.0.0/4", "8.8.8.8"),
            ("240.0.0.1", "240.0.0.0/4", "93.184.216.34"),
            ("255.255.255.254", "240.0.0.0/4", "1.1.1.1"),
            ("255.255.255.255", "255.255.255.255/32", "100.128.0.1"),
        ];
        for (inside, net, outside) in cases {
            assert_eq!(range(inside).as_deref(), Some(net), "{inside}");
            assert_eq!(range(outside), None, "{outside} next to {net}");
        }
    }

    #[test]
    fn ipv6_ranges_and_their_public_neighbours() {
        let cases = [
            ("::", "::/128"),
            ("::1", "::1/128"),
            ("64:ff9b:1::", "64:ff9b:1::/48"),
            ("64:ff9b:1:ffff:ffff:ffff:ffff:ffff", "64:ff9b:1::/48"),
            ("100::", "100::/64"),
            ("100::ffff:ffff:ffff:ffff", "100::/64"),
            ("2001::1", "2001::/32"),
            ("2001:0:ffff::", "2001::/32"),
            ("2001:1::1", "2001::/23"),
            ("2001:2::1", "2001::/23"),
            ("2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff", "2001::/23"),
            ("2001:db8::1", "2001:db8::/32"),
            ("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", "2001:db8::/32"),
            ("3fff::", "3fff::/20"),
            ("3fff:fff:ffff:ffff:ffff:ffff:ffff:ffff", "3fff::/20"),
            ("fc00::", "fc00::/7"),
            ("fd00:ec2::254", "fc00::/7"),
            ("fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "fc00::/7"),
            ("fe80::1", "fe80::/10"),
            ("febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "fe80::/10"),
            ("fec0::1", "fec0::/10"),
            ("feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "fec0::/10"),
            ("ff02::1", "ff00::/8"),
            ("1::", "2000::/3"),
            ("4000::", "2000::/3"),
            ("5f00::1", "2000::/3"),
            ("fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "2000::/3"),
        ];
        for (inside, net) in cases {
            assert_eq!(range(inside).as_deref(), Some(net), "{inside}");
        }
        let public = [
            "2001:200::",
            "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff",
            "2001:db9::",
            "2001:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
            "2003::",
            "2000::",
            "3ffe:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
            "3fff:1000::",
            "3fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
            "2606:4700::1111",
            "2a00:1450:4001:80b::200e",
        ];
        for ip in public {
            assert_eq!(range(ip), None, "{ip}");
        }
    }

    #[test]
    fn embedded_ipv4_is_decoded_and_judged() {
        let cases = [
            // NAT64 (/96: the last 32 bits), the metadata address and loopback.
            ("64:ff9b::a9fe:a9fe", Some(("169.254.0.0/16", "64:ff9b::/96"))),
            ("64:ff9b::7f00:1", Some(("127.0.0.0/8", "64:ff9b::/96"))),
            ("64:ff9b::a00:1", Some(("10.0.0.0/8", "64:ff9b::/96"))),
            ("64:ff9b::808:808", None),
            // 6to4: bits 16..48.
            ("2002:7f00:1::", Some(("127.0.0.0/8", "2002::/16"))),
            ("2002:a9fe:a9fe:1234::1", Some(("169.254.0.0/16", "2002::/16"))),
            ("2002:c612:1::", Some(("198.18.0.0/15", "2002::/16"))),
            ("2002:808:808::1", None),
            // IPv4-mapped, compatible, translated (SIIT).
            ("::ffff:127.0.0.1", Some(("127.0.0.0/8", "::ffff:0:0/96"))),
            ("::ffff:a9fe:a9fe", Some(("169.254.0.0/16", "::ffff:0:0/96"))),
            ("::ffff:8.8.8.8", None),
            ("::7f00:1", Some(("127.0.0.0/8", "::/96"))),
            ("::2", Some(("0.0.0.0/8", "::/96"))),
            ("::808:808", None),
            ("::ffff:0:7f00:1", Some(("127.0.0.0/8", "::ffff:0:0:0/96"))),
            ("::ffff:0:a83f:8110", Some(("168.63.129.16/32", "::ffff:0:0:0/96"))),
            ("::ffff:0:808:808", None),
        ];
        for (addr, expected) in cases {
            let found = special(ip(addr)).map(|s| (s.net, s.via.map(|(n, _)| n)));
            let expected = expected.map(|(net, via): (&str, &str)| (net.parse().unwrap(), Some(via.parse().unwrap())));
            assert_eq!(found, expected, "{addr}");
        }
        let (v4, _) = embedded_ipv4("2002:c000:0204::".parse().unwrap()).unwrap();
        assert_eq!(v4, Ipv4Addr::new(192, 0, 2, 4));
        assert_eq!(embedded_ipv4("2001:db8::1".parse().unwrap()), None);
        // The local-use NAT64 prefix is refused outright, whatever it carries.
        assert_eq!(range("64:ff9b:1::808:808").as_deref(), Some("64:ff9b:1::/48"));
    }

    fn policy(entries: &[&str]) -> OutboundPolicy {
        OutboundPolicy { allowed: Arc::new(entries.iter().map(|e| e.parse().unwrap()).collect()), ..Default::default() }
    }

    fn sock(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    #[test]
    fn entries_parse_as_names_addresses_or_blocks() {
        let name = |n: &str, port| AllowEntry::Name { name: n.into(), port };
        let addr = |n: &str, port| AllowEntry::Addr { net: n.parse().unwrap(), port };
        assert_eq!("Example.COM".parse(), Ok(name("example.com", None)));
        assert_eq!("example.com.:8443".parse(), Ok(name("example.com", Some(8443))));
        assert_eq!("bücher.example".parse(), Ok(name("xn--bcher-kva.example", None)));
        assert_eq!("localhost".parse(), Ok(name("localhost", None)));
        assert_eq!("127.0.0.1".parse(), Ok(addr("127.0.0.1/32", None)));
        assert_eq!("127.0.0.1:3000".parse(), Ok(addr("127.0.0.1/32", Some(3000))));
        assert_eq!("::1".parse(), Ok(addr("::1/128", None)));
        assert_eq!("[::1]".parse(), Ok(addr("::1/128", None)));
        assert_eq!("[::1]:8080".parse(), Ok(addr("::1/128", Some(8080))));
        assert_eq!("10.1.2.3/8".parse(), Ok(addr("10.0.0.0/8", None)));
        assert_eq!("fd00::/8".parse(), Ok(addr("fd00::/8", None)));
        let bad = ["", "http://example.com", "example.com:0", "example.com:http", "[::1", "[::1]x", "127.1"];
        for bad in bad.into_iter().chain(["10.0.0.0/33", "a b", "user@example.com"]) {
            assert!(bad.parse::<AllowEntry>().is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn a_name_entry_never_opens_a_private_address() {
        let p = policy(&["localhost", "api.example.com:443"]);
        assert!(p.allows_host("localhost", 8080));
        assert!(p.allows_host("api.example.com", 443));
        assert!(!p.allows_host("api.example.com", 80));
        assert!(!p.allows_host("127.0.0.1", 8080));
        // What the names resolve to is still checked.
        assert!(p.refused(&[sock("127.0.0.1:8080")]).is_some());
        assert!(p.refused(&[sock("[::1]:8080")]).is_some());
        assert!(p.refused(&[sock("93.184.216.34:443"), sock("169.254.169.254:443")]).is_some());
        assert!(p.refused(&[sock("[64:ff9b::a9fe:a9fe]:443")]).is_some());
        assert!(p.refused(&[sock("93.184.216.34:443")]).is_none());
        // So does no list at all.
        let open = policy(&[]);
        assert!(open.allows_host("anything.example", 80) && open.allows_host("127.0.0.1", 80));
        assert!(open.refused(&[sock("127.0.0.1:80")]).is_some());
        assert!(open.refused(&[sock("8.8.8.8:53")]).is_none());
    }

    #[test]
    fn an_address_entry_opens_exactly_that_address() {
        let p = policy(&["127.0.0.1:3000", "[::1]", "10.0.0.0/8", "api.internal"]);
        assert!(p.allows_host("127.0.0.1", 3000) && !p.allows_host("127.0.0.1", 3001));
        assert!(p.allows_host("[::1]", 1) && p.allows_host("::1", 65535));
        assert!(p.allows_host("10.9.8.7", 80) && !p.allows_host("11.0.0.1", 80));
        assert!(p.refused(&[sock("127.0.0.1:3000")]).is_none());
        assert!(p.refused(&[sock("127.0.0.1:3001")]).is_some());
        assert!(p.refused(&[sock("127.0.0.2:3000")]).is_some());
        // The mapped form is the same address; the NAT64 form is another one.
        assert!(p.refused(&[sock("[::ffff:127.0.0.1]:3000")]).is_none());
        assert!(p.refused(&[sock("[64:ff9b::7f00:1]:3000")]).is_some());
        // A name whose addresses are all listed may reach them.
        assert!(p.allows_host("api.internal", 80));
        assert!(p.refused(&[sock("10.1.2.3:80")]).is_none());
        assert!(p.refused(&[sock("10.1.2.3:80"), sock("192.168.1.1:80")]).is_some());
        // The list stays a list: an unlisted public host is not allowed.
        assert!(!p.allows_host("example.com", 443) && !p.allows_host("8.8.8.8", 443));
    }

    #[tokio::test]
    async fn dns_lookups_time_out() {
        let start = std::time::Instant::now();
        let slow = std::future::pending::<std::io::Result<std::vec::IntoIter<SocketAddr>>>();
        let result = resolve(slow, Duration::from_millis(50)).await;
        assert!(matches!(result, Err(Error::DnsError { rcode: Some(ref r), .. }) if r == "timeout"), "{result:?}");
        assert!(start.elapsed() < Duration::from_secs(2));
        let quick = async { Ok(vec![sock("93.184.216.34:80")].into_iter()) };
        assert_eq!(resolve(quick, Duration::from_millis(50)).await.unwrap(), vec![sock("93.184.216.34:80")]);
    }

    #[test]
    fn the_guest_timeouts_are_capped_by_the_host() {
        let secs = Duration::from_secs;
        let limits = crate::limits::AppLimits {
            fetch_connect_timeout: secs(10),
            fetch_first_byte_timeout: secs(60),
            fetch_between_bytes_timeout: secs(60),
            ..Default::default()
        };
        let outbound = Outbound::new(&crate::app::AppConfig::new("test", limits.clone()));
        let asked = RequestOptions {
            connect_timeout: Some(secs(3600)),
            first_byte_timeout: Some(secs(5)),
            between_bytes_timeout: None,
        };
        let got = outbound.timeouts(Some(asked));
        assert_eq!(got.connect_timeout, Some(secs(10)));
        assert_eq!(got.first_byte_timeout, Some(secs(5)));
        assert_eq!(got.between_bytes_timeout, Some(secs(60)));
        assert_eq!(outbound.timeouts(None).connect_timeout, Some(secs(10)));
    }

    #[tokio::test]
    async fn fetch_slots_are_limited_and_released_once() {
        let limits = crate::limits::AppLimits { max_fetches: 2, ..Default::default() };
        let outbound = Outbound::new(&crate::app::AppConfig::new("test", limits.clone()));
        let a = outbound.try_slot().unwrap();
        let b = outbound.try_slot().unwrap();
        let refused = outbound.try_slot().unwrap_err();
        assert!(refused.to_string().contains("the limit is 2 per request"), "{refused}");
        // A slot shared by the body and the connection frees one place.
        let a2 = a.clone();
        a.release();
        a2.release();
        let c = outbound.try_slot().unwrap();
        assert!(outbound.try_slot().is_err());
        drop(b);
        assert!(outbound.try_slot().is_ok());
        drop(c);
        // Another instance has places of its own.
        assert!(Outbound::new(&crate::app::AppConfig::new("test", limits.clone())).try_slot().is_ok());
    }
}
