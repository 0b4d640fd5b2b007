//! Entry points for the fuzz targets (`fuzz/`, `just fuzz`): the host's inputs
//! from the guest, reached exactly as a guest reaches them (through the WIT
//! host traits on a real `State`), so a finding is a finding in the server.
//! Also used by the regression test that replays the committed corpora.

use crate::app::AppConfig;
use crate::bindings::nano::platform::{clone, compression, crypto, url};
use crate::limits::AppLimits;
use crate::state::{LogSink, State};

fn state() -> State {
    State::new(wasmtime_wasi::WasiCtx::builder().build(), LogSink::Stdio, &AppConfig::new("fuzz", AppLimits::default()))
}

/// structuredClone's wire format, as `deserialize` gets it from a guest.
pub fn clone_wire(data: &[u8]) {
    let mut state = state();
    if let Ok(nodes) = clone::Host::deserialize(&mut state, data.to_vec()) {
        // What decodes must encode again within the limits, or fail cleanly.
        let _ = clone::Host::serialize(&mut state, nodes);
    }
}

/// Key import in every format, for every key kind: the first byte picks the
/// kind and format, the rest is the key.
pub fn crypto_import(data: &[u8]) {
    use crypto::{KeyFormat, KeyKind};
    let Some((&selector, key)) = data.split_first() else { return };
    let kinds = [KeyKind::P256, KeyKind::P384, KeyKind::P521, KeyKind::Ed25519, KeyKind::X25519, KeyKind::Rsa];
    let formats = [KeyFormat::Raw, KeyFormat::Spki, KeyFormat::Pkcs8];
    let kind = kinds[(selector & 0x0f) as usize % kinds.len()];
    let mut state = state();
    match selector >> 4 {
        // A JWK's members, `name=value` separated by NUL bytes.
        0 => {
            let members = key
                .split(|b| *b == 0)
                .filter_map(|m| {
                    let at = m.iter().position(|b| *b == b'=')?;
                    Some(crypto::JwkMember {
                        name: String::from_utf8_lossy(&m[..at]).into_owned(),
                        value: m[at + 1..].to_vec(),
                    })
                })
                .collect();
            let _ = crypto::Host::import_jwk(&mut state, kind, members, true);
        }
        n => {
            let format = formats[n as usize % formats.len()];
            if let Ok(Ok(key)) = crypto::Host::import_key(&mut state, kind, format, key.to_vec(), true) {
                let _ = crypto::HostKey::export(&mut state, key, format);
            }
        }
    }
}

/// The URL parser and setters: the input is `href NUL component NUL value`
/// or `input NUL base`.
pub fn url_parse_and_set(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let mut parts = text.splitn(3, '\0');
    let first = parts.next().unwrap_or_default().to_string();
    let second = parts.next().map(str::to_string);
    let third = parts.next().map(str::to_string);
    let mut state = state();
    match (second, third) {
        (Some(component), Some(value)) => {
            use url::Component::*;
            let all = [Href, Protocol, Username, Password, Host, Hostname, Port, Pathname, Search, Hash];
            let component = all[component.len() % all.len()];
            let _ = url::Host::set(&mut state, first, component, value);
        }
        (base, _) => {
            let _ = url::Host::parse(&mut state, first.clone(), base);
            let pairs = url::Host::parse_query(&mut state, first);
            let _ = url::Host::serialize_query(&mut state, pairs);
        }
    }
}

