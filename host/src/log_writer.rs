//! The server's log, written to stderr by a thread of its own. A request
//! thread only appends its formatted line to a buffer, so
//! - a slow or stalled stderr (a pipe nobody reads, a paused terminal)
//!   never blocks the workers that serve requests;
//! - the lines of a busy moment go out in one `write`, not one each (at the
//!   default `info` level every request logs its access line).
//!
//! Bounded: at most `MAX_BUFFERED` bytes wait. A line that does not fit is
//! dropped and counted, and the count is logged (WARN) once stderr takes
//! lines again: losing log lines is better than stalling every tenant.

use std::io::Write;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;

/// Bytes of log lines waiting for stderr, at most, besides the batch being
/// written (the two buffers' capacity can reach twice this each).
pub const MAX_BUFFERED: usize = 4 << 20;

/// How long the writer lets lines gather once one has arrived: a wake-up
/// and a `write` per batch instead of per line, lines at most this late.
/// With 1 ms, a hello server at 25k requests/s woke its writer ≈ 750 times
/// a second, and the writer's thread took 2.8% of its CPU in `perf` (0.4%
/// with 10 ms).
const GATHER: Duration = Duration::from_millis(10);

/// Waiting lines that end the gathering at once: a burst is written as it
/// comes, not dropped for want of room while the writer waits out `GATHER`.
const WRITE_AT: usize = MAX_BUFFERED / 4;

/// How long the process waits at exit for the last lines to be written.
const EXIT_WAIT: Duration = Duration::from_secs(2);

#[derive(Default)]
struct Pending {
    bytes: Vec<u8>,
    /// Lines dropped since the last report, and in all.
    dropped: u64,
    dropped_total: u64,
    /// The writer is waiting for lines (so a new one must wake it).
    idle: bool,
    /// No more lines: write what is left, then stop.
    closing: bool,
    /// The writer has stopped.
    done: bool,
}

struct Shared {
    pending: Mutex<Pending>,
    wake: Condvar,
    /// `GATHER` (tests set their own).
    gather: Duration,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Pending> {
        self.pending.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Where the log's lines go (tracing-subscriber's `MakeWriter`): each event
/// is formatted whole and handed over in one `write`.
#[derive(Clone)]
pub struct LogWriter {
    shared: Arc<Shared>,
}

/// Writes what is left and stops the writer when dropped (waiting at most
/// `EXIT_WAIT`).
pub struct Flush {
    shared: Arc<Shared>,
}

/// A writer of lines to `sink` on a thread of its own, or why not.
pub fn spawn<W: Write + Send + 'static>(sink: W) -> std::io::Result<(LogWriter, Flush)> {
    spawn_gathering(sink, GATHER)
}

fn spawn_gathering<W: Write + Send + 'static>(sink: W, gather: Duration) -> std::io::Result<(LogWriter, Flush)> {
    let shared = Arc::new(Shared { pending: Mutex::new(Pending::default()), wake: Condvar::new(), gather });
    let writer = shared.clone();
    std::thread::Builder::new().name("nano-log".into()).spawn(move || write_lines(&writer, sink))?;
    Ok((LogWriter { shared: shared.clone() }, Flush { shared }))
}

impl LogWriter {
    /// Lines dropped so far because `MAX_BUFFERED` bytes were waiting.
    pub fn dropped_total(&self) -> u64 {
        self.shared.lock().dropped_total
    }
}

