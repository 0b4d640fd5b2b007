//! Outbound HTTP policy (`fetch()` goes out through wasi:http's
//! outgoing-handler; this is the host's send-request hook): an allow-list
//! of hosts, and no private, loopback, link-local or metadata addresses
//! unless a host is explicitly allowed (SSRF protection).

use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use wasmtime_wasi_http::{Error, RequestOptions, WasiBody, WasiHttpHooks};

/// Which outbound destinations apps may reach.
#[derive(Clone, Debug, Default)]
pub struct OutboundPolicy {
    /// `host` or `host:port` entries (`--allow-host`). When empty, every
    /// public address is allowed; when not, only these hosts are.
    /// Listing a private address (e.g. `127.0.0.1:8080`) allows it.
    pub allowed: Arc<Vec<String>>,
}

impl OutboundPolicy {
    fn allows(&self, host: &str, port: u16) -> bool {
        let host = host.trim_start_matches('[').trim_end_matches(']').to_ascii_lowercase();
        self.allowed.iter().any(|entry| {
            let entry = entry.to_ascii_lowercase();
            entry == host || entry == format!("{host}:{port}") || entry == format!("[{host}]:{port}")
        })
    }
}

/// Addresses an app must not reach unless allowed by name.
pub fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local() // includes 169.254.169.254, the cloud metadata address
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || a == 0
                || (a == 100 && (64..128).contains(&b)) // carrier-grade NAT
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_private(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00 // unique local
                || (first & 0xffc0) == 0xfe80 // link local
        }
    }
}

impl WasiHttpHooks for OutboundPolicy {
    fn send_request(
        &mut self,
        request: http::Request<WasiBody>,
        options: Option<RequestOptions>,
        fut: Box<dyn Future<Output = Result<(), Error>> + Send>,
    ) -> Box<
        dyn Future<Output = Result<(http::Response<WasiBody>, Box<dyn Future<Output = Result<(), Error>> + Send>), Error>>
            + Send,
    > {
        let _ = fut;
        let policy = self.clone();
        Box::new(async move {
            let uri = request.uri();
            let host = uri.host().unwrap_or_default().trim_start_matches('[').trim_end_matches(']').to_string();
            let https = uri.scheme_str() == Some("https");
            let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
            let named = policy.allows(&host, port);
            if !policy.allowed.is_empty() && !named {
                tracing::info!("outbound request to {host}:{port} refused: not in --allow-host");
                return Err(Error::HttpRequestDenied);
            }
            // Resolved once: the addresses checked are the ones connected to.
            let addrs: Vec<SocketAddr> = match host.parse::<IpAddr>() {
                Ok(ip) => vec![SocketAddr::new(ip, port)],
                Err(_) => tokio::net::lookup_host((host.as_str(), port))
                    .await
                    .map_err(|_| Error::DnsError { rcode: Some("address not found".into()), info_code: None })?
                    .collect(),
            };
            if addrs.is_empty() {
                return Err(Error::DnsError { rcode: Some("no addresses".into()), info_code: None });
            }
            if !named {
                if let Some(addr) = addrs.iter().find(|a| is_private(a.ip())) {
                    tracing::info!("outbound request to {host}:{port} refused: {} is a private address", addr.ip());
                    return Err(Error::DestinationIpProhibited);
                }
            }
            crate::connect::send(request, options, &host, &addrs, https).await
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_ranges() {
        for ip in ["127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "0.0.0.0", "100.64.0.1", "::1", "fd00::1", "fe80::1", "::ffff:127.0.0.1"] {
            assert!(is_private(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["93.184.216.34", "8.8.8.8", "2606:4700::1111", "100.128.0.1"] {
            assert!(!is_private(ip.parse().unwrap()), "{ip}");
        }
    }

    #[test]
    fn allow_list_matches_host_or_host_and_port() {
        let policy = OutboundPolicy { allowed: Arc::new(vec!["127.0.0.1:8080".into(), "Example.com".into()]) };
        assert!(policy.allows("127.0.0.1", 8080));
        assert!(!policy.allows("127.0.0.1", 8081));
        assert!(policy.allows("example.com", 443));
        assert!(!policy.allows("other.com", 443));
    }
}
