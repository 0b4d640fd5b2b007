//! What a used pool slot keeps between instances. Its memory image: the
//! pages its instances touched and no others (the pagemap reset of every
//! request pays for each page a slot has mapped, so neighbours the kernel
//! mapped ahead of a read, "fault-around", 16 pages per fault, would cost
//! every request for good: patches/wasmtime-48.0.8-no-fault-around.diff).
//! Its stack: the part kept resident, however deep an instance went
//! (patches/wasmtime-48.0.8-stack-decommit.diff). The pages a request
//! writes: not those of the snapshot's objects it only reads
//! (patches/rquickjs-sys-0.14.0-immortal-snapshot.diff).

use crate::common::*;
use nano_host::engine::{PoolLimits, Runtime};
use std::io::{Read, Seek, SeekFrom};
use std::time::{Duration, Instant};

const PAGE: usize = 4096;
/// The image: 4 MiB of data, so that every page is the image's (not zeros,
/// which the kernel maps from its one zero page).
const IMAGE_PAGES: usize = 1024;
/// Pages the module reads, one byte each, this far apart.
const READS: usize = 8;
const STRIDE: usize = 64;

fn module_wat() -> String {
    let data = "\\2a".repeat(PAGE);
    let segments: String = (0..IMAGE_PAGES).map(|p| format!("(data (i32.const {}) \"{data}\")\n", p * PAGE)).collect();
    format!(
        "(module (memory (export \"memory\") {pages})
           {segments}
           (func (export \"touch\") (result i32) (local $i i32) (local $sum i32)
             (loop $next
               (local.set $sum (i32.add (local.get $sum)
                 (i32.load8_u (i32.mul (local.get $i) (i32.const {step})))))
               (local.set $i (i32.add (local.get $i) (i32.const 1)))
               (br_if $next (i32.lt_u (local.get $i) (i32.const {READS}))))
             (local.get $sum)))",
        pages = IMAGE_PAGES * PAGE / 65536,
        step = STRIDE * PAGE,
    )
}

/// The /proc/self/pagemap entries of the `pages` pages from `addr`.
fn pagemap_entries(addr: usize, pages: usize) -> Vec<u64> {
    let mut pagemap = std::fs::File::open("/proc/self/pagemap").unwrap();
    pagemap.seek(SeekFrom::Start((addr / PAGE * 8) as u64)).unwrap();
    let mut entries = vec![0u8; pages * 8];
    pagemap.read_exact(&mut entries).unwrap();
    entries.chunks_exact(8).map(|e| u64::from_le_bytes(e.try_into().unwrap())).collect()
}

/// How many of the `pages` pages from `addr` are present.
fn present_pages(addr: usize, pages: usize) -> usize {
    pagemap_entries(addr, pages).into_iter().filter(|e| e >> 63 == 1).count()
}

#[test]
fn a_slot_maps_only_the_image_pages_it_read() {
    if !cfg!(target_os = "linux") {
        return;
    }
    let runtime = Runtime::new(PoolLimits::default(), true).unwrap();
    let module = wasmtime::Module::new(&runtime.engine, module_wat()).unwrap();
    let tokio = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let (sum, present) = tokio.block_on(async {
        let mut store = wasmtime::Store::new(&runtime.engine, ());
        store.set_epoch_deadline(u64::MAX / 2);
        let instance = wasmtime::Instance::new_async(&mut store, &module, &[]).await.unwrap();
        let touch = instance.get_typed_func::<(), i32>(&mut store, "touch").unwrap();
        let sum = touch.call_async(&mut store, ()).await.unwrap();
        let memory = instance.get_memory(&mut store, "memory").unwrap();
        (sum, present_pages(memory.data_ptr(&store) as usize, IMAGE_PAGES))
    });
    assert_eq!(sum, 0x2a * READS as i32, "the reads saw the image");
    // Each read maps its own page; with fault-around, up to 16 each.
    assert!(
        present <= READS,
        "{present} pages of the image are mapped after {READS} one-byte reads: the kernel faulted around them \
         (is userfaultfd unavailable? see patches/README.md)"
    );
}

