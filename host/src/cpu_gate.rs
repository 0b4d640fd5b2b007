//! When a new instance starts: only while few instances are **runnable**
//! (woken and not yet waiting on a fetch, a timer, a body or the client
//! again). With every core busy, an instance started now would only wait
//! for CPU, holding its slot's memory all the while; started later, it gets
//! the same CPU sooner. So under a CPU-bound load the requests beyond the
//! gate's limit wait before instantiation (first come, first served, within
//! the queue timeout), while instances waiting on I/O never count: an app
//! whose requests wait on a slow upstream still gets an instance per
//! request. Measured with `just load` at 1,000 connections: without the
//! gate every connection held a live instance, and each request cost ≈ 28%
//! more CPU than at 256 (caches and page tables shared by 1,000 instances);
//! see README, Performance.
//!
//! An instance that has used more than [`LONG_RUNNING`] of CPU time stops
//! counting: a few spinning requests must not keep every other request out
//! (they still share the CPU by the epoch's time slices, as before).

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

use crate::deadline::CpuClock;

/// CPU time after which an instance no longer counts as runnable.
pub const LONG_RUNNING: Duration = Duration::from_millis(10);

/// Runnable instances per core the gate lets start before new ones wait.
const RUNNABLE_PER_CORE: usize = 8;

/// The count of runnable instances, and the requests waiting to start one.
pub struct CpuGate {
    limit: usize,
    state: Mutex<GateState>,
}

struct GateState {
    runnable: usize,
    /// Requests waiting for their turn, oldest first (a dropped receiver is
    /// a request that gave up: skipped).
    waiting: VecDeque<oneshot::Sender<()>>,
}

impl CpuGate {
    /// A gate for this machine: RUNNABLE_PER_CORE runnable instances per core.
    pub fn for_machine() -> Arc<CpuGate> {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        CpuGate::new(cores * RUNNABLE_PER_CORE)
    }

