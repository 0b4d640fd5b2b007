//! The two clocks of a request: **CPU time**, the time the instance's code
//! actually runs (wasm, and the host calls it makes synchronously), and
//! **wall time**, from the store's creation. Waiting on a fetch, a timer or
//! the client costs wall time only.
//!
//! CPU time is measured around every poll of the instance's future
//! ([`CpuTimed`]): wasmtime runs wasm inside those polls, and only there.
//! Both limits are checked at every epoch tick while wasm runs (the epoch
//! callback), which also yields the thread so a spinning instance costs its
//! own request and nothing else; the wall limit is also a timer around the
//! whole request (server.rs), for an instance that waits forever.

use crate::state::State;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use wasmtime::Store;

/// Which limit stopped an instance: the error its wasm call fails with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitExceeded {
    Cpu(Duration),
    Wall(Duration),
}

impl LimitExceeded {
    /// The limit behind a failed wasm call, if one was.
    pub fn of(error: &wasmtime::Error) -> Option<LimitExceeded> {
        error.downcast_ref::<LimitExceeded>().copied()
    }

    /// Why `subject` ("the request", "the script") was stopped, naming the
    /// setting that limits it.
    pub fn describe(&self, subject: &str) -> String {
        match self {
            LimitExceeded::Cpu(limit) => {
                format!("{subject} used its {} ms of CPU time (cpu_ms, --cpu-ms) and was stopped", limit.as_millis())
            }
            LimitExceeded::Wall(limit) => format!(
                "{subject} ran longer than its {} s wall-clock time limit (wall_s, --timeout) and was stopped",
                limit.as_secs_f64()
            ),
        }
    }
}

impl std::fmt::Display for LimitExceeded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe("the request"))
    }
}

impl std::error::Error for LimitExceeded {}

/// CPU time an instance has used: the sum of its finished polls, plus the
/// one running now.
#[derive(Debug)]
pub struct CpuClock {
    base: Instant,
    used_ns: AtomicU64,
    /// When the running poll started (ns since `base`, plus one), or 0.
    running_since: AtomicU64,
    /// Set when the epoch callback makes the instance yield, until its poll
    /// ends: a yield through tokio wakes the task only after the poll, and
    /// the CPU gate must not take that for a wait (cpu_gate.rs).
    yielding: AtomicBool,
}

impl Default for CpuClock {
    fn default() -> Self {
        CpuClock {
            base: Instant::now(),
            used_ns: AtomicU64::new(0),
            running_since: AtomicU64::new(0),
            yielding: AtomicBool::new(false),
        }
    }
}

impl CpuClock {
    fn now_ns(&self) -> u64 {
        self.base.elapsed().as_nanos() as u64 + 1
    }

    /// Counts `spent` (host work done for the instance off its own thread).
    pub fn charge(&self, spent: Duration) {
        self.used_ns.fetch_add(spent.as_nanos() as u64, Ordering::Relaxed);
    }

    /// How long the running poll has run so far; `None` between polls (or
    /// for wasm run outside a [`CpuTimed`]).
    fn running_for(&self) -> Option<Duration> {
        match self.running_since.load(Ordering::Relaxed) {
            0 => None,
            since => Some(Duration::from_nanos(self.now_ns().saturating_sub(since))),
        }
    }

    /// The running poll is about to yield its time slice.
    pub fn mark_yielding(&self) {
        self.yielding.store(true, Ordering::Release);
    }

    /// Whether the poll that just ended yielded a time slice (and the flag
    /// is cleared): the instance is still runnable, its wake comes later.
    pub fn take_yielding(&self) -> bool {
        self.yielding.swap(false, Ordering::AcqRel)
    }

    /// CPU time used so far.
    pub fn used(&self) -> Duration {
        Duration::from_nanos(self.used_ns.load(Ordering::Relaxed)) + self.running_for().unwrap_or_default()
    }
}

/// A future whose polls count as its instance's CPU time.
pub struct CpuTimed<F> {
    inner: Pin<Box<F>>,
    clock: Arc<CpuClock>,
}

impl<F> CpuTimed<F> {
    pub fn new(inner: F, clock: Arc<CpuClock>) -> Self {
        CpuTimed { inner: Box::pin(inner), clock }
    }
}

impl<F: Future> Future for CpuTimed<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let clock = self.clock.clone();
        let started = clock.now_ns();
        clock.running_since.store(started, Ordering::Relaxed);
        let result = self.inner.as_mut().poll(cx);
        clock.running_since.store(0, Ordering::Relaxed);
        clock.used_ns.fetch_add(clock.now_ns() - started, Ordering::Relaxed);
        result
    }
}

/// How long one poll of an instance runs before the next epoch tick makes it
/// yield. Short requests (a hello runs ≈ 0.2 ms) never yield, so they pay
/// no rescheduling; a long one gives its thread back every tick or two.
const YIELD_AFTER: Duration = Duration::from_millis(1);

/// Stops the store's wasm once it has run `cpu` of CPU time or `wall` has
/// passed since now, with a [`LimitExceeded`] error; until then, at a tick
/// that finds the current poll running for [`YIELD_AFTER`], gives its thread
/// back to the async runtime.
pub fn set_limits(store: &mut Store<State>, cpu: Duration, wall: Duration) {
    let deadline = Instant::now() + wall;
    store.set_epoch_deadline(1);
    store.epoch_deadline_callback(move |store| {
        if Instant::now() >= deadline {
            return Err(LimitExceeded::Wall(wall).into());
        }
        let clock = &store.data().cpu;
        if clock.used() >= cpu {
            return Err(LimitExceeded::Cpu(cpu).into());
        }
        if clock.running_for().is_some_and(|ran| ran < YIELD_AFTER) {
            return Ok(wasmtime::UpdateDeadline::Continue(1));
        }
        // tokio's yield_now, not wasmtime's plain Yield (a wake during the
        // poll): tokio defers that wake until the worker has polled the I/O
        // driver, so the connections of other apps make progress between
        // a spinner's slices instead of once every 61 of them.
        clock.mark_yielding();
        Ok(wasmtime::UpdateDeadline::YieldCustom(1, Box::pin(tokio::task::yield_now())))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Busy for `d` of real time inside one poll.
    async fn spin(d: Duration) {
        let until = Instant::now() + d;
        while Instant::now() < until {
            std::hint::spin_loop();
        }
    }

    #[tokio::test]
    async fn polls_count_and_waiting_does_not() {
        let clock = Arc::new(CpuClock::default());
        CpuTimed::new(
            async {
                spin(Duration::from_millis(30)).await;
                tokio::time::sleep(Duration::from_millis(200)).await;
                spin(Duration::from_millis(30)).await;
            },
            clock.clone(),
        )
        .await;
        let used = clock.used();
        assert!(used >= Duration::from_millis(60), "{used:?}");
        assert!(used < Duration::from_millis(200), "the sleep is not CPU time: {used:?}");
    }
}
