//! Compression streams against hostile input (the hardening issue, findings
//! 1 and 7): a decompression bomb costs the host a bounded amount of memory
//! and time whatever it expands to, a slow reader is decoded for only as it
//! reads, and CompressionStreams are bounded by the instance's host budget
//! and freed when they end or are collected.

use crate::common::*;
use crate::streaming::Incremental;
use std::io::Write;
use std::net::TcpStream;
use std::time::{Duration, Instant};

const GIB: usize = 1 << 30;

/// `size` zero bytes, gzip-compressed: ~1 MiB per GiB (deflate's limit).
fn gzip_bomb(size: usize) -> Vec<u8> {
    let zeros = vec![0u8; 1 << 20];
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    for _ in 0..size >> 20 {
        encoder.write_all(&zeros).unwrap();
    }
    encoder.finish().unwrap()
}

/// `size` zero bytes, brotli-compressed: a few KB per GiB.
fn brotli_bomb(size: usize) -> Vec<u8> {
    let zeros = vec![0u8; 1 << 20];
    let mut encoder = brotli::CompressorWriter::new(Vec::new(), 4096, 5, 24);
    for _ in 0..size >> 20 {
        encoder.write_all(&zeros).unwrap();
    }
    encoder.into_inner()
}

/// The server's resident memory now, and how far its peak (the kernel's
/// high-water mark, reset here) went above that afterwards.
struct Rss {
    pid: u32,
    start_kib: u64,
}

impl Rss {
    fn watch(server: &Server) -> Rss {
        let pid = server.pid();
        std::fs::write(format!("/proc/{pid}/clear_refs"), "5").expect("resetting the peak RSS");
        Rss { pid, start_kib: rss_kib(pid) }
    }

    fn growth_mib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid)).unwrap();
        let line = status.lines().find(|l| l.starts_with("VmHWM:")).expect("VmHWM");
        let peak_kib: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
        peak_kib.saturating_sub(self.start_kib) >> 10
    }
}

fn post(server: &Server, path: &str, body: &[u8]) -> (Response, Duration) {
    let started = Instant::now();
    let res = server.request("POST", path, &[], body);
    (res, started.elapsed())
}

/// What the app made of a healthy compressed body.
fn healthy(server: &Server) {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(&b"healthy ".repeat(1000)).unwrap();
    let (res, _) = post(server, "/inflate-text?format=gzip", &encoder.finish().unwrap());
    assert_eq!((res.status, res.text()), (200, "8000 chars".to_string()), "{}", server.log());
}

#[test]
fn a_decompression_bomb_costs_the_host_little_and_ends_cleanly() {
    // A generous timeout: a loaded machine must not turn a slow count into a 500.
    let server = Server::start_with(&app("compression.js"), &["--max-memory-mb", "32", "--timeout", "120"], nano());
    healthy(&server);
    for (format, bomb) in [("brotli", brotli_bomb(GIB)), ("gzip", gzip_bomb(GIB))] {
        // Decoded a chunk at a time: the whole gigabyte, in pieces of at most 64 KiB.
        let rss = Rss::watch(&server);
        let (res, took) = post(&server, &format!("/count?format={format}"), &bomb);
        assert_eq!(res.status, 200, "{}", server.log());
        assert_eq!(res.text(), format!("{{\"bytes\":{GIB},\"largest\":65536}}"), "{format}");
        let grew = rss.growth_mib();
        eprintln!("{format}: {} bytes -> 1 GiB counted in {took:?}, host RSS +{grew} MiB", bomb.len());
        assert!(grew < 100, "{format}: the host grew by {grew} MiB");

        // Decoded into memory: the instance runs out of memory, not the host.
        let rss = Rss::watch(&server);
        let (res, took) = post(&server, &format!("/inflate-text?format={format}"), &bomb);
        assert_eq!(res.status, 500, "{format}: {}", res.text());
        let grew = rss.growth_mib();
        eprintln!("{format}: text() of the bomb failed in {took:?}, host RSS +{grew} MiB");
        assert!(grew < 100, "{format}: the host grew by {grew} MiB");
        assert!(took < Duration::from_secs(10), "{format}: {took:?}");
        healthy(&server);
    }
}