/// This process's mappings of `size` bytes (a pool's stacks are one each,
/// between guard pages): each one's start address and resident bytes
/// (/proc/self/smaps).
fn mappings_of_size(size: usize) -> Vec<(String, usize)> {
    let smaps = std::fs::read_to_string("/proc/self/smaps").unwrap();
    let kib = |line: &str| line.split_whitespace().nth(1).unwrap().parse::<usize>().unwrap() * 1024;
    let mut found = Vec::new();
    let mut start = String::new();
    let mut matches = false;
    for line in smaps.lines() {
        if line.split_whitespace().next().is_some_and(|range| range.contains('-') && !range.ends_with(':')) {
            start = line.split('-').next().unwrap().to_string();
        } else if line.starts_with("Size:") {
            matches = kib(line) == size;
        } else if line.starts_with("Rss:") && matches {
            found.push((start.clone(), kib(line)));
        }
    }
    found
}

/// A request that recurses until QuickJS's stack check stops it touches
/// over a megabyte of its native stack. Its instance, reset in place, keeps
/// its stack for the next request (patches/wasmtime-48.0.8-parked-stack.diff)
/// until, at most 16 resets later, the store asks how deep it went: then
/// it goes back to the pool, which keeps only the part every stack keeps
/// resident (32 KiB, engine.rs) and decommits the rest, because a page of
/// it was touched (wasmtime-48.0.8-stack-decommit.diff). (Stacks no
/// instance took that deep are left alone: nothing to free there.)
#[test]
fn a_deep_recursion_leaves_no_stack_pages_behind() {
    if !cfg!(target_os = "linux") {
        return;
    }
    let dir = scratch("slot-stack");
    let wasm = dir.join("routes.wasm");
    let built =
        nano().arg("build").arg(repo_root().join("tests/apps/routes.js")).arg("-o").arg(&wasm).output().unwrap();
    assert!(built.status.success(), "{}", text(&built.stderr));
    let runtime = Runtime::new(PoolLimits::default(), true).unwrap();
    let component = runtime.load_component(&std::fs::read(&wasm).unwrap()).unwrap();
    // Every pooled stack is a mapping of its own (between guard pages):
    // this engine's and those of engines other tests run meanwhile, whose
    // instances are shallow. The most any of them holds, after each request.
    let most_held = || {
        let stacks = mappings_of_size(nano_host::engine::FIBER_STACK);
        assert!(stacks.len() >= 990, "{} stacks of the engine's size, not about the pool's 1,000", stacks.len());
        stacks.into_iter().max_by_key(|m| m.1).unwrap()
    };
    let mut held = Vec::new();
    let paths: Vec<&str> = std::iter::once("/recurse-caught").chain(std::iter::repeat_n("/text", 15)).collect();
    let responses = in_process_paths(&runtime, &component, Default::default(), &paths, |runtime| {
        held.push((most_held(), runtime.parked.get()));
    });
    assert_eq!(responses[0].0, 200);
    assert!(responses[0].1.starts_with("RangeError"), "the stack check stopped the recursion: {}", responses[0].1);
    assert!(responses[1..].iter().all(|r| r.0 == 200), "{responses:?}");
    let kib: Vec<usize> = held.iter().map(|((_, rss), _)| rss >> 10).collect();
    eprintln!("the most a stack held after each request, KiB: {kib:?}");
    // The same instance served them all, reset in place and parked.
    assert!(held.iter().all(|(_, parked)| *parked == 1), "{held:?}");
    let ((start, rss), _) = held.last().unwrap();
    assert!(*rss <= 256 << 10, "the stack at {start} kept {} KiB resident 16 resets after the deep request", rss >> 10);
    // Given back when its instance ended (with the app, just above), a
    // stack keeps no more either.
    let (start, rss) = most_held();
    assert!(rss <= 256 << 10, "the stack at {start} kept {} KiB resident after its instance ended", rss >> 10);
}

const ROWS: usize = 40_000;

/// The tests that find their slot as the largest image mapped meanwhile
/// take turns (other tests' images are smaller).
static LARGE_IMAGES: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// 40,000 objects and strings made at build time: about 1,200 pages of the
/// snapshot (≈ 1,700 in all), which every request reads.
fn table_app() -> String {
    format!(
        "const table = [];
         for (let i = 0; i < {ROWS}; i++) table.push({{ i, name: 'n' + i }});
         export default {{
           fetch() {{
             let sum = 0;
             for (const row of table) sum += row.i + row.name.length;
             return new Response(String(sum));
           }},
         }};"
    )
}

/// The memory images this process maps (pool slots), as address ranges.
fn image_mappings() -> Vec<(usize, usize)> {
    let maps = std::fs::read_to_string("/proc/self/maps").unwrap();
    maps.lines().filter(|line| line.contains("wasm-memory-image")).map(mapping_range).collect()
}