    pub fn new(limit: usize) -> Arc<CpuGate> {
        Arc::new(CpuGate {
            limit: limit.max(1),
            state: Mutex::new(GateState { runnable: 0, waiting: VecDeque::new() }),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, GateState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Waits, until `deadline` at the latest, for the turn of a new
    /// instance; it counts as runnable from then (see [`Runnable`]). None if
    /// the deadline passed first.
    pub async fn enter(self: &Arc<Self>, deadline: Instant) -> Option<Turn> {
        let mut waiting = {
            let mut state = self.lock();
            // Nobody overtakes a request that waits.
            if state.waiting.is_empty() && state.runnable < self.limit {
                state.runnable += 1;
                return Some(Turn { gate: self.clone() });
            }
            let (tx, rx) = oneshot::channel();
            state.waiting.push_back(tx);
            Waiting { gate: self.clone(), rx }
        };
        match tokio::time::timeout_at(deadline.into(), &mut waiting.rx).await {
            // `leave` counted it in before sending.
            Ok(Ok(())) => Some(Turn { gate: self.clone() }),
            _ => None,
        }
    }

    /// An instance became runnable again.
    fn count(&self) {
        self.lock().runnable += 1;
    }

    /// An instance stopped being runnable: the oldest waiting request
    /// (that has not given up) gets its turn.
    fn leave(&self) {
        let mut state = self.lock();
        debug_assert!(state.runnable > 0, "an instance left the gate twice");
        state.runnable = state.runnable.saturating_sub(1);
        while state.runnable < self.limit {
            let Some(next) = state.waiting.pop_front() else { break };
            if next.send(()).is_ok() {
                state.runnable += 1;
            }
        }
    }

    /// Runnable instances now (tests).
    #[cfg(test)]
    fn runnable(&self) -> usize {
        self.lock().runnable
    }
}

/// A request waiting for its turn. A turn given just as the request gave
/// up (its timeout, or its client gone) is given back when this is dropped.
struct Waiting {
    gate: Arc<CpuGate>,
    rx: oneshot::Receiver<()>,
}

impl Drop for Waiting {
    fn drop(&mut self) {
        if self.rx.try_recv().is_ok() {
            self.gate.leave();
        }
    }
}

/// A new instance's turn: it counts as runnable until it is handed to
/// [`Runnable::new`] (or dropped, if it never starts).
pub struct Turn {
    gate: Arc<CpuGate>,
}

impl Drop for Turn {
    fn drop(&mut self) {
        self.gate.leave();
    }
}

// A tracked instance's states.
/// Counted: being polled.
const RUNNING: u8 = 0;
/// Counted: woken (during a poll, or since the last one).
const WOKEN: u8 = 1;
/// Not counted: waiting for a wake.
const PARKED: u8 = 2;
/// Not counted any more: finished or dropped.
const DONE: u8 = 3;

/// The part of a tracked instance its wakers share.
struct Tracker {
    gate: Arc<CpuGate>,
    state: AtomicU8,
    /// Past LONG_RUNNING: never counted again.
    long_running: AtomicBool,
    /// The task's own waker, which every wake is passed on to.
    task: Mutex<Option<Waker>>,
}

impl Tracker {
    /// Became runnable (nothing once it is long-running).
    fn count(&self) {
        if !self.long_running.load(Ordering::Acquire) {
            self.gate.count();
        }
    }

    /// Stopped being runnable (nothing once it is long-running).
    fn leave(&self) {
        if !self.long_running.load(Ordering::Acquire) {
            self.gate.leave();
        }
    }

    /// Finished or dropped: counted no more (once).
    fn finish(&self) {
        let was = self.state.swap(DONE, Ordering::AcqRel);
        if was == RUNNING || was == WOKEN {
            self.leave();
        }
    }
}

impl Wake for Tracker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        let mut state = self.state.load(Ordering::Acquire);
        loop {
            if state != PARKED && state != RUNNING {
                break;
            }
            match self.state.compare_exchange_weak(state, WOKEN, Ordering::AcqRel, Ordering::Acquire) {
                Ok(_) => {
                    if state == PARKED {
                        self.count();
                    }
                    break;
                }
                Err(now) => state = now,
            }
        }
        if let Some(task) = &*self.task.lock().unwrap_or_else(|p| p.into_inner()) {
            task.wake_by_ref();
        }
    }
}

/// An instance's future, counted in its gate while it is runnable.
pub struct Runnable<F> {
    inner: Pin<Box<F>>,
    tracker: Arc<Tracker>,
    waker: Waker,
    cpu: Arc<CpuClock>,
}

impl<F> Runnable<F> {
    /// Tracks `inner`, which starts counted (its `turn`); `cpu` is its
    /// instance's CPU clock.
    pub fn new(inner: F, turn: Turn, cpu: Arc<CpuClock>) -> Self {
        let tracker = Arc::new(Tracker {
            gate: turn.gate.clone(),
            state: AtomicU8::new(WOKEN),
            long_running: AtomicBool::new(false),
            task: Mutex::new(None),
        });
        // Counted from now by the tracker.
        std::mem::forget(turn);
        let waker = Waker::from(tracker.clone());
        Runnable { inner: Box::pin(inner), tracker, waker, cpu }
    }

    /// Stops counting for good (the tracker is counted now).
    fn stop_counting(&self) {
        if !self.tracker.long_running.swap(true, Ordering::AcqRel) {
            self.tracker.gate.leave();
        }
    }
}

impl<F: Future> Future for Runnable<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = &mut *self;
        let tracker = &this.tracker;
        {
            let mut task = tracker.task.lock().unwrap_or_else(|p| p.into_inner());
            if !task.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
                *task = Some(cx.waker().clone());
            }
        }
        // Polled without its own wake (e.g. its timeout's timer): it runs,
        // so it counts.
        if tracker.state.swap(RUNNING, Ordering::AcqRel) == PARKED {
            tracker.count();
        }
        match this.inner.as_mut().poll(&mut Context::from_waker(&this.waker)) {
            Poll::Ready(out) => {
                tracker.finish();
                Poll::Ready(out)
            }
            Poll::Pending => {
                // Past its share of the gate, whether it yielded (a time
                // slice's end) or waits: counted now (running or woken), so
                // it leaves here, once.
                if !tracker.long_running.load(Ordering::Acquire) && this.cpu.used() > LONG_RUNNING {
                    this.stop_counting();
                }
                // A yield whose wake the runtime defers until after this
                // poll is no wait: still runnable, as if woken already (the
                // deferred wake then counts nothing).
                let next = if this.cpu.take_yielding() { WOKEN } else { PARKED };
                if tracker.state.compare_exchange(RUNNING, next, Ordering::AcqRel, Ordering::Acquire).is_ok()
                    && next == PARKED
                {
                    tracker.leave();
                }
                Poll::Pending
            }
        }
    }
}