impl Write for &LogWriter {
    fn write(&mut self, line: &[u8]) -> std::io::Result<usize> {
        let mut pending = self.shared.lock();
        let before = pending.bytes.len();
        // The writer's own report of dropped lines always fits: one line a
        // batch, and it must not be dropped itself.
        if pending.bytes.len() + line.len() > MAX_BUFFERED && !IS_WRITER.get() {
            pending.dropped += 1;
            pending.dropped_total += 1;
        } else {
            pending.bytes.extend_from_slice(line);
        }
        let filled = before < WRITE_AT && pending.bytes.len() >= WRITE_AT;
        if pending.idle || filled {
            pending.idle = false;
            self.shared.wake.notify_one();
        }
        Ok(line.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for LogWriter {
    type Writer = &'a LogWriter;

    fn make_writer(&'a self) -> Self::Writer {
        self
    }
}

thread_local! {
    /// Set on the writer's own thread.
    static IS_WRITER: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

fn write_lines<W: Write>(shared: &Shared, mut sink: W) {
    IS_WRITER.set(true);
    let mut batch = Vec::new();
    loop {
        let mut pending = shared.lock();
        while pending.bytes.is_empty() && pending.dropped == 0 && !pending.closing {
            pending.idle = true;
            pending = shared.wake.wait(pending).unwrap_or_else(|p| p.into_inner());
        }
        pending.idle = false;
        pending = shared
            .wake
            .wait_timeout_while(pending, shared.gather, |p| p.bytes.len() < WRITE_AT && !p.closing)
            .unwrap_or_else(|p| p.into_inner())
            .0;
        std::mem::swap(&mut batch, &mut pending.bytes);
        let dropped = std::mem::take(&mut pending.dropped);
        let closing = pending.closing;
        drop(pending);
        // stderr gone (EPIPE) or failing: nothing better to do with a log line.
        let _ = sink.write_all(&batch).and_then(|()| sink.flush());
        // The buffer lent to `pending` grows with a burst; do not keep a
        // burst's worth once it has passed.
        batch.clear();
        if batch.capacity() > 256 << 10 {
            batch = Vec::new();
        }
        if dropped > 0 {
            // Through the log itself, in its format; it lands in this buffer.
            tracing::warn!(
                target: "nano::log",
                dropped,
                "log lines dropped: stderr did not keep up ({} KiB were waiting)",
                MAX_BUFFERED >> 10
            );
        }
        if closing {
            let pending = shared.lock();
            if pending.bytes.is_empty() && pending.dropped == 0 {
                break;
            }
        }
    }
    shared.lock().done = true;
    shared.wake.notify_all();
}

impl Drop for Flush {
    fn drop(&mut self) {
        let mut pending = self.shared.lock();
        pending.closing = true;
        self.shared.wake.notify_all();
        let deadline = std::time::Instant::now() + EXIT_WAIT;
        while !pending.done {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                return; // stderr is stuck: exit without the rest
            }
            pending = self.shared.wake.wait_timeout(pending, left).unwrap_or_else(|p| p.into_inner()).0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    /// Open or shut, and the change's signal.
    type Gate = Arc<(Mutex<bool>, Condvar)>;

    /// A sink that sends what it is given, blocking until `gate` opens.
    struct Gated {
        gate: Gate,
        out: mpsc::Sender<Vec<u8>>,
    }

    impl Write for Gated {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            let (open, cv) = &*self.gate;
            let mut open = open.lock().unwrap();
            while !*open {
                open = cv.wait(open).unwrap();
            }
            let _ = self.out.send(buf.to_vec());
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn gated(open: bool) -> (Gated, Gate, mpsc::Receiver<Vec<u8>>) {
        let gate = Arc::new((Mutex::new(open), Condvar::new()));
        let (out, received) = mpsc::channel();
        (Gated { gate: gate.clone(), out }, gate, received)
    }

    #[test]
    fn lines_arrive_in_order_and_the_rest_is_written_at_exit() {
        let (sink, _gate, received) = gated(true);
        let (writer, flush) = spawn(sink).unwrap();
        for i in 0..1000 {
            (&writer).write_all(format!("line {i}\n").as_bytes()).unwrap();
        }
        drop(flush);
        let written: Vec<u8> = received.try_iter().flatten().collect();
        let expected: String = (0..1000).map(|i| format!("line {i}\n")).collect();
        assert_eq!(String::from_utf8(written).unwrap(), expected);
        assert_eq!(writer.dropped_total(), 0);
    }

    #[test]
    fn a_burst_is_written_as_it_comes_not_after_the_gathering() {
        let (sink, _gate, received) = gated(true);
        // Gathering for an hour: only the burst can end it.
        let (writer, _flush) = spawn_gathering(sink, Duration::from_secs(3600)).unwrap();
        (&writer).write_all(b"first\n").unwrap();
        let line = [b'x'; 1023].iter().chain(b"\n").copied().collect::<Vec<u8>>();
        for _ in 0..WRITE_AT / line.len() {
            (&writer).write_all(&line).unwrap();
        }
        let batch = received.recv_timeout(Duration::from_secs(60)).expect("the burst ended the gathering");
        assert!(batch.len() > WRITE_AT, "{} bytes in the first batch", batch.len());
        assert!(batch.starts_with(b"first\n"));
        assert_eq!(writer.dropped_total(), 0);
    }

    #[test]
    fn a_stalled_sink_never_blocks_a_line_and_holds_a_bounded_amount() {
        let (sink, gate, received) = gated(false);
        let (writer, flush) = spawn(sink).unwrap();
        let line = [b'x'; 1023].iter().chain(b"\n").copied().collect::<Vec<u8>>();
        // Three times what may wait, while nothing can be written: every
        // write returns (the test would hang otherwise), the excess is counted.
        let lines = 3 * MAX_BUFFERED / line.len();
        for _ in 0..lines {
            (&writer).write_all(&line).unwrap();
        }
        let dropped = writer.dropped_total() as usize;
        // Kept: what the writer took before it blocked (at most one
        // buffer's worth) and what waits (at least one buffer's worth).
        let buffer_lines = MAX_BUFFERED / line.len();
        assert!(dropped >= lines - 2 * buffer_lines, "{dropped} of {lines} dropped");
        assert!(dropped <= lines - buffer_lines, "{dropped} of {lines} dropped");
        {
            let (open, cv) = &*gate;
            *open.lock().unwrap() = true;
            cv.notify_all();
        }
        drop(flush);
        let written: usize = received.try_iter().map(|b| b.len()).sum();
        assert_eq!(written, (lines - dropped) * line.len());
    }
}
