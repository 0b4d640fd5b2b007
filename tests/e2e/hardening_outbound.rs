//! Outbound hardening through the real host: a name on the allow-list never
//! opens a private address, IPv6 forms that embed a private IPv4 address and
//! reserved ranges are refused before any connection, and open response
//! bodies count against `--max-fetches`. The only server is one the test
//! starts on 127.0.0.1; every other address is refused before connecting.

use crate::common::*;
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::Output;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// An HTTP/1.1 upstream on 127.0.0.1 that counts the connections it accepts.
/// `/hold` sends the head and a first chunk, then holds the body open until
/// the client closes; `/stats` answers `<connections accepted> <of them /hold>`;
/// anything else answers `hello`.
struct Counting {
    addr: SocketAddr,
    accepted: Arc<AtomicUsize>,
}

impl Counting {
    fn start() -> Counting {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let accepted = Arc::new(AtomicUsize::new(0));
        let holds = Arc::new(AtomicUsize::new(0));
        let counter = accepted.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().map_while(Result::ok) {
                counter.fetch_add(1, Ordering::SeqCst);
                let (accepted, holds) = (counter.clone(), holds.clone());
                std::thread::spawn(move || Counting::serve(stream, &accepted, &holds));
            }
        });
        Counting { addr, accepted }
    }

    fn serve(stream: TcpStream, accepted: &AtomicUsize, holds: &AtomicUsize) {
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut line = String::new();
        let _ = reader.read_line(&mut line);
        let path = line.split(' ').nth(1).unwrap_or("/").to_string();
        while line.trim_end() != "" {
            line.clear();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
        }
        let mut stream = stream;
        if path == "/hold" {
            holds.fetch_add(1, Ordering::SeqCst);
            let head = "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nheld\n\r\n";
            let _ = stream.write_all(head.as_bytes());
            // Until the client goes away.
            let _ = std::io::copy(&mut reader, &mut std::io::sink());
            return;
        }
        let body = match path.as_str() {
            "/stats" => format!("{} {}", accepted.load(Ordering::SeqCst), holds.load(Ordering::SeqCst)),
            _ => "hello".to_string(),
        };
        let response = format!("HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}", body.len());
        let _ = stream.write_all(response.as_bytes());
    }

    fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }
}

/// Runs a module script with `PORT` (the upstream's) defined.
fn script(name: &str, port: u16, flags: &[&str], body: &str) -> Output {
    let path = scratch(&format!("hardening-outbound-{name}")).join(format!("{name}.mjs"));
    std::fs::write(&path, format!("const PORT = {port};\n{body}\nexport {{}};\n")).unwrap();
    nano().arg("exec").args(flags).arg(&path).output().unwrap()
}

fn stdout_of(out: &Output) -> String {
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", text(&out.stderr));
    stdout
}

const ATTEMPT: &str = r#"
const attempt = async (url) => {
  try { const r = await fetch(url); console.log(url, 'reached', await r.text()); }
  catch (err) { console.log(url, err.name, err.message); }
};
"#;

#[test]
fn an_allowed_name_does_not_open_the_private_address_it_resolves_to() {
    let up = Counting::start();
    let port = up.addr.port();
    let by_name = format!("{ATTEMPT}await attempt(`http://localhost:${{PORT}}/`);");
    // `localhost` is on the list, but it resolves to loopback.
    let out = script("name", port, &["--allow-host", "localhost"], &by_name);
    let stdout = stdout_of(&out);
    assert!(stdout.contains("TypeError") && stdout.contains("special-purpose"), "{stdout}");
    let log = text(&out.stderr);
    assert!(log.contains("is in 127.0.0.0/8 loopback") || log.contains("is in ::1/128 loopback"), "{log}");
    // Same with a port.
    let with_port = format!("localhost:{port}");
    let stdout = stdout_of(&script("name-port", port, &["--allow-host", &with_port], &by_name));
    assert!(stdout.contains("TypeError") && stdout.contains("special-purpose"), "{stdout}");
    assert_eq!(up.accepted(), 0, "a refused fetch connected");
    // An address entry opens exactly that address (and port).
    let exact = format!("127.0.0.1:{port}");
    let by_ip = format!(
        "{ATTEMPT}await attempt(`http://127.0.0.1:${{PORT}}/`);\nawait attempt(`http://127.0.0.1:${{PORT + 1}}/`);\n"
    );
    let stdout = stdout_of(&script("ip", port, &["--allow-host", &exact], &by_ip));
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines[0], format!("http://127.0.0.1:{port}/ reached hello"));
    assert!(lines[1].contains("TypeError") && lines[1].contains("--allow-host"), "{stdout}");
    assert_eq!(up.accepted(), 1);
    // A name whose every address is listed as an address may reach them.
    let flags = ["--allow-host", "localhost", "--allow-host", "127.0.0.1", "--allow-host", "::1"];
    let stdout = stdout_of(&script("name-and-ips", port, &flags, &by_name));
    assert_eq!(stdout, format!("http://localhost:{port}/ reached hello\n"));
}