impl<F> Drop for Runnable<F> {
    fn drop(&mut self) {
        self.tracker.finish();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn far() -> Instant {
        Instant::now() + Duration::from_secs(3600)
    }

    /// A future that parks (Pending, no wake) until `go` is set, keeping
    /// its waker in `waker` for the test to wake it.
    struct Parks {
        go: Arc<AtomicBool>,
        waker: Arc<Mutex<Option<Waker>>>,
    }

    impl Future for Parks {
        type Output = ();
        fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
            if self.go.load(Ordering::SeqCst) {
                return Poll::Ready(());
            }
            *self.waker.lock().unwrap() = Some(cx.waker().clone());
            Poll::Pending
        }
    }

    fn parks() -> (Parks, Arc<AtomicBool>, Arc<Mutex<Option<Waker>>>) {
        let go = Arc::new(AtomicBool::new(false));
        let waker = Arc::new(Mutex::new(None));
        (Parks { go: go.clone(), waker: waker.clone() }, go, waker)
    }

    fn poll_once<F: Future>(f: Pin<&mut F>) -> Poll<F::Output> {
        f.poll(&mut Context::from_waker(Waker::noop()))
    }

    #[tokio::test]
    async fn new_instances_wait_while_the_limit_is_runnable_first_come_first_served() {
        let gate = CpuGate::new(2);
        let a = gate.enter(far()).await.unwrap();
        let _b = gate.enter(far()).await.unwrap();
        assert_eq!(gate.runnable(), 2);
        let (first, second) = (gate.clone(), gate.clone());
        let first = tokio::spawn(async move { first.enter(far()).await.map(|_turn| 1) });
        tokio::task::yield_now().await;
        let second = tokio::spawn(async move { second.enter(far()).await.map(|_turn| 2) });
        tokio::task::yield_now().await;
        assert!(!first.is_finished() && !second.is_finished(), "both wait while 2 of 2 are runnable");
        drop(a);
        assert_eq!(first.await.unwrap(), Some(1), "the older waiter goes first");
        // The first's turn ended with its task: the second's turn came.
        assert_eq!(second.await.unwrap(), Some(2));
        assert_eq!(gate.runnable(), 1, "only _b is still counted");
    }

    #[tokio::test(start_paused = true)]
    async fn a_request_that_waits_too_long_gives_up_and_leaves_nothing_counted() {
        let gate = CpuGate::new(1);
        let held = gate.enter(far()).await.unwrap();
        let deadline = Instant::now() + Duration::from_millis(50);
        assert!(gate.enter(deadline).await.is_none(), "the deadline passed first");
        drop(held);
        assert_eq!(gate.runnable(), 0);
        assert!(gate.enter(far()).await.is_some());
    }

    #[tokio::test]
    async fn a_turn_given_to_a_request_that_is_gone_is_given_back() {
        let gate = CpuGate::new(1);
        let held = gate.enter(far()).await.unwrap();
        let mut waiter = Box::pin(gate.enter(far()));
        assert!(poll_once(waiter.as_mut()).is_pending());
        // The turn is sent to the waiter, which is dropped before it runs
        // again (its client went away).
        drop(held);
        assert_eq!(gate.runnable(), 1, "counted in for the waiter");
        drop(waiter);
        assert_eq!(gate.runnable(), 0, "and given back with it");
    }

