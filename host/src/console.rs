//! `nano:platform/console`: the app's console, into the host's log. App text is
//! untrusted: control characters are escaped so a message cannot forge a
//! log line, long messages are cut, and one instance may write only so much
//! (a loop of `console.log` must not fill the operator's disk).

use crate::state::{LogSink, State};
use std::io::Write;

pub use crate::bindings::nano::platform::console::Level;

/// What one instance may write to the host's log.
pub const MAX_LINES: u32 = 1_000;
pub const MAX_BYTES: usize = 1 << 20;
/// Longest single message; the rest is cut with a note.
pub const MAX_MESSAGE: usize = 16 << 10;

/// One instance's use of the host log.
#[derive(Debug, Default)]
pub struct LogQuota {
    lines: u32,
    bytes: usize,
    dropped: u64,
}

impl LogQuota {
    /// Whether a message of `len` bytes may still be written.
    fn admit(&mut self, len: usize) -> bool {
        if self.lines >= MAX_LINES || self.bytes.saturating_add(len) > MAX_BYTES {
            self.dropped += 1;
            return false;
        }
        self.lines += 1;
        self.bytes += len;
        true
    }

    /// Whether `admit` would take a message of `len` bytes now.
    fn would_admit(&self, len: usize) -> bool {
        self.lines < MAX_LINES && self.bytes.saturating_add(len) <= MAX_BYTES
    }

    /// Lines refused so far (logged once when the instance ends).
    pub fn dropped(&self) -> u64 {
        self.dropped
    }
}

/// The message with control characters escaped (`\n`, `\u{1b}`, …) and cut
/// at `MAX_MESSAGE` bytes.
pub fn sanitize(message: &str) -> String {
    let mut out = String::with_capacity(message.len().min(MAX_MESSAGE) + 16);
    for (i, c) in message.char_indices() {
        if out.len() >= MAX_MESSAGE {
            out.push_str(&format!("… ({} more bytes cut)", message.len() - i));
            break;
        }
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push('\t'),
            c if c.is_control() || c == '\u{2028}' || c == '\u{2029}' => out.push_str(&c.escape_unicode().to_string()),
            c => out.push(c),
        }
    }
    out
}

impl crate::bindings::nano::platform::console::Host for State {
    fn write(&mut self, level: Level, message: String) {
        // A compiled module's positions, mapped back to its source: only in
        // a message that will be written whole, so the cost is bounded by
        // the log quota.
        let message = match &self.app.source_maps {
            Some(maps) if message.len() <= MAX_MESSAGE && self.log_quota.would_admit(message.len()) => {
                maps.remap(&message)
            }
            _ => message,
        };
        match &self.log {
            LogSink::Request { request_id, app } => {
                // Counted as written: escaping makes a message longer.
                let message = sanitize(&message);
                if !self.log_quota.admit(message.len()) {
                    return;
                }
                match level {
                    Level::Debug => tracing::debug!(target: "nano::app", %app, request_id = %request_id, "{message}"),
                    Level::Info => tracing::info!(target: "nano::app", %app, request_id = %request_id, "{message}"),
                    Level::Warn => tracing::warn!(target: "nano::app", %app, request_id = %request_id, "{message}"),
                    Level::Error => tracing::error!(target: "nano::app", %app, request_id = %request_id, "{message}"),
                }
            }
            LogSink::Build { app } => {
                let message = sanitize(&message);
                if !self.log_quota.admit(message.len()) {
                    return;
                }
                match level {
                    Level::Warn | Level::Error => {
                        tracing::warn!(target: "nano::app", %app, phase = "build", "{message}")
                    }
                    _ => tracing::info!(target: "nano::app", %app, phase = "build", "{message}"),
                }
            }
            // `exec` is the user's own script on their terminal, like node.
            LogSink::Stdio => {
                let line = format!("{message}\n");
                let _ = match level {
                    Level::Debug | Level::Info => std::io::stdout().lock().write_all(line.as_bytes()),
                    Level::Warn | Level::Error => std::io::stderr().lock().write_all(line.as_bytes()),
                };
            }
        }
    }
}

pub fn add_to_linker(linker: &mut wasmtime::component::Linker<State>) -> wasmtime::Result<()> {
    crate::bindings::nano::platform::console::add_to_linker::<State, wasmtime::component::HasSelf<State>>(linker, |s| s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_cannot_start_a_new_log_line() {
        let forged = "ok\n2026-01-01T00:00:00Z ERROR nano: admin logged in\r\x1b[2J";
        let clean = sanitize(forged);
        assert!(!clean.contains(['\n', '\r', '\x1b']), "{clean}");
        assert!(clean.starts_with("ok\\n2026"), "{clean}");
    }

    #[test]
    fn long_messages_are_cut() {
        let clean = sanitize(&"é".repeat(MAX_MESSAGE));
        assert!(clean.len() < MAX_MESSAGE + 64);
        assert!(clean.ends_with("bytes cut)"), "{}", &clean[clean.len() - 40..]);
    }

    #[test]
    fn an_instance_writes_a_bounded_number_of_lines_and_bytes() {
        let mut quota = LogQuota::default();
        assert!((0..MAX_LINES).all(|_| quota.admit(10)));
        assert!(!quota.admit(1));
        let mut quota = LogQuota::default();
        assert!(quota.admit(MAX_BYTES - 1));
        assert!(!quota.admit(2));
        assert_eq!(quota.dropped(), 1);
    }
}
