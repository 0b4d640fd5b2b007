//! Bodies that stream end to end: a client that reads incrementally, a
//! client that stops reading, bodies larger than the instance's memory.

use crate::common::*;
use crate::upstream;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// A response read a piece at a time off the wire.
pub struct Incremental {
    reader: BufReader<TcpStream>,
    chunked: bool,
    pub status: u16,
}

impl Incremental {
    /// Sends the head (and optionally a body with content-length) and reads
    /// the response head.
    fn get(addr: std::net::SocketAddr, path: &str) -> Incremental {
        let mut stream = TcpStream::connect(addr).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
        write!(stream, "GET {path} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\n\r\n").unwrap();
        Incremental::read_head(stream)
    }

    pub fn read_head(stream: TcpStream) -> Incremental {
        let mut reader = BufReader::new(stream);
        let mut status = 0;
        let mut chunked = false;
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if status == 0 {
                status = line.split(' ').nth(1).unwrap().parse().unwrap();
            } else if line.to_ascii_lowercase().starts_with("transfer-encoding:") && line.contains("chunked") {
                chunked = true;
            }
        }
        Incremental { reader, chunked, status }
    }

    /// The next piece of the body; None at its end.
    pub fn next_chunk(&mut self) -> Option<Vec<u8>> {
        assert!(self.chunked, "expected a chunked (streamed) response");
        let mut size = String::new();
        self.reader.read_line(&mut size).ok()?;
        let size = usize::from_str_radix(size.trim().split(';').next().unwrap(), 16).ok()?;
        let mut data = vec![0; size + 2];
        self.reader.read_exact(&mut data).ok()?;
        data.truncate(size);
        (size > 0).then_some(data)
    }

    /// Reads to the end or to where the body was cut short: the bytes, and
    /// whether the terminating chunk came (the body is complete).
    pub fn rest(&mut self) -> (Vec<u8>, bool) {
        assert!(self.chunked, "expected a chunked (streamed) response");
        let mut all = Vec::new();
        loop {
            let mut size = String::new();
            if self.reader.read_line(&mut size).unwrap_or(0) == 0 {
                return (all, false);
            }
            let Ok(size) = usize::from_str_radix(size.trim().split(';').next().unwrap(), 16) else {
                return (all, false);
            };
            if size == 0 {
                return (all, true);
            }
            let mut data = vec![0; size + 2];
            if self.reader.read_exact(&mut data).is_err() {
                return (all, false);
            }
            all.extend_from_slice(&data[..size]);
        }
    }

    /// Reads to the end; the body's length.
    pub fn count_rest(&mut self) -> u64 {
        let mut total = 0;
        while let Some(chunk) = self.next_chunk() {
            total += chunk.len() as u64;
        }
        total
    }
}

#[test]
fn a_response_stream_reaches_the_client_as_it_is_produced() {
    let server = Server::start(&app("streaming.js"));
    let started = Instant::now();
    let mut res = Incremental::get(server.addr, "/drip?n=4&ms=300");
    assert_eq!(res.status, 200, "{}", server.log());
    let first = res.next_chunk().unwrap();
    let first_at = started.elapsed();
    let mut rest = Vec::new();
    while let Some(chunk) = res.next_chunk() {
        rest.extend(chunk);
    }
    let all_at = started.elapsed();
    assert_eq!(text(&first), "line 0\n");
    assert_eq!(text(&rest), "line 1\nline 2\nline 3\n");
    // The producer needs ≥ 900 ms; the first line must not wait for it.
    assert!(all_at >= Duration::from_millis(900), "{all_at:?}");
    assert!(first_at < Duration::from_millis(600), "first chunk after {first_at:?} (all after {all_at:?})");
}

#[test]
fn a_client_that_stops_reading_stops_the_producer() {
    let server = Server::start(&app("streaming.js"));
    // 1,024 chunks of 64 KiB = 64 MiB, far more than socket buffers hold.
    let mut res = Incremental::get(server.addr, "/pulls?chunks=1024");
    assert_eq!(res.status, 200);
    res.next_chunk().unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    let pulled_while_paused = max_pulled(&server.log());
    assert!(
        pulled_while_paused < 512,
        "the app produced {pulled_while_paused} chunks for a client that was not reading"
    );
    let total = 64 * 1024 + res.count_rest();
    assert_eq!(total, 64 << 20);
    assert_eq!(max_pulled(&server.wait_for_log("pulled 1024")), 1024);
}

