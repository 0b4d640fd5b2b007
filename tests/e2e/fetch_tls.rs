//! fetch() over https: an upstream on 127.0.0.1 with a certificate from a
//! CA made for this run, trusted through `--ca-certs`; HTTP/2 when the
//! upstream offers it through ALPN, HTTP/1.1 when it does not.

use crate::common::*;
use crate::fetch::assert_ok;
use bytes::Bytes;
use http_body_util::Full;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

struct TlsUpstream {
    addr: SocketAddr,
    /// The CA that signed the upstream's certificate, as PEM.
    ca: PathBuf,
    /// Connections whose TLS handshake completed.
    connections: Arc<AtomicUsize>,
    _runtime: tokio::runtime::Runtime,
}

/// A CA, and a certificate it signed for 127.0.0.1 and localhost.
fn certificates() -> (String, rustls::pki_types::CertificateDer<'static>, rustls::pki_types::PrivateKeyDer<'static>) {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name.push(DnType::CommonName, "nano test CA");
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::DigitalSignature];
    let ca_pem = ca.self_signed(&ca_key).unwrap().pem();
    let issuer = Issuer::new(ca, ca_key);
    let key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()]).unwrap();
    let cert = leaf.signed_by(&key, &issuer).unwrap();
    (ca_pem, cert.der().clone(), rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()))
}

/// Answers `/version` with the request's HTTP version and `:authority` (or
/// Host), `/bytes?n=N` with N bytes, and `/length` with its body's length.
async fn handle(
    req: hyper::Request<hyper::body::Incoming>,
) -> Result<hyper::Response<Full<Bytes>>, std::convert::Infallible> {
    let body = match req.uri().path() {
        "/version" => {
            let authority = req.uri().authority().map(|a| a.to_string());
            let host = req.headers().get("host").and_then(|h| h.to_str().ok()).map(str::to_string);
            format!("{:?} {}", req.version(), authority.or(host).unwrap_or_default()).into_bytes()
        }
        "/length" => {
            let body = http_body_util::BodyExt::collect(req.into_body()).await.map(|b| b.to_bytes().len());
            format!("{}", body.unwrap_or(0)).into_bytes()
        }
        "/bytes" => {
            let n = req.uri().query().and_then(|q| q.strip_prefix("n=")).and_then(|n| n.parse().ok()).unwrap_or(0);
            vec![b'x'; n]
        }
        _ => b"not found".to_vec(),
    };
    Ok(hyper::Response::new(Full::new(Bytes::from(body))))
}

/// An https upstream offering `alpn` (in order of preference).
fn start(name: &str, alpn: &[&[u8]]) -> TlsUpstream {
    let (ca_pem, cert, key) = certificates();
    let ca = scratch(&format!("fetch-tls-{name}-ca")).join("ca.pem");
    std::fs::write(&ca, ca_pem).unwrap();
    let mut config = rustls::ServerConfig::builder().with_no_client_auth().with_single_cert(vec![cert], key).unwrap();
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let addr = listener.local_addr().unwrap();
    let connections = Arc::new(AtomicUsize::new(0));
    let accepted = connections.clone();
    runtime.spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else { continue };
            let (acceptor, accepted) = (acceptor.clone(), accepted.clone());
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(tcp).await else { return };
                accepted.fetch_add(1, Ordering::SeqCst);
                let builder = hyper_util::server::conn::auto::Builder::new(hyper_util::rt::TokioExecutor::new());
                let service = hyper::service::service_fn(handle);
                let _ = builder.serve_connection(hyper_util::rt::TokioIo::new(tls), service).await;
            });
        }
    });
    TlsUpstream { addr, ca, connections, _runtime: runtime }
}

/// Runs a module script with `UPSTREAM` (https://127.0.0.1:port) defined.
fn run(up: &TlsUpstream, name: &str, trust: bool, body: &str) -> std::process::Output {
    let path = scratch(&format!("fetch-tls-{name}")).join(format!("{name}.mjs"));
    std::fs::write(&path, format!("const UPSTREAM = 'https://{}';\n{body}\nexport {{}};\n", up.addr)).unwrap();
    let mut cmd = nano();
    cmd.args(["exec", "--allow-host", "127.0.0.1"]);
    if trust {
        cmd.arg("--ca-certs").arg(&up.ca);
    }
    cmd.arg(&path).output().unwrap()
}

const FETCHES: &str = r#"
const version = async (i) => (await fetch(`${UPSTREAM}/version?i=${i}`)).text();
console.log(await version(0));
// Once the first connection is up, concurrent fetches share it.
const all = await Promise.all(Array.from({ length: 8 }, (_, i) => version(i + 1)));
console.log(new Set(all).size, all.length);
// More than the stream and connection windows, read to the end.
const big = await fetch(`${UPSTREAM}/bytes?n=${3 << 20}`);
console.log((await big.arrayBuffer()).byteLength);
const posted = await fetch(`${UPSTREAM}/length`, { method: 'POST', body: 'y'.repeat(300000) });
console.log(await posted.text());
"#;

