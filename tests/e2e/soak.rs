//! The soak (`just soak`; a short form runs with the tests): one server takes
//! a fixed number of requests from a mix of healthy clients and attackers —
//! apps that throw, spin, exhaust their memory, decompress bombs, and clients
//! that send half a request and vanish or stop reading. It must never crash,
//! must answer every healthy request 200 within the stated p99, and must give
//! its memory back afterwards. `NANO_SOAK_REQUESTS` sets the count.

use crate::common::*;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Healthy requests must be answered within this at the 99th percentile.
const HEALTHY_P99: Duration = Duration::from_secs(1);
/// Host RSS after the run may exceed its level before by at most this.
/// (128 MiB of idle instance memory may stay warm; see server.rs.)
const RSS_GROWTH_MAX_KIB: u64 = 192 << 10;
const WORKERS: usize = 8;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Kind {
    Healthy,
    Throwing,
    Spinning,
    MemoryHungry,
    Bomb,
    BombReadWhole,
    HalfRequest,
    NonReader,
}

/// Mostly healthy traffic; spinners are rarer, as each holds a slot for the time limit.
fn kind(i: usize) -> Kind {
    match i % 20 {
        0 if i.is_multiple_of(60) => Kind::Spinning,
        0 | 1 => Kind::Throwing,
        2 => Kind::MemoryHungry,
        3 => Kind::Bomb,
        4 => Kind::BombReadWhole,
        5 => Kind::HalfRequest,
        6 => Kind::NonReader,
        _ => Kind::Healthy,
    }
}

/// 256 MiB of zeros, gzip'd to about a quarter of a megabyte.
fn gzip_bomb() -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..256 {
        encoder.write_all(&zeros).unwrap();
    }
    encoder.finish().unwrap()
}

fn attack(addr: SocketAddr, kind: Kind, bomb: &[u8]) -> Option<u16> {
    match kind {
        Kind::Healthy => Some(request(addr, "GET", "/hello", &[], b"").status),
        Kind::Throwing => Some(request(addr, "GET", "/throw", &[], b"").status),
        Kind::Spinning => Some(request(addr, "GET", "/spin", &[], b"").status),
        Kind::MemoryHungry => Some(request(addr, "GET", "/oom", &[], b"").status),
        Kind::Bomb => Some(request(addr, "POST", "/gunzip", &[], bomb).status),
        Kind::BombReadWhole => Some(request(addr, "POST", "/gunzip-text", &[], bomb).status),
        Kind::HalfRequest => {
            let mut s = TcpStream::connect(addr).ok()?;
            let _ = s.write_all(b"POST /echo HTTP/1.1\r\nhost: x\r\ncontent-length: 1000\r\n\r\nsome");
            std::thread::sleep(Duration::from_millis(50));
            None
        }
        Kind::NonReader => {
            let mut s = TcpStream::connect(addr).ok()?;
            let _ = s.write_all(b"GET /big?mib=64 HTTP/1.1\r\nhost: x\r\n\r\n");
            let mut head = [0u8; 64];
            let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
            let _ = s.read(&mut head);
            std::thread::sleep(Duration::from_millis(100));
            None
        }
    }
}

#[test]
fn soak() {
    let total: usize = std::env::var("NANO_SOAK_REQUESTS").ok().and_then(|n| n.parse().ok()).unwrap_or(400);
    let server = Server::start_with(
        &app("hostile.js"),
        &[
            "--timeout",
            "2",
            "--max-memory-mb",
            "64",
            "--header-timeout",
            "2",
            "--body-timeout",
            "2",
            "--write-timeout",
            "2",
        ],
        nano(),
    );
    for _ in 0..3 {
        assert_eq!(server.get("/hello").status, 200);
    }
    let before = rss_kib(server.pid());
    let bomb = Arc::new(gzip_bomb());
    let next = Arc::new(Mutex::new(0usize));
    let healthy = Arc::new(Mutex::new(Vec::new()));
    let others = Arc::new(Mutex::new(std::collections::HashMap::<(Kind, u16), usize>::new()));
    let started = Instant::now();
    let workers: Vec<_> = (0..WORKERS)
        .map(|_| {
            let (next, healthy, others, bomb, addr) =
                (next.clone(), healthy.clone(), others.clone(), bomb.clone(), server.addr);
            std::thread::spawn(move || loop {
                let i = {
                    let mut n = next.lock().unwrap();
                    *n += 1;
                    *n - 1
                };
                if i >= total {
                    return;
                }
                let kind = kind(i);
                let t = Instant::now();
                let status = attack(addr, kind, &bomb);
                if kind == Kind::Healthy {
                    healthy.lock().unwrap().push((status.unwrap(), t.elapsed()));
                } else if let Some(status) = status {
                    *others.lock().unwrap().entry((kind, status)).or_default() += 1;
                }
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    let took = started.elapsed();
    let peak = rss_kib(server.pid());

    let mut healthy = healthy.lock().unwrap().clone();
    healthy.sort_by_key(|(_, t)| *t);
    let failed: Vec<_> = healthy.iter().filter(|(s, _)| *s != 200).collect();
    let p = |q: f64| healthy[((healthy.len() as f64 * q) as usize).min(healthy.len() - 1)].1;
    // Memory returns once the pool trims its idle slots (at most every 5 s).
    let deadline = Instant::now() + Duration::from_secs(15);
    let mut after = rss_kib(server.pid());
    while after.saturating_sub(before) > RSS_GROWTH_MAX_KIB && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(500));
        after = rss_kib(server.pid());
    }
    let mut others: Vec<_> = others.lock().unwrap().iter().map(|(k, v)| (*k, *v)).collect();
    others.sort_by_key(|((k, s), _)| (format!("{k:?}"), *s));
    eprintln!("soak: {total} requests by {WORKERS} clients in {took:.1?}");
    eprintln!(
        "  healthy: {} answered, {} not 200; latency p50 {:?}, p99 {:?}, max {:?}",
        healthy.len(),
        failed.len(),
        p(0.5),
        p(0.99),
        p(1.0)
    );
    for ((kind, status), n) in &others {
        eprintln!("  {kind:?}: {n} × {status}");
    }
    eprintln!("  host RSS: {before} KiB before, {peak} KiB at the end of the run, {after} KiB after settling");

    assert!(server.get("/hello").status == 200, "the server is up after the soak:\n{}", server.log());
    assert!(!server.log().contains("panicked"), "{}", server.log());
    assert!(failed.is_empty(), "healthy requests failed: {failed:?}");
    assert!(p(0.99) <= HEALTHY_P99, "healthy p99 {:?} over {HEALTHY_P99:?}", p(0.99));
    assert!(after.saturating_sub(before) <= RSS_GROWTH_MAX_KIB, "host RSS grew by {} KiB", after - before);
    for ((kind, status), _) in &others {
        assert!(matches!(kind, Kind::Bomb) || *status >= 500, "{kind:?} got {status}");
    }
}