fn max_pulled(log: &str) -> u32 {
    log.lines().filter_map(|l| l.split("pulled ").nth(1)?.split_whitespace().next()?.parse().ok()).max().unwrap_or(0)
}

#[test]
fn the_request_body_is_read_as_it_arrives() {
    let server = Server::start(&app("streaming.js"));
    let body = vec![7u8; 5 << 20];
    let res = server.request("POST", "/count", &[], &body);
    assert_eq!(res.status, 200, "{}", server.log());
    let counts = res.text();
    assert!(counts.starts_with(&format!("{{\"bytes\":{},", 5 << 20)), "{counts}");
    // Chunks of at most 64 KiB: never the whole body at once.
    let largest: u64 = counts.split("\"largest\":").nth(1).unwrap().trim_end_matches('}').parse().unwrap();
    assert!(largest <= 64 * 1024, "{counts}");
}

#[test]
fn compression_streams_between_request_and_response() {
    let server = Server::start(&app("streaming.js"));
    let body: Vec<u8> = (0..200_000u32).flat_map(|i| format!("{i},").into_bytes()).collect();
    let res = server.request("POST", "/gzip", &[], &body);
    assert_eq!(res.status, 200, "{}", server.log());
    let mut plain = Vec::new();
    flate2::read::GzDecoder::new(&res.body[..]).read_to_end(&mut plain).unwrap();
    assert_eq!(plain, body);
}

#[test]
fn a_failing_stream_cuts_the_response_short_and_is_logged() {
    let server = Server::start(&app("streaming.js"));
    let mut res = Incremental::get(server.addr, "/fails");
    assert_eq!(res.status, 200);
    assert_eq!(res.next_chunk().as_deref(), Some(&b"partial"[..]));
    // No terminating chunk: the client can tell the body is incomplete.
    assert_eq!(res.next_chunk(), None);
    let log = server.wait_for_log("streaming the response body: Error: producer failed");
    // Reported once, as the response's failure, not also as an uncaught rejection.
    assert_eq!(log.matches("producer failed").count(), 1, "{log}");
}

/// The instance's peak linear memory, from its debug log line.
fn peak_memory_kib(server: &Server) -> u64 {
    let log = server.wait_for_log("instance finished");
    let line = log.lines().find(|l| l.contains("instance finished")).unwrap();
    line.split("peak_memory_kib=").nth(1).unwrap().split_whitespace().next().unwrap().parse().unwrap()
}

fn with_instance_log() -> std::process::Command {
    let mut cmd = nano();
    cmd.env("NANO_LOG", "info,nano::instance=debug");
    cmd
}

/// 1 GiB from the client through a TransformStream back to the client, in
/// an instance limited to 32 MiB of memory.
#[test]
fn a_gigabyte_pipes_through_an_instance_with_32_mib() {
    let server = Server::start_with(
        &app("streaming.js"),
        &["--max-memory-mb", "32", "--timeout", "300", "--max-body-kb", "2097152"],
        with_instance_log(),
    );
    const TOTAL: u64 = 1 << 30;
    let mut stream = TcpStream::connect(server.addr).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(120))).unwrap();
    write!(stream, "POST /pipe HTTP/1.1\r\nhost: x\r\nconnection: close\r\ncontent-length: {TOTAL}\r\n\r\n").unwrap();
    let mut writer = stream.try_clone().unwrap();
    let upload = std::thread::spawn(move || {
        let chunk = vec![b'z'; 256 * 1024];
        let mut sent = 0;
        while sent < TOTAL {
            writer.write_all(&chunk).unwrap();
            sent += chunk.len() as u64;
        }
    });
    let mut res = Incremental::read_head(stream);
    assert_eq!(res.status, 200, "{}", server.log());
    assert_eq!(res.count_rest(), TOTAL, "{}", server.log());
    upload.join().unwrap();
    let peak = peak_memory_kib(&server);
    eprintln!("1 GiB piped with a peak instance memory of {peak} KiB");
    // Chunks are freed as they pass: memory stays near the snapshot's size.
    assert!(peak <= 8 << 10, "{peak} KiB");
}