/// The address range of a line of /proc/self/maps.
fn mapping_range(line: &str) -> (usize, usize) {
    let range = line.split_whitespace().next().unwrap();
    let (start, end) = range.split_once('-').unwrap();
    (usize::from_str_radix(start, 16).unwrap(), usize::from_str_radix(end, 16).unwrap())
}

/// The pages instances touched in the memory that follows the image at
/// `image_end` in its slot (the heap's room to grow, zeros mapped
/// anonymously): the present ones, which a reset zeroes in place. A page
/// only read would count too (none is, here: the heap's free memory is
/// written before it is read), so this is at least the pages written.
fn written_past_image(image_end: usize) -> usize {
    let maps = std::fs::read_to_string("/proc/self/maps").unwrap();
    let Some(line) = maps.lines().find(|line| mapping_range(line).0 == image_end) else { return 0 };
    let (start, end) = mapping_range(line);
    // Anonymous (no inode) and accessible: the slot's memory, not a guard.
    let fields: Vec<&str> = line.split_whitespace().collect();
    if fields.len() > 5 || fields[4] != "0" || !fields[1].starts_with("rw") {
        return 0;
    }
    // Its first 64 MiB: far more than the requests counted here allocate.
    let pages = ((end - start) / PAGE).min(16 << 10);
    pagemap_entries(start, pages).into_iter().filter(|e| e >> 63 == 1).count()
}

/// Of the images mapped since `before` (this test's slot, and those of
/// tests running meanwhile, whose images are smaller: at most ≈ 1,300
/// pages), the largest: its size in pages, how many of them are private
/// copies, i.e. were written by an instance, and how many pages past it
/// an instance wrote (`written_past_image`).
fn new_image_written_pages(before: &[(usize, usize)]) -> (usize, usize, usize) {
    let (start, end) = image_mappings()
        .into_iter()
        .filter(|mapping| !before.contains(mapping))
        .max_by_key(|(start, end)| end - start)
        .expect("the requests' slot maps the memory image");
    let pages = (end - start) / PAGE;
    // Present, and not a page of the image file (bit 61): a private copy.
    let written = pagemap_entries(start, pages).into_iter().filter(|e| e >> 63 == 1 && (e >> 61) & 1 == 0).count();
    (pages, written, written_past_image(end))
}

/// Builds `app`, serves two requests to `path` in one slot, and returns
/// their responses with the slot's image size and written pages (see
/// new_image_written_pages): the tests that count them take turns, and
/// make their images larger than any other test's.
fn two_requests_in_one_slot(name: &str, app: &str, path: &str) -> (Vec<(u16, String)>, usize, usize, usize) {
    let (responses, counts) = requests_in_one_slot(name, app, &[path, path]);
    let (pages, written, past) = counts[1];
    (responses, pages, written, past)
}

/// A slot's image size, its pages written and those written past it
/// (`new_image_written_pages`).
type SlotPages = (usize, usize, usize);

/// Builds `app` and serves a GET of each of `paths` in turn in one slot:
/// the responses, and the slot's pages after each.
fn requests_in_one_slot(name: &str, app: &str, paths: &[&str]) -> (Vec<(u16, String)>, Vec<SlotPages>) {
    // Without the scan, a reset copies back the first 4 MiB whatever was written.
    assert!(
        wasmtime::PoolingAllocationConfig::is_pagemap_scan_available(),
        "this kernel lacks PAGEMAP_SCAN (Linux 6.7+): a slot's written pages cannot be told apart"
    );
    let dir = scratch(name);
    let js = dir.join("app.js");
    std::fs::write(&js, app).unwrap();
    let wasm = dir.join("app.wasm");
    let built = nano().arg("build").arg(&js).arg("-o").arg(&wasm).output().unwrap();
    assert!(built.status.success(), "{}", text(&built.stderr));
    let runtime = Runtime::new(PoolLimits::default(), true).unwrap();
    let component = runtime.load_component(&std::fs::read(&wasm).unwrap()).unwrap();
    let _alone = LARGE_IMAGES.lock().unwrap_or_else(|p| p.into_inner());
    let before = image_mappings();
    let mut counts = Vec::new();
    let limits = nano_host::limits::AppLimits::default();
    let responses =
        in_process_paths(&runtime, &component, limits, paths, |_| counts.push(new_image_written_pages(&before)));
    (responses, counts)
}

