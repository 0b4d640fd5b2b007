//! Instances reset in place between requests. After a request that left
//! its instance at rest, the instance is put back as instantiation left it
//! (wasmtime patch `instance-reset`, patches/README.md): every linear memory
//! reset to the app's image by the same pagemap scan that resets a pool
//! slot, and table elements (of an app whose code can change one:
//! `changes_tables`), globals and the component's flags restored. It is
//! then parked, and a later request of the same app runs in it, so
//! the store and the instantiation are paid once per instance rather than
//! once per request. The next request sees what a fresh instance would
//! (tests/e2e/isolation.rs checks it byte for byte; a memory the request
//! grew is shrunk back). An instance that trapped, hit a limit, left a
//! resource handle live, grew a table, or was cancelled is dropped, as
//! every instance was before; so is every instance of a component that
//! runs code when instantiated.
//!
//! Parked instances hold a slot of the server's pool each, and its pages
//! (as an unused warm slot does), and the fiber stack their last request
//! ran on (32 KiB; after a deep recursion, the pages it touched until the
//! store's next check of its stack, at most 16 requests later:
//! patches/wasmtime-48.0.8-parked-stack.diff): at most
//! `MAX_PARKED_PER_APP` per app and `MAX_PARKED` per runtime, dropped after
//! `PARKED_IDLE` unused, and the first to give their slot up when a request
//! finds none free. A request takes one only once the CPU gate lets it
//! start (server.rs `admit`), so the requests queued there hold no
//! instance.

use crate::state::State;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::OwnedSemaphorePermit;
use wasmtime::component::{Instance, InstanceSnapshot};
use wasmtime::Store;
use wasmtime_wasi_http::p2::bindings::Proxy;

/// Parked instances of one app, at most.
pub const MAX_PARKED_PER_APP: usize = 16;
/// Parked instances of all the apps of a runtime, at most: as many as the
/// pool keeps unused warm slots (engine.rs), which hold as much memory.
pub const MAX_PARKED: usize = crate::engine::WARM_SLOTS as usize;
/// A parked instance unused this long is dropped (its slot's memory kept
/// or given back by the pool as any freed slot's).
pub const PARKED_IDLE: Duration = Duration::from_secs(10);

/// Whether a component runs code when instantiated: a start function in
/// one of its core modules (or a component start). Its instances are never
/// reused: code run at instantiation may write memory, which a reset puts
/// back to the image as it was before that code ran. (nano's own builds
/// have none: the snapshot has run the initialisation.) A component that
/// cannot be parsed is treated as running code.
pub fn runs_code_at_instantiation(wasm: &[u8]) -> bool {
    use wasmparser::{Parser, Payload};
    Parser::new(0).parse_all(wasm).any(|payload| {
        matches!(payload, Err(_) | Ok(Payload::StartSection { .. } | Payload::ComponentStartSection { .. }))
    })
}

/// Whether code of a component may change a table element: a `table.set`,
/// `table.fill`, `table.copy`, `table.init` or `table.grow` in one of its
/// core modules' functions (a component that cannot be parsed counts as
/// one that may). A reset in place copies such a component's tables back
/// (over 2,000 elements for nano's engine); it leaves the others' as they
/// are, which is what they were at instantiation (`Resettable::new`).
/// nano's builds have none: C and Rust compiled to wasm call through their
/// table but never write it.
pub fn changes_tables(wasm: &[u8]) -> bool {
    use wasmparser::{Operator, Parser, Payload};
    let changes = |body: wasmparser::FunctionBody| -> wasmparser::Result<bool> {
        let mut operators = body.get_operators_reader()?;
        while !operators.eof() {
            if let Operator::TableSet { .. }
            | Operator::TableFill { .. }
            | Operator::TableCopy { .. }
            | Operator::TableInit { .. }
            | Operator::TableGrow { .. } = operators.read()?
            {
                return Ok(true);
            }
        }
        Ok(false)
    };
    Parser::new(0).parse_all(wasm).any(|payload| match payload {
        Err(_) => true,
        Ok(Payload::CodeSectionEntry(body)) => changes(body).unwrap_or(true),
        Ok(_) => false,
    })
}

/// What makes an instance resettable: its state right after instantiation.
pub struct Resettable {
    instance: Instance,
    snapshot: InstanceSnapshot,
    /// The memory the instance had when made (the limiter's peak then): a
    /// reused instance's report starts from it, as a fresh one's does.
    initial_peak: usize,
}

