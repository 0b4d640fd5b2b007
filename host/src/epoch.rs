//! The epoch ticker: one thread per engine advances its epoch every tick
//! while any of its stores lives (deadline.rs checks an instance's limits
//! at each tick). When none has lived for `IDLE_TICKS` ticks it sleeps
//! until a store is made, so an idle host does not wake 500 times a second.
//! A store counts from `Runtime::new_store` until it is dropped; under load
//! the ticker never sleeps, and a store costs a count and an `Arc` clone.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, OnceLock};
use std::thread::Thread;
use std::time::Duration;
use wasmtime::Engine;

/// Ticks without a live store before the ticker sleeps: a server between
/// two requests keeps ticking, one left idle stops within a quarter second.
const IDLE_TICKS: u32 = 128;

/// Owned by the runtime: dropping it ends the thread once no store of the
/// runtime is left (or at once if its engine is gone).
pub struct EpochTicker {
    shared: Arc<Shared>,
}

struct Shared {
    /// Stores alive.
    live: AtomicUsize,
    /// The ticker sleeps (or is about to) until a store is made.
    asleep: AtomicBool,
    stop: AtomicBool,
    thread: OnceLock<Thread>,
    /// Ticks so far (what the tests look at).
    ticks: std::sync::atomic::AtomicU64,
}

/// Held by a store: the epoch advances while it lives.
pub struct Ticking(Arc<Shared>);

impl EpochTicker {
    pub fn start(engine: &Engine, tick: Duration) -> EpochTicker {
        let shared = Arc::new(Shared {
            live: AtomicUsize::new(0),
            asleep: AtomicBool::new(false),
            stop: AtomicBool::new(false),
            thread: OnceLock::new(),
            ticks: Default::default(),
        });
        let weak = engine.weak();
        let state = shared.clone();
        let handle = std::thread::Builder::new()
            .name("nano-epoch".into())
            .spawn(move || {
                let mut idle = 0;
                loop {
                    std::thread::sleep(tick);
                    match weak.upgrade() {
                        Some(engine) => engine.increment_epoch(),
                        None => return,
                    }
                    state.ticks.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if state.live.load(SeqCst) > 0 {
                        idle = 0;
                        continue;
                    }
                    // The runtime is gone and no store of it is left.
                    if state.stop.load(SeqCst) {
                        return;
                    }
                    idle += 1;
                    if idle < IDLE_TICKS {
                        continue;
                    }
                    // Said before the last look at `live`, so that a store
                    // made meanwhile sees it and wakes the thread (SeqCst on
                    // both sides: one of the two sees the other's write).
                    state.asleep.store(true, SeqCst);
                    while state.live.load(SeqCst) == 0 && !state.stop.load(SeqCst) {
                        std::thread::park();
                    }
                    state.asleep.store(false, SeqCst);
                    idle = 0;
                }
            })
            .expect("spawning the epoch thread");
        let _ = shared.thread.set(handle.thread().clone());
        EpochTicker { shared }
    }

    /// Keeps the epoch advancing until the returned guard is dropped.
    pub fn ticking(&self) -> Ticking {
        self.shared.live.fetch_add(1, SeqCst);
        if self.shared.asleep.load(SeqCst) {
            self.shared.wake();
        }
        Ticking(self.shared.clone())
    }
}

impl Shared {
    fn wake(&self) {
        if let Some(thread) = self.thread.get() {
            thread.unpark();
        }
    }
}

impl Drop for Ticking {
    fn drop(&mut self) {
        self.0.live.fetch_sub(1, SeqCst);
    }
}

impl Drop for EpochTicker {
    fn drop(&mut self) {
        self.shared.stop.store(true, SeqCst);
        self.shared.wake();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::Ordering::Relaxed;
    use std::time::Instant;

    fn wait_until(what: &str, done: impl Fn() -> bool) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while !done() {
            assert!(Instant::now() < deadline, "{what}");
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    #[test]
    fn the_epoch_stops_while_no_store_lives_and_moves_again_for_one() {
        let engine = Engine::new(wasmtime::Config::new().epoch_interruption(true)).unwrap();
        let ticker = EpochTicker::start(&engine, Duration::from_millis(1));
        let shared = ticker.shared.clone();
        let live = ticker.ticking();
        let at = shared.ticks.load(Relaxed);
        wait_until("the epoch never moved while a store lived", || shared.ticks.load(Relaxed) >= at + 3);
        drop(live);
        wait_until("the ticker never went to sleep", || shared.asleep.load(SeqCst));
        let at = shared.ticks.load(Relaxed);
        std::thread::sleep(Duration::from_millis(50));
        assert_eq!(shared.ticks.load(Relaxed), at, "the epoch moved with no store alive");
        let live = ticker.ticking();
        wait_until("a new store did not wake the ticker", || shared.ticks.load(Relaxed) >= at + 3);
        // A store that outlives its runtime keeps the epoch moving (its
        // limits need the ticks); the last one gone, the thread ends and
        // lets go of its share.
        drop(ticker);
        let at = shared.ticks.load(Relaxed);
        wait_until("the epoch stopped under a live store", || shared.ticks.load(Relaxed) >= at + 3);
        drop(live);
        wait_until("the thread did not end", || Arc::strong_count(&shared) == 1);
    }
}