/// A request reads the snapshot's objects without writing to their pages:
/// QuickJS counts references in the object, and the snapshot's are
/// immortal. Two requests that walk 40,000 objects of the snapshot leave
/// their slot with few written pages (hello writes 14 of its image); with
/// every read counted, they wrote each page they read an object or a
/// string from.
#[test]
fn reading_the_snapshots_objects_writes_none_of_their_pages() {
    if !cfg!(target_os = "linux") {
        return;
    }
    let (responses, pages, written, _) = two_requests_in_one_slot("slot-immortal", &table_app(), "/");
    let sum: usize = (0..ROWS).map(|i| i + format!("n{i}").len()).sum();
    for (status, body) in &responses {
        assert_eq!((*status, body.as_str()), (200, sum.to_string().as_str()));
    }
    assert!(pages >= 1_500, "the image is {pages} pages, not the table's (is it another test's?)");
    assert!(written <= 100, "the requests wrote {written} of the image's {pages} pages");
}

/// What a request allocates comes from fresh memory past the snapshot's
/// heap, not from the free chunks the build left all over it (each of
/// which would be one more page written: guest-js/src/heap_holes.rs), and
/// it fills few pages there: QuickJS's first arena of each size is 1 KiB,
/// not 4 (`rquickjs-sys-0.14.0-small-arenas.diff`). Hello writes 16 pages
/// of its slot (14 of the image, 2 past it); 22 (13 and 9) with 4 KiB
/// arenas, 42 of the image with the holes open. The app is hello behind
/// 12 MiB of data it never reads, so that its slot is the largest image
/// mapped.
#[test]
fn a_hello_request_allocates_in_fresh_memory() {
    if !cfg!(target_os = "linux") {
        return;
    }
    let hello = std::fs::read_to_string(repo_root().join("examples/hello.js")).unwrap();
    let app = format!("globalThis.unread = 'x'.repeat(12 << 20);\n{hello}");
    let (responses, pages, written, past) = two_requests_in_one_slot("slot-holes", &app, "/world");
    for (status, body) in &responses {
        assert_eq!((*status, body.as_str()), (200, "Hello from nano! You asked for /world\n"));
    }
    assert!(pages >= 3_000, "the image is {pages} pages, not this app's (is it another test's?)");
    assert!(written + past <= 18, "a hello request wrote {written} of its image's {pages} pages and {past} past it");
}

/// An app whose `/json` makes and stringifies 1,000 entries (≈ 320 KiB of
/// allocations, more than the build's last free chunk holds) and whose
/// `/big` makes a 4 MiB string.
const ALLOCATING_APP: &str = "export default {\n\
  fetch(request) {\n\
    const { pathname } = new URL(request.url);\n\
    if (pathname === '/json') {\n\
      const entries = [];\n\
      for (let i = 0; i < 1000; i++) entries.push({ id: i, name: `entry ${i}`, active: i % 3 === 0, score: i * 1.5, tags: ['a', 'b'] });\n\
      return new Response(String(JSON.stringify(entries).length));\n\
    }\n\
    if (pathname === '/big') return new Response(String('x'.repeat(4 << 20).length));\n\
    return new Response('ok');\n\
  },\n\
};\n";

/// A page stays a written page of its slot after the reset copies the
/// image's bytes (or zeros) back, and each later reset copies it again: one
/// `/json` (≈ 80 pages past the image) would make every later request in
/// its slot pay for zeroing them. A slot gives the pages it finds written
/// back to the kernel instead (patches/wasmtime-48.0.8-written-pages-decay.diff):
/// at its 64th reset if it finds more written than its first request
/// wrote (a small one here), and at its 256th whatever it finds (here
/// the first request is the `/json`, so the slot cannot tell). After that
/// its written pages are what its requests still write: a small
/// request's. The app is `ALLOCATING_APP` behind 12 MiB of data it never
/// reads, so that its slot is the largest image mapped.
#[test]
fn a_slot_forgets_the_pages_a_past_request_wrote() {
    if !cfg!(target_os = "linux") {
        return;
    }
    let app = format!("globalThis.unread = 'x'.repeat(12 << 20);\n{ALLOCATING_APP}");
    let total = |(_, written, past): SlotPages| written + past;
    for (json_at, requests) in [(1, 70), (0, 260)] {
        let mut paths = vec!["/small"; requests];
        paths[json_at] = "/json";
        let (responses, counts) = requests_in_one_slot("slot-forget", &app, &paths);
        for (i, (status, body)) in responses.iter().enumerate() {
            assert_eq!(*status, 200);
            if i == json_at {
                assert!(body.parse::<usize>().unwrap() > 60_000, "/json: {body}");
            } else {
                assert_eq!(body, "ok");
            }
        }
        let json = total(counts[json_at]);
        let last = total(counts[requests - 1]);
        assert!(json >= 60, "/json wrote only {json} pages of its slot: this test shows nothing");
        assert!(
            last <= 20,
            "{requests} requests after a /json (request {json_at}), its slot still counts {last} written pages \
             (json {json}): they were never given back"
        );
    }
}