#[test]
fn a_slow_reader_is_decoded_for_as_it_reads() {
    let server = Server::start_with(&app("compression.js"), &["--max-memory-mb", "32"], nano());
    let bomb = brotli_bomb(GIB);
    let mut stream = TcpStream::connect(server.addr).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(120))).unwrap();
    let head = format!(
        "POST /inflate?format=brotli HTTP/1.1\r\nhost: x\r\nconnection: close\r\ncontent-length: {}\r\n\r\n",
        bomb.len()
    );
    stream.write_all(&[head.as_bytes(), &bomb].concat()).unwrap();
    let mut res = Incremental::read_head(stream);
    assert_eq!(res.status, 200, "{}", server.log());
    let first = res.next_chunk().unwrap();
    let rss = Rss::watch(&server);
    std::thread::sleep(Duration::from_millis(1500));
    // What the socket buffers and a few chunks of the pipe hold, no more.
    let inflated_while_paused = max_inflated(&server.log());
    assert!(inflated_while_paused <= 64, "{inflated_while_paused} MiB decoded for a client that was not reading");
    let total = first.len() as u64 + res.count_rest();
    assert_eq!(total, GIB as u64);
    assert_eq!(max_inflated(&server.wait_for_log("inflated 1024 MiB")), 1024);
    let grew = rss.growth_mib();
    eprintln!("1 GiB decoded for a slow reader: {inflated_while_paused} MiB while it paused, host RSS +{grew} MiB");
    assert!(grew < 100, "the host grew by {grew} MiB");
}

fn max_inflated(log: &str) -> u64 {
    log.lines().filter_map(|l| l.split("inflated ").nth(1)?.split_whitespace().next()?.parse().ok()).max().unwrap_or(0)
}

#[test]
fn compression_streams_are_bounded_by_the_host_budget() {
    // The default budget (64 MiB) holds 176 gzip compressors of 372 KiB.
    let server = Server::start(&app("compression.js"));
    let rss = Rss::watch(&server);
    let res = server.get("/many?n=2000");
    let grew = rss.growth_mib();
    eprintln!("2,000 CompressionStreams: {}; host RSS +{grew} MiB", res.text());
    assert_eq!(res.status, 507, "{}", res.text());
    assert!(res.text().starts_with("QuotaExceededError (DOMException: true) after 176: "), "{}", res.text());
    assert!(grew < 100, "the host grew by {grew} MiB");
    drop(server);
    // The cap on live coders, whatever the budget.
    let server = Server::start_with(&app("compression.js"), &["--max-host-memory-mb", "1024"], nano());
    let res = server.get("/many?n=2000");
    assert!(res.text().starts_with("QuotaExceededError (DOMException: true) after 256: "), "{}", res.text());

    // A small budget: 11 at once; streams that end or are dropped give theirs back.
    let server = Server::start_with(&app("compression.js"), &["--max-host-memory-mb", "4"], nano());
    let res = server.get("/many?n=2000");
    assert!(res.text().starts_with("QuotaExceededError (DOMException: true) after 11: "), "{}", res.text());
    let res = server.get("/used?n=2000");
    assert_eq!(
        (res.status, res.text().split(' ').take(2).collect::<Vec<_>>()),
        (200, vec!["made", "2000"]),
        "{}",
        res.text()
    );
    let res = server.get("/dropped?n=2000");
    assert_eq!((res.status, res.text()), (200, "made 2000".to_string()), "{}", server.log());
    let res = server.get("/dropped?n=500&format=brotli");
    assert_eq!((res.status, res.text()), (200, "made 500".to_string()), "{}", server.log());
}