#[test]
fn fetch_bodies_stream_through_the_app() {
    let up = upstream::start();
    let server = Server::start_with(
        &app("streaming.js"),
        &["--allow-host", "127.0.0.1", "--max-memory-mb", "32"],
        with_instance_log(),
    );
    // 100 MiB from upstream, through a TransformStream, in a 32 MiB instance.
    let url = format!("http://{}/stream?mb=100", up.addr);
    let mut res = Incremental::get(server.addr, &format!("/proxy?url={url}"));
    assert_eq!(res.status, 200, "{}", server.log());
    assert_eq!(res.count_rest(), 100 << 20, "{}", server.log());
    let peak = peak_memory_kib(&server);
    eprintln!("100 MiB fetched and streamed with a peak instance memory of {peak} KiB");
    assert!(peak <= 8 << 10, "{peak} KiB");
    // Returned as it is.
    let mut res = Incremental::get(server.addr, &format!("/proxy?direct&url={url}"));
    assert_eq!(res.count_rest(), 100 << 20, "{}", server.log());
    // Decoded as text chunk by chunk.
    let res = server.get(&format!("/decode?url=http://{}/stream?mb=50", up.addr));
    assert_eq!(res.text(), format!("{} chars", 50 << 20), "{}", server.log());
    // An upstream that drips reaches the client line by line.
    let started = Instant::now();
    let mut res = Incremental::get(server.addr, &format!("/proxy?url=http://{}/drip?n=3%26ms=400", up.addr));
    assert_eq!(res.next_chunk().as_deref(), Some(&b"line 0\n"[..]));
    assert!(started.elapsed() < Duration::from_millis(600), "{:?}", started.elapsed());
    assert_eq!(res.count_rest(), 14);
}

#[test]
fn a_client_that_goes_away_ends_the_stream_and_the_instance() {
    let server = Server::start_with(&app("streaming.js"), &[], with_instance_log());
    // Far more than will ever be read: 1 Mi chunks of 64 KiB.
    let mut res = Incremental::get(server.addr, "/pulls?chunks=1048576");
    assert_eq!(res.status, 200);
    res.next_chunk().unwrap();
    let started = Instant::now();
    drop(res); // closes the connection
    let log = server.wait_for_log("instance finished");
    assert!(started.elapsed() < Duration::from_secs(10), "the instance ran on for {:?}", started.elapsed());
    assert_client_gone_is_info(&log);
    // The server keeps serving.
    let mut again = Incremental::get(server.addr, "/drip?n=2&ms=10");
    assert_eq!(again.count_rest(), 14);
}

/// A client that goes away is one INFO line, never a warning or an error of
/// the app; `piped`: the app's unawaited `pipeTo` rejected with the client's
/// error, a DEBUG line.
fn assert_client_gone_is_info(log: &str) {
    let gone: Vec<&str> = log.lines().filter(|l| l.contains("the client went away")).collect();
    assert_eq!(gone.len(), 1, "{log}");
    assert!(gone[0].contains(" INFO "), "{log}");
    let loud = log.lines().filter(|l| l.contains(" WARN ") || l.contains(" ERROR ")).count();
    assert_eq!(loud, 0, "{log}");
}

#[test]
fn a_client_that_goes_away_from_a_piped_response_is_not_an_app_error() {
    let mut cmd = nano();
    cmd.env("NANO_LOG", "info,nano::instance=debug,nano::app=debug");
    let server = Server::start_with(&app("streaming.js"), &[], cmd);
    let mut res = Incremental::get(server.addr, "/pipes?chunks=1048576");
    assert_eq!(res.status, 200);
    res.next_chunk().unwrap();
    drop(res);
    let log = server.wait_for_log("instance finished");
    assert_client_gone_is_info(&log);
    // The app's pipeTo did reject, unhandled: told at DEBUG.
    let uncaught: Vec<&str> = log.lines().filter(|l| l.contains("Uncaught (in promise)")).collect();
    assert_eq!(uncaught.len(), 1, "{log}");
    assert!(uncaught[0].contains(" DEBUG ") && uncaught[0].contains("peer closed"), "{log}");

    // A body known in full, larger than one call takes (sent as the client
    // reads): a client that leaves after the head is told the same way. Its
    // receive buffer is kept small: autotuned (up to tcp_rmem's 32 MiB
    // here), the kernel could take the whole body before the client left.
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    socket.set_recv_buffer_size(64 << 10).unwrap();
    socket.connect(&server.addr.into()).unwrap();
    let mut stream: TcpStream = socket.into();
    write!(stream, "GET /bytes?mb=16 HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n").unwrap();
    let mut head = [0u8; 64];
    stream.read_exact(&mut head).unwrap();
    drop(stream);
    let deadline = Instant::now() + Duration::from_secs(10);
    while server.log().matches("instance finished").count() < 2 {
        assert!(Instant::now() < deadline, "{}", server.log());
        std::thread::sleep(Duration::from_millis(20));
    }
    let log = server.log();
    assert_eq!(log.matches("the client went away").count(), 2, "{log}");
    assert!(!log.lines().any(|l| l.contains(" WARN ") || l.contains(" ERROR ")), "{log}");
}