/// Compressed input as a guest hands it to a DecompressionStream: the first
/// byte picks the format and the size of the pieces pushed, the rest is the
/// input. No pull may exceed 64 KiB, and the budget comes back whole.
pub fn compression(data: &[u8]) {
    use compression::{CompressionFormat, HostDecompressor};
    use wasmtime::component::Resource;
    let Some((&selector, input)) = data.split_first() else { return };
    let formats =
        [CompressionFormat::Gzip, CompressionFormat::Deflate, CompressionFormat::DeflateRaw, CompressionFormat::Brotli];
    let format = formats[(selector & 3) as usize];
    let piece = 1 + (selector >> 2) as usize * 1024;
    let mut state = state();
    let coder = HostDecompressor::create(&mut state, format).unwrap().expect("one coder is within the budget");
    let this = || Resource::<crate::compression::Decompressor>::new_borrow(coder.rep());
    // Pulls until none; false once the stream failed or (a bomb) 64 MiB came out.
    let mut total = 0;
    let mut drain = |state: &mut State| loop {
        match HostDecompressor::pull(state, this()).unwrap() {
            Ok(Some(out)) => {
                assert!(out.len() <= crate::compression::PIECE, "a pull gave {} bytes", out.len());
                total += out.len();
                if total > 64 << 20 {
                    return false;
                }
            }
            Ok(None) => return true,
            Err(_) => return false,
        }
    };
    let finished = input
        .chunks(piece)
        .all(|chunk| HostDecompressor::push(&mut state, this(), chunk.to_vec()).unwrap().is_ok() && drain(&mut state));
    if finished && HostDecompressor::finish(&mut state, this()).unwrap().is_ok() {
        drain(&mut state);
    }
    HostDecompressor::drop(&mut state, coder).unwrap();
    assert_eq!(state.budget.used(), 0, "a dropped coder gives its budget back");
}

/// Raw client bytes through the whole request path: hyper's parser, the
/// client limits, the conversion into a wasi:http request and a real app
/// (an echo of method, URL, headers and body) in a fresh instance.
pub struct HttpTarget {
    runtime: tokio::runtime::Runtime,
    app: std::sync::Arc<crate::server::Server>,
}

/// The app the HTTP target serves: it reads everything a request carries.
const ECHO_APP: &str = r#"export default {
  async fetch(request) {
    const body = await request.arrayBuffer();
    return new Response(JSON.stringify([request.method, request.url, [...request.headers], body.byteLength]));
  },
};"#;

impl HttpTarget {
    pub fn new() -> HttpTarget {
        let runtime =
            tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().expect("tokio");
        let app = runtime.block_on(async {
            let limits = AppLimits { timeout: std::time::Duration::from_secs(2), ..AppLimits::default() };
            let pool = crate::engine::PoolLimits {
                max_instances: 16,
                http: crate::engine::HttpLimits {
                    // The harness keeps its side open (a half-closed client
                    // counts as gone): the idle timeout ends each exchange.
                    header_timeout: std::time::Duration::from_millis(100),
                    body_timeout: std::time::Duration::from_secs(1),
                    write_timeout: std::time::Duration::from_secs(1),
                    ..Default::default()
                },
                ..Default::default()
            };
            // Built and served by one runtime, as `run app.js` does.
            let rt = crate::engine::Runtime::new(pool, true).expect("runtime");
            let wasm = crate::app_build::build(&rt, ECHO_APP, "echo.js", true).await.expect("building the echo app");
            let component = rt.load_component(&wasm).expect("compiling the echo app");
            crate::server::Server::single(rt, AppConfig::new("echo", limits), &component, None)
                .expect("linking the echo app")
        });
        HttpTarget { runtime, app }
    }

    /// Sends `data` as everything a client says, then reads what comes back
    /// until the server closes (its own timeouts end every connection).
    pub fn run(&self, data: &[u8]) -> Vec<u8> {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        self.runtime.block_on(async {
            let (mut client, server) = tokio::io::duplex(1 << 16);
            let conn = tokio::spawn(crate::server::connection(self.app.clone(), server));
            let _ = client.write_all(data).await;
            let mut out = Vec::new();
            let read = tokio::time::timeout(std::time::Duration::from_secs(5), client.read_to_end(&mut out)).await;
            assert!(read.is_ok(), "the server neither answered nor closed within 5 s");
            let _ = conn.await;
            out
        })
    }
}

impl Default for HttpTarget {
    fn default() -> Self {
        HttpTarget::new()
    }
}