    #[test]
    fn an_instance_waiting_on_io_does_not_count_until_woken() {
        let gate = CpuGate::new(4);
        let turn = turn_now(&gate);
        let (future, go, waker) = parks();
        let mut run = Box::pin(Runnable::new(future, turn, Arc::new(CpuClock::default())));
        assert_eq!(gate.runnable(), 1, "counted from its turn");
        assert!(poll_once(run.as_mut()).is_pending());
        assert_eq!(gate.runnable(), 0, "parked: not runnable");
        let wake = waker.lock().unwrap().clone().unwrap();
        wake.wake_by_ref();
        assert_eq!(gate.runnable(), 1, "woken: runnable again");
        wake.wake_by_ref();
        assert_eq!(gate.runnable(), 1, "a second wake counts nothing more");
        go.store(true, Ordering::SeqCst);
        assert!(poll_once(run.as_mut()).is_ready());
        assert_eq!(gate.runnable(), 0, "finished");
        wake.wake_by_ref();
        drop(run);
        assert_eq!(gate.runnable(), 0, "a late wake and the drop count nothing");
    }

    #[test]
    fn an_instance_dropped_while_runnable_or_parked_leaves_the_count_right() {
        let gate = CpuGate::new(4);
        let (future, _, _) = parks();
        drop(Runnable::new(future, turn_now(&gate), Arc::new(CpuClock::default())));
        assert_eq!(gate.runnable(), 0, "dropped before its first poll");
        let (future, _, _) = parks();
        let mut run = Box::pin(Runnable::new(future, turn_now(&gate), Arc::new(CpuClock::default())));
        assert!(poll_once(run.as_mut()).is_pending());
        drop(run);
        assert_eq!(gate.runnable(), 0, "dropped while parked");
        drop(turn_now(&gate));
        assert_eq!(gate.runnable(), 0, "a turn never used");
    }

    /// Spins for `d` of real time, then yields (a time slice's end): wakes
    /// itself during the poll, or, as the epoch callback does through tokio's
    /// `yield_now`, marks its clock and leaves its waker in `deferred` for
    /// the runtime (here the test) to wake after the poll.
    struct Spins {
        d: Duration,
        cpu: Arc<CpuClock>,
        deferred: Option<Arc<Mutex<Option<Waker>>>>,
    }

    impl Future for Spins {
        type Output = ();
        fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
            let until = Instant::now() + self.d;
            while Instant::now() < until {
                std::hint::spin_loop();
            }
            match &self.deferred {
                Some(slot) => {
                    self.cpu.mark_yielding();
                    *slot.lock().unwrap() = Some(cx.waker().clone());
                }
                None => cx.waker().wake_by_ref(),
            }
            Poll::Pending
        }
    }

    #[test]
    fn a_long_running_instance_stops_counting() {
        for defers in [false, true] {
            let gate = CpuGate::new(4);
            let cpu = Arc::new(CpuClock::default());
            let deferred = defers.then(|| Arc::new(Mutex::new(None::<Waker>)));
            let spins = Spins { d: LONG_RUNNING / 4, cpu: cpu.clone(), deferred: deferred.clone() };
            let timed = crate::deadline::CpuTimed::new(spins, cpu.clone());
            let mut run = Box::pin(Runnable::new(timed, turn_now(&gate), cpu.clone()));
            // One slice, and the wake that ends it: runnable throughout
            // until LONG_RUNNING, the deferred wake counting nothing more.
            let slice = |run: Pin<&mut Runnable<_>>| {
                let young = cpu.used() <= LONG_RUNNING;
                assert!(poll_once(run).is_pending());
                let after = cpu.used() <= LONG_RUNNING;
                if young && after {
                    assert_eq!(gate.runnable(), 1, "yielded, not yet woken: still runnable (deferred wake: {defers})");
                }
                if let Some(slot) = &deferred {
                    slot.lock().unwrap().take().unwrap().wake();
                }
                if after {
                    assert_eq!(gate.runnable(), 1, "yielded: still runnable (deferred wake: {defers})");
                }
            };
            slice(run.as_mut());
            while cpu.used() <= LONG_RUNNING {
                slice(run.as_mut());
            }
            slice(run.as_mut());
            assert_eq!(gate.runnable(), 0, "past LONG_RUNNING it no longer keeps others out (deferred wake: {defers})");
            drop(run);
            assert_eq!(gate.runnable(), 0);
        }
    }

    /// A turn taken at once (the gate has room).
    fn turn_now(gate: &Arc<CpuGate>) -> Turn {
        let mut enter = Box::pin(gate.enter(far()));
        match poll_once(enter.as_mut()) {
            Poll::Ready(Some(turn)) => turn,
            _ => panic!("the gate had room"),
        }
    }
}