impl Resettable {
    /// Saves `instance`'s state, just instantiated in `store`; `None` (and
    /// one DEBUG line) if it can never be reset in place: a component whose
    /// instantiation writes memory by code, for one (the patch's checks).
    /// `tables_change`: whether its code may change a table element
    /// (`changes_tables`); if not, a reset leaves the tables as they are.
    pub fn new(store: &mut Store<State>, instance: Instance, tables_change: bool) -> Option<Resettable> {
        match instance.snapshot(&mut *store) {
            Ok(mut snapshot) => {
                if !tables_change {
                    snapshot.keep_table_elements();
                }
                Some(Resettable { instance, snapshot, initial_peak: store.data().limits.peak })
            }
            Err(e) => {
                tracing::debug!(app = %store.data().app.name, "instances of this app are not reused: {e:#}");
                None
            }
        }
    }

    /// Puts the instance back as it was made, if it is at rest; false if
    /// not (or if the reset failed): then it must be dropped.
    pub fn reset(&self, store: &mut Store<State>) -> bool {
        // Safety: called between requests, with the handler's call over:
        // no wasm of this store runs.
        match unsafe { self.instance.reset(&mut *store, &self.snapshot) } {
            Ok(reset) => reset,
            Err(e) => {
                tracing::warn!(app = %store.data().app.name, "resetting an instance failed, dropping it: {e:#}");
                false
            }
        }
    }

    pub fn initial_peak(&self) -> usize {
        self.initial_peak
    }
}

/// An instance ready for a request: reset, in its store.
pub struct Ready {
    pub store: Store<State>,
    pub proxy: Proxy,
    pub resettable: Resettable,
}

/// An instance between two requests, with the pool slot it holds.
pub struct Parked {
    ready: Ready,
    slot: OwnedSemaphorePermit,
    since: Instant,
    /// The thread that reset it (`this_thread`): the pages it just wrote
    /// are in that core's caches.
    thread: usize,
}

/// Which of the parked instances (the threads that reset them, oldest
/// first) a request on `thread` takes: the most recently parked of those
/// `thread` reset, else the most recently parked. The pages a reset wrote
/// (and those the instance reads) are then in this core's caches rather
/// than the other's: hello over loopback on 2 cores, where the two tokio
/// workers took each other's instances about half the time, used 9–11%
/// more CPU per request.
fn pick(mut threads: impl ExactSizeIterator<Item = usize> + DoubleEndedIterator, thread: usize) -> Option<usize> {
    let newest = threads.len().checked_sub(1);
    threads.rposition(|parked_by| parked_by == thread).or(newest)
}

/// A small number for the calling thread, the same on every call.
pub(crate) fn this_thread() -> usize {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    thread_local! {
        static THIS: usize = NEXT.fetch_add(1, Ordering::Relaxed);
    }
    THIS.with(|this| *this)
}

impl Parked {
    pub fn into_parts(self) -> (Ready, OwnedSemaphorePermit) {
        (self.ready, self.slot)
    }

    /// Gives its pool slot up: the store (and with it the slot's instance)
    /// is dropped first, so the slot is free in the pool when the permit is.
    pub fn into_slot(self) -> OwnedSemaphorePermit {
        drop(self.ready);
        self.slot
    }
}

/// The parked instances of one app (in one runtime), the most recently
/// used on top: its pages are the likeliest to be in the CPU's caches
/// (`pick`).
#[derive(Default)]
pub struct Parking {
    shelf: Mutex<Shelf>,
}

#[derive(Default)]
struct Shelf {
    parked: Vec<Parked>,
    /// Rooms reserved for instances being reset.
    reserved: usize,
}

/// Room for one instance to park, reserved before it is reset (a reset is
/// wasted on an instance that then finds no room); it counts as parked
/// until it is used or dropped.
pub struct Room<'a> {
    parking: &'a Parking,
    count: &'a ParkedCount,
}

impl Room<'_> {
    /// Parks an instance reset after its request.
    pub fn park(self, mut ready: Ready, slot: OwnedSemaphorePermit) {
        // A parked store needs no clock (its limits are set again when it
        // is next used): an idle server's epoch thread may sleep (epoch.rs).
        ready.store.data_mut().ticking = None;
        {
            let mut shelf = self.parking.lock();
            shelf.reserved -= 1;
            shelf.parked.push(Parked { ready, slot, since: Instant::now(), thread: this_thread() });
        }
        // The reservation became the parked instance: still counted.
        std::mem::forget(self);
    }
}