#[test]
fn a_large_body_known_in_full_reaches_a_slow_client_whole() {
    let server = Server::start_with(&app("streaming.js"), &[], with_instance_log());
    let mut stream = TcpStream::connect(server.addr).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    write!(stream, "GET /bytes?mb=16 HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n").unwrap();
    let mut reader = BufReader::new(stream);
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        if line.trim().is_empty() {
            break;
        }
        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            length = v.trim().parse().unwrap();
        }
    }
    assert_eq!(length, 16 << 20);
    // Read slowly at first: the host must wait for the client, not drop bytes.
    std::thread::sleep(Duration::from_millis(500));
    let mut body = Vec::new();
    reader.read_to_end(&mut body).unwrap();
    assert_eq!(body.len(), 16 << 20);
    assert!((0..body.len()).step_by(4096).all(|i| body[i] == ((i >> 12) & 0xff) as u8));
    assert!(server.wait_for_log("waitUntil done").contains("waitUntil done"));
    server.wait_for_log("instance finished");
}

/// The proxy pattern: a fetched body piped by an unawaited `pipeTo` into a
/// TransformStream whose readable side is the response. The bytes are
/// moved without JS (see the cost guard); what the app can see must not
/// change: the body arrives whole, the pipe settles, an upstream failure
/// cuts the response short and rejects the pipe, and the app may still read
/// the readable side itself.
#[test]
fn a_fetched_body_piped_into_the_response_arrives_whole_and_the_pipe_settles() {
    let up = upstream::start();
    let server = Server::start_with(&app("streaming.js"), &["--allow-host", "127.0.0.1"], nano());
    let mut res = Incremental::get(server.addr, &format!("/forward?url=http://{}/stream?mb=3", up.addr));
    assert_eq!(res.status, 200, "{}", server.log());
    assert_eq!(res.count_rest(), 3 << 20, "{}", server.log());
    server.wait_for_log("pipe resolved, bodyUsed true");

    let res = server.get(&format!("/forward?read&url=http://{}/stream?mb=2", up.addr));
    assert_eq!(res.text(), format!("{} bytes", 2 << 20), "{}", server.log());

    // Whether the part before the failure reaches the client first is a
    // matter of timing; that the body is incomplete is not.
    let mut res = Incremental::get(server.addr, &format!("/forward?url=http://{}/cut", up.addr));
    let (bytes, complete) = res.rest();
    assert!(!complete && b"the beginning".starts_with(&bytes), "{bytes:?}");
    let log = server.wait_for_log("pipe rejected");
    assert!(log.contains("pipe rejected: TypeError: The body could not be transferred"), "{log}");

    // The fetched response returned as it is (its body never a stream in
    // the app): the same.
    let mut res = Incremental::get(server.addr, &format!("/proxy?direct&url=http://{}/stream?mb=3", up.addr));
    assert_eq!(res.count_rest(), 3 << 20, "{}", server.log());
    let mut res = Incremental::get(server.addr, &format!("/proxy?direct&url=http://{}/cut", up.addr));
    let (bytes, complete) = res.rest();
    assert!(!complete && b"the beginning".starts_with(&bytes), "{bytes:?}");
    let log = server.wait_for_log("streaming the response body");
    assert!(log.contains("The body could not be transferred"), "{log}");
}

#[test]
fn a_client_that_goes_away_from_a_forwarded_body_is_told_at_info() {
    let up = upstream::start();
    let server = Server::start_with(&app("streaming.js"), &["--allow-host", "127.0.0.1"], with_instance_log());
    let mut res = Incremental::get(server.addr, &format!("/forward?url=http://{}/stream?mb=1000", up.addr));
    assert_eq!(res.status, 200);
    res.next_chunk().unwrap();
    drop(res);
    let log = server.wait_for_log("instance finished");
    assert_client_gone_is_info(&log);
    assert!(log.contains("pipe rejected: TypeError"), "the app's pipe learns it: {log}");
}

#[test]
fn a_request_body_is_sent_on_to_an_upstream_whole() {
    let up = upstream::start();
    let server = Server::start_with(&app("streaming.js"), &["--allow-host", "127.0.0.1"], nano());
    let body = vec![b'u'; 5 << 20];
    let res = server.request("POST", &format!("/upload?url=http://{}/size", up.addr), &[], &body);
    assert_eq!(res.status, 200, "{}", server.log());
    assert_eq!(res.text(), format!("{} 0", 5 << 20));
}
