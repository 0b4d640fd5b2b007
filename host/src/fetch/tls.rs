//! What fetch() over https trusts and offers: the webpki roots, plus the CA
//! certificates an operator adds with `--ca-certs` (an internal CA, a
//! test upstream); HTTP/2 and HTTP/1.1 through ALPN, HTTP/2 preferred.

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;
use std::path::Path;
use std::sync::{Arc, OnceLock};

/// The protocols offered in the TLS handshake, in order of preference.
const ALPN: [&[u8]; 2] = [b"h2", b"http/1.1"];

/// A TLS client configuration for fetch(), built once and shared by every
/// connection of the apps it is given to.
#[derive(Clone)]
pub struct TlsClient {
    config: Arc<rustls::ClientConfig>,
    /// CA certificates trusted beyond the webpki roots.
    added: usize,
}

impl TlsClient {
    fn with_roots(extra: Vec<CertificateDer<'static>>) -> Result<TlsClient, rustls::Error> {
        let mut roots = rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.into() };
        let added = extra.len();
        for cert in extra {
            roots.add(cert)?;
        }
        let mut config = rustls::ClientConfig::builder().with_root_certificates(roots).with_no_client_auth();
        config.alpn_protocols = ALPN.iter().map(|p| p.to_vec()).collect();
        Ok(TlsClient { config: Arc::new(config), added })
    }

    /// The webpki roots and the CA certificates of the PEM file at `path`
    /// (`--ca-certs`). A file without a certificate, or with one that is not
    /// a CA certificate rustls can use, is an error, not a silent no-op.
    pub fn with_ca_file(path: &Path) -> Result<TlsClient, String> {
        let shown = path.display();
        let certs = CertificateDer::pem_file_iter(path)
            .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
            .map_err(|e| format!("reading CA certificates from {shown}: {e}"))?;
        if certs.is_empty() {
            return Err(format!("{shown} holds no PEM certificate (-----BEGIN CERTIFICATE-----)"));
        }
        TlsClient::with_roots(certs).map_err(|e| format!("a certificate in {shown} cannot be trusted: {e}"))
    }

    /// For clap: `--ca-certs FILE`.
    pub fn parse_ca_file(path: &str) -> Result<TlsClient, String> {
        TlsClient::with_ca_file(Path::new(path))
    }

    pub fn config(&self) -> Arc<rustls::ClientConfig> {
        self.config.clone()
    }
}

impl Default for TlsClient {
    /// The webpki roots only, one configuration for the whole process.
    fn default() -> Self {
        static DEFAULT: OnceLock<TlsClient> = OnceLock::new();
        DEFAULT.get_or_init(|| TlsClient::with_roots(Vec::new()).expect("the webpki roots are valid")).clone()
    }
}

impl std::fmt::Debug for TlsClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsClient").field("added_roots", &self.added).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offers_h2_then_http1() {
        let alpn = &TlsClient::default().config().alpn_protocols;
        assert_eq!(alpn, &[b"h2".to_vec(), b"http/1.1".to_vec()]);
    }

    #[test]
    fn a_ca_file_must_hold_a_usable_certificate() {
        let dir = std::env::temp_dir().join(format!("nano-tls-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let missing = TlsClient::with_ca_file(&dir.join("absent.pem")).unwrap_err();
        assert!(missing.contains("reading CA certificates from") && missing.contains("absent.pem"), "{missing}");
        let empty = dir.join("empty.pem");
        std::fs::write(&empty, "not a certificate\n").unwrap();
        let err = TlsClient::with_ca_file(&empty).unwrap_err();
        assert!(err.contains("holds no PEM certificate"), "{err}");
        let garbage = dir.join("garbage.pem");
        std::fs::write(&garbage, "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n").unwrap();
        let err = TlsClient::with_ca_file(&garbage).unwrap_err();
        assert!(err.contains("cannot be trusted"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