impl Drop for Room<'_> {
    fn drop(&mut self) {
        self.parking.lock().reserved -= 1;
        self.count.0.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Parking {
    /// The parked instance `pick` chooses for this thread, if any.
    pub fn take(&self, count: &ParkedCount) -> Option<Parked> {
        let parked = {
            let mut shelf = self.lock();
            let at = pick(shelf.parked.iter().map(|parked| parked.thread), this_thread())?;
            shelf.parked.remove(at)
        };
        count.0.fetch_sub(1, Ordering::Relaxed);
        Some(parked)
    }

    /// Room for one more instance, unless this app or the runtime already
    /// has as many parked as they may.
    pub fn room<'a>(&'a self, count: &'a ParkedCount) -> Option<Room<'a>> {
        let mut shelf = self.lock();
        if shelf.parked.len() + shelf.reserved < MAX_PARKED_PER_APP && count.try_add() {
            shelf.reserved += 1;
            Some(Room { parking: self, count })
        } else {
            None
        }
    }

    /// The least recently used parked instance, to free its slot.
    pub fn evict(&self, count: &ParkedCount) -> Option<Parked> {
        let mut shelf = self.lock();
        if shelf.parked.is_empty() {
            return None;
        }
        count.0.fetch_sub(1, Ordering::Relaxed);
        Some(shelf.parked.remove(0))
    }

    /// Drops the instances unused for `PARKED_IDLE`.
    pub fn expire(&self, count: &ParkedCount) {
        let expired: Vec<Parked> = {
            let mut shelf = self.lock();
            let keep = shelf.parked.iter().position(|p| p.since.elapsed() < PARKED_IDLE).unwrap_or(shelf.parked.len());
            shelf.parked.drain(..keep).collect()
        };
        count.0.fetch_sub(expired.len(), Ordering::Relaxed);
        drop(expired);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Shelf> {
        self.shelf.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// How many instances the apps of one runtime have parked (rooms reserved
/// included).
#[derive(Default, Clone)]
pub struct ParkedCount(Arc<AtomicUsize>);

impl ParkedCount {
    fn try_add(&self) -> bool {
        self.0.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| (n < MAX_PARKED).then_some(n + 1)).is_ok()
    }

    pub fn get(&self) -> usize {
        self.0.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_start_function_anywhere_in_a_component_rules_reuse_out() {
        let plain = wat::parse_str("(component (core module (func (export \"f\"))))").unwrap();
        assert!(!runs_code_at_instantiation(&plain));
        let started = wat::parse_str("(component (core module (func $f) (start $f)))").unwrap();
        assert!(runs_code_at_instantiation(&started));
        let nested = wat::parse_str("(component (component (core module (func $f) (start $f))))").unwrap();
        assert!(runs_code_at_instantiation(&nested));
        assert!(runs_code_at_instantiation(b"\0asm not really"), "unparsable: treated as running code");
    }

    #[test]
    fn a_table_instruction_anywhere_in_a_component_means_its_tables_change() {
        let reads = "(table 1 funcref) (type $t (func)) (func (export \"f\") (call_indirect (type $t) (i32.const 0)) \
                     (drop (table.get 0 (i32.const 0))) (drop (table.size 0)))";
        let plain = wat::parse_str(format!("(component (core module {reads}))")).unwrap();
        assert!(!changes_tables(&plain), "calls through a table and reads of it change nothing");
        for write in [
            "(table.set 0 (i32.const 0) (ref.null func))",
            "(table.fill 0 (i32.const 0) (ref.null func) (i32.const 1))",
            "(table.copy 0 0 (i32.const 0) (i32.const 0) (i32.const 1))",
            "(table.init 0 $e (i32.const 0) (i32.const 0) (i32.const 1))",
            "(drop (table.grow 0 (ref.null func) (i32.const 1)))",
        ] {
            let module = format!("(core module (table 1 funcref) (elem $e func) (func (export \"g\") {write}))");
            let flat = wat::parse_str(format!("(component {module})")).unwrap();
            assert!(changes_tables(&flat), "{write}");
            let nested = wat::parse_str(format!("(component (core module {reads}) (component {module}))")).unwrap();
            assert!(changes_tables(&nested), "{write}, in a nested component");
        }
        assert!(changes_tables(b"\0asm not really"), "unparsable: treated as changing them");
    }

    #[test]
    fn a_request_takes_the_newest_instance_its_thread_reset_else_the_newest() {
        let pick_among = |threads: &[usize], thread| pick(threads.iter().copied(), thread);
        assert_eq!(pick_among(&[], 0), None);
        assert_eq!(pick_among(&[1, 0, 1, 0], 1), Some(2));
        assert_eq!(pick_among(&[1, 0, 1, 0], 0), Some(3));
        assert_eq!(pick_among(&[1, 1, 0, 0], 1), Some(1), "deeper in the shelf");
        assert_eq!(pick_among(&[1, 1], 0), Some(1), "none of this thread's: the newest");
    }

    #[test]
    fn each_thread_has_its_own_number() {
        let here = this_thread();
        assert_eq!(this_thread(), here);
        let there = std::thread::spawn(this_thread).join().unwrap();
        assert_ne!(there, here);
    }
}