/// A slot whose requests all write the same pages gains nothing from the
/// give-back it makes whatever it finds, and each one costs the next
/// request a fault or two per page. So when one freed less than an eighth
/// of what the slot had written, the slot waits twice as long for the next
/// (patches/wasmtime-48.0.8-written-pages-decay.diff): 1,300 small
/// requests in one slot give their pages back after the 256th reset and
/// the 768th (512 later; the next would be 1,024 later), where a give-back
/// every 256th reset would be five. The slot's written pages read as none
/// right after a give-back.
#[test]
fn a_slot_whose_requests_write_the_same_pages_gives_them_back_less_often() {
    if !cfg!(target_os = "linux") {
        return;
    }
    let app = format!("globalThis.unread = 'x'.repeat(12 << 20);\n{ALLOCATING_APP}");
    let (responses, counts) = requests_in_one_slot("slot-steady", &app, &["/small"; 1_300]);
    for (status, body) in &responses {
        assert_eq!((*status, body.as_str()), (200, "ok"));
    }
    let totals: Vec<usize> = counts.iter().map(|(_, written, past)| written + past).collect();
    let usual = totals[100];
    assert!(usual >= 4, "a small request wrote only {usual} pages of its slot: this test shows nothing");
    let given_back: Vec<usize> = (0..totals.len()).filter(|&i| totals[i] * 2 < usual).map(|i| i + 1).collect();
    assert_eq!(given_back, [256, 768], "the resets after which the slot had given its written pages back");
}

/// What a request allocates, up to the room the build leaves free in the
/// heap (`HEADROOM`, guest-js/src/heap_holes.rs), fits in the snapshot's
/// memory. Growing memory cost the host two `mprotect`s per request (one
/// to open the new pages, one to close them at the reset, which flushes
/// the TLB of every core): the routes bench's 1 KiB digest ran at 6.1k
/// requests/s with the growth and 10.3k without. Read from each instance's
/// peak memory (its `nano::instance` line): `/json` peaks where `/small`
/// does (five 64 KiB pages higher without the room); `/big` shows that a
/// growth is seen.
#[test]
fn a_request_allocates_within_the_snapshots_memory() {
    let dir = scratch("slot-headroom");
    let js = dir.join("app.js");
    std::fs::write(&js, ALLOCATING_APP).unwrap();
    let mut cmd = nano();
    cmd.env("NANO_LOG", "info,nano::instance=debug");
    let server = Server::start_with(&js, &[], cmd);
    let peak_kib = |path: &str| -> u64 {
        let response = server.get(path);
        assert_eq!(response.status, 200, "{path}: {}", response.text());
        let id = response.header("x-request-id").expect("a request id").to_string();
        let needle = format!("request_id={id} peak_memory_kib=");
        let log = server.wait_for_log(&needle);
        let line = log.lines().find(|l| l.contains(&needle)).unwrap();
        line.split(&needle).nth(1).unwrap().split_whitespace().next().unwrap().parse().unwrap()
    };
    let small = peak_kib("/small");
    let json = peak_kib("/json");
    let big = peak_kib("/big");
    assert_eq!(json, small, "the 1,000-entry request grew memory from {small} KiB to {json} KiB");
    assert!(big > small, "a 4 MiB string did not grow memory ({small} -> {big} KiB)");
}

/// An app whose memory at start (its snapshot, with the room above) is over
/// its memory limit is refused when it is loaded, naming the limit, not
/// served as a 500 on every request; with room for it, it is served.
#[test]
fn an_app_whose_snapshot_exceeds_its_memory_limit_is_refused_at_start() {
    let hello = repo_root().join("examples/hello.js");
    let mut child = nano()
        .arg("run")
        .arg(&hello)
        .args(["--listen", "127.0.0.1:0", "--max-memory-mb", "1"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Bounded: a server that starts instead would never exit.
    let deadline = Instant::now() + Duration::from_secs(120);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("hello started under a 1 MiB memory limit");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut stderr = String::new();
    child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    assert!(!status.success(), "{stderr}");
    assert!(stderr.contains("its memory starts at") && stderr.contains("memory_mb"), "{stderr}");
    let server = Server::start_with(&hello, &["--max-memory-mb", "16"], nano());
    assert_eq!(server.get("/x").status, 200);
}