#[test]
fn embedded_ipv4_and_reserved_ranges_are_refused_before_connecting() {
    let up = Counting::start();
    let port = up.addr.port();
    // Each carries 127.0.0.1 (or is reserved): none may get a connection.
    let targets = [
        "[64:ff9b::7f00:1]",
        "[2002:7f00:1::]",
        "[::ffff:7f00:1]",
        "[::7f00:1]",
        "[::ffff:0:7f00:1]",
        "[64:ff9b:1::7f00:1]",
        "[fec0::1]",
        "198.18.0.1",
        "240.0.0.1",
        "192.0.0.192",
        "168.63.129.16",
    ];
    let mut body = ATTEMPT.to_string();
    for target in targets {
        body.push_str(&format!("await attempt(`http://{target}:${{PORT}}/`);\n"));
    }
    for flags in [&[][..], &["--allow-host", "localhost"][..]] {
        let stdout = stdout_of(&script("embedded", port, flags, &body));
        let lines: Vec<&str> = stdout.lines().collect();
        assert_eq!(lines.len(), targets.len(), "{stdout}");
        for (line, target) in lines.iter().zip(targets) {
            // Behind an allow-list an address literal is not even listed.
            let refused = if flags.is_empty() { "special-purpose" } else { "not in --allow-host" };
            let expected = format!("{target}:{port}/ TypeError fetch failed: refused by the host's outbound policy");
            assert!(line.contains(&expected) && line.contains(refused), "{line}");
        }
    }
    assert_eq!(up.accepted(), 0, "a refused fetch connected");
}

#[test]
fn open_response_bodies_count_against_max_fetches() {
    let up = Counting::start();
    let allow = format!("127.0.0.1:{}", up.addr.port());
    let out = script(
        "max-fetches",
        up.addr.port(),
        &["--allow-host", &allow, "--max-fetches", "10"],
        r#"
const URL = `http://127.0.0.1:${PORT}`;
// One after another: each resolves with its head while its body stays open.
const held = [], failures = [];
for (let i = 0; i < 50; i++) {
  try { held.push(await fetch(`${URL}/hold`)); } catch (err) { failures.push(err); }
}
console.log(held.length, failures.length, failures.every((e) => e instanceof TypeError && e.message.includes('the limit is 10')));
console.log(failures[0]?.message);
const reader = held[0].body.getReader();
console.log(new TextDecoder().decode((await reader.read()).value).trim());
// Cancelling bodies gives their places back, at once.
await reader.cancel();
const stats = await (await fetch(`${URL}/stats`)).text();
console.log('accepted', stats);
for (const r of held.slice(1, 5)) await r.body.cancel();
const more = [];
for (let i = 0; i < 5; i++) more.push(await fetch(`${URL}/hold`));
console.log(more.length);
try { await fetch(`${URL}/hold`); console.log('resolved'); } catch (err) { console.log(err.name, err.message.includes('the limit is 10')); }
// Bodies read to the end give them back too.
for (const r of [...held.slice(5), ...more]) await r.body.cancel();
let read = 0;
for (let i = 0; i < 30; i++) read += (await (await fetch(`${URL}/`)).text()) === 'hello';
console.log(read);
"#,
    );
    let stdout = stdout_of(&out);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines[0], "10 40 true", "{stdout}");
    assert!(lines[1].starts_with("fetch failed: too many fetches in flight (the limit is 10 per request"), "{stdout}");
    assert_eq!(lines[2], "held");
    // 10 held bodies, then the stats request: the upstream never saw more.
    assert_eq!(lines[3], "accepted 11 10", "{stdout}");
    assert_eq!(&lines[4..], ["5", "TypeError true", "30"], "{stdout}");
    assert_eq!(up.accepted(), 11 + 5 + 30);
}