#[test]
fn an_upstream_that_offers_h2_gets_http2_on_one_connection() {
    let up = start("h2", &[b"h2", b"http/1.1"]);
    let out = run(&up, "h2", true, FETCHES);
    let stdout = assert_ok(&out);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines, [format!("HTTP/2.0 {}", up.addr).as_str(), "1 8", "3145728", "300000"], "{stdout}");
    assert_eq!(up.connections.load(Ordering::SeqCst), 1, "every fetch went over the first HTTP/2 connection");
}

#[test]
fn an_upstream_that_offers_only_http1_gets_http1_with_keep_alive() {
    let up = start("h1", &[b"http/1.1"]);
    let out = run(&up, "h1", true, FETCHES);
    let stdout = assert_ok(&out);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines, [format!("HTTP/1.1 {}", up.addr).as_str(), "1 8", "3145728", "300000"], "{stdout}");
    // HTTP/1.1 carries one exchange at a time: the concurrent fetches needed
    // connections of their own, but no more than there were fetches at once.
    let connections = up.connections.load(Ordering::SeqCst);
    assert!((2..=9).contains(&connections), "{connections} connections");
}

/// Eight fetches at once to an origin nothing has connected to yet.
const BURST: &str = r#"
const all = await Promise.all(Array.from({ length: 8 }, async (_, i) => (await fetch(`${UPSTREAM}/version?i=${i}`)).text()));
console.log(new Set(all).size, all.length, all[0].split(' ')[0]);
"#;

#[test]
fn a_burst_of_first_fetches_to_an_h2_upstream_opens_one_connection() {
    let up = start("burst-h2", &[b"h2", b"http/1.1"]);
    let out = run(&up, "burst-h2", true, BURST);
    let stdout = assert_ok(&out);
    assert_eq!(stdout.trim(), "1 8 HTTP/2.0");
    assert_eq!(up.connections.load(Ordering::SeqCst), 1, "the other seven waited for the first connection");

    // An HTTP/1.1 upstream: the others open their own once the first
    // handshake tells that it cannot be shared.
    let up = start("burst-h1", &[b"http/1.1"]);
    let out = run(&up, "burst-h1", true, BURST);
    let stdout = assert_ok(&out);
    assert_eq!(stdout.trim(), "1 8 HTTP/1.1");
    let connections = up.connections.load(Ordering::SeqCst);
    assert!((2..=8).contains(&connections), "{connections} connections");
}

#[test]
fn an_upstream_whose_ca_is_not_trusted_is_refused() {
    let up = start("untrusted", &[b"h2", b"http/1.1"]);
    let out = run(
        &up,
        "untrusted",
        false,
        "try { await fetch(`${UPSTREAM}/version`); console.log('fetched'); } catch (e) { console.log(e.name, e.message); }",
    );
    let stdout = assert_ok(&out);
    assert!(stdout.starts_with("TypeError"), "{stdout}");
    assert!(stdout.contains("certificate is not trusted") && stdout.contains("--ca-certs"), "{stdout}");
}

#[test]
fn a_ca_file_that_is_not_pem_is_a_usage_error() {
    let dir = scratch("fetch-tls-bad-ca");
    let path = dir.join("bad.pem");
    std::fs::write(&path, "hello").unwrap();
    let script = dir.join("s.mjs");
    std::fs::write(&script, "console.log('ran')").unwrap();
    let out = nano().arg("exec").arg("--ca-certs").arg(&path).arg(&script).output().unwrap();
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(stderr.contains("--ca-certs") && stderr.contains("holds no PEM certificate"), "{stderr}");
    assert!(!text(&out.stdout).contains("ran"));
}

#[test]
fn instances_of_one_app_share_its_http2_connection() {
    let up = start("shared", &[b"h2", b"http/1.1"]);
    let app = scratch("fetch-tls-shared").join("app.js");
    std::fs::write(
        &app,
        format!(
            "export default {{ async fetch() {{ return new Response(await (await fetch('https://{}/version')).text()); }} }};",
            up.addr
        ),
    )
    .unwrap();
    let ca = up.ca.to_str().unwrap();
    let server = Server::start_with(&app, &["--allow-host", "127.0.0.1", "--ca-certs", ca], nano());
    for _ in 0..5 {
        let response = server.get("/");
        assert_eq!(response.status, 200, "{}", server.log());
        assert_eq!(response.text(), format!("HTTP/2.0 {}", up.addr));
    }
    assert_eq!(up.connections.load(Ordering::SeqCst), 1, "five requests, one connection");
}
