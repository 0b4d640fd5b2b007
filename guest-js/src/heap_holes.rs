//! Fills the free chunks the build left in the allocator's heap, just before
//! the snapshot is taken, so that what a request allocates comes from fresh
//! memory past the snapshot's heap instead of from holes spread over it.
//!
//! Why: the build frees what its top-level code and the prelude made and
//! dropped, which leaves free chunks of every size all over the heap. A
//! request's allocations (QuickJS's objects and arenas, the Rust side's
//! buffers) then land in those holes: each one dirties a page of the
//! snapshot that is otherwise only read, which the host copies back when
//! the instance ends and holds for every live instance. A hello request
//! wrote 42 pages of its slot; with the holes filled, 27. Filled,
//! the holes are never written again: in-use chunks nobody references,
//! whose memory was the snapshot's anyway.
//!
//! The allocator is wasi-libc's dlmalloc (Rust's `System` allocator and
//! QuickJS's `malloc` alike): one contiguous heap from `__heap_base` to the
//! end of memory, chunks aligned to 16 bytes with a header word (`size |
//! in-use bits`) 4 bytes before their data, the free "top" chunk last. The
//! heap is walked through those headers; a walk that does not end cleanly
//! at the top chunk fills nothing (an allocator laid out otherwise is left
//! alone: correct, only slower).
//!
//! Then the top chunk is given room to spare ([`reserve_headroom`]), so a
//! request's allocations seldom grow memory: growing it costs the host a
//! `mprotect` to open the new pages and, when the instance is reset back to
//! the snapshot's size, another to close them, which flushes the TLB of
//! every core the process runs on; both take the process's memory-map lock.

/// dlmalloc's flag bits in a chunk header (the previous chunk in use, this
/// one in use, a spare), and the one that says this chunk is in use.
const FLAG_BITS: usize = 7;
const CINUSE: usize = 2;
/// The smallest chunk, and the alignment of every chunk's data.
const MIN_CHUNK: usize = 16;
const ALIGNMENT: usize = 16;
/// From a chunk to its data (the previous chunk's footer and the header).
const DATA_OFFSET: usize = 8;
/// What dlmalloc adds to a request: the header.
const OVERHEAD: usize = 4;
/// The top chunk ends this close to the end of memory (dlmalloc keeps a
/// segment record and a fencepost after it).
const TOP_FOOT_MAX: usize = 128;
/// A filled chunk can split another (dlmalloc hands out a larger one when
/// it has no exact fit): the walk runs again until nothing is left or
/// this many times.
const PASSES: usize = 8;

extern "C" {
    fn malloc(size: usize) -> *mut u8;
    fn free(ptr: *mut u8);
    fn sbrk(increment: isize) -> *mut u8;
    static __heap_base: u8;
}

/// Visits the sizes of the heap's free chunks in address order, but the
/// top one; returns where fresh memory starts: the top chunk, or the
/// end of memory if the heap is full. `None` if the headers do not describe
/// one heap that ends at the end of memory.
fn walk(mut visit: impl FnMut(usize)) -> Option<usize> {
    // The address of a linker symbol; nothing is read.
    let base = std::ptr::addr_of!(__heap_base) as usize;
    // SAFETY: sbrk(0) only reports the end of memory.
    let end = unsafe { sbrk(0) } as usize;
    let mut chunk = (base + DATA_OFFSET).next_multiple_of(ALIGNMENT) - DATA_OFFSET;
    while chunk + DATA_OFFSET <= end {
        // SAFETY: `chunk` lies inside linear memory (below `end`), 4-aligned.
        let head = unsafe { std::ptr::read((chunk + OVERHEAD) as *const usize) };
        let size = head & !FLAG_BITS;
        if size < MIN_CHUNK || !size.is_multiple_of(ALIGNMENT) || chunk + size > end {
            return None;
        }
        let in_use = head & CINUSE != 0;
        if end - (chunk + size) <= TOP_FOOT_MAX {
            return Some(if in_use { end } else { chunk });
        }
        if !in_use {
            visit(size);
        }
        chunk += size;
    }
    None
}

/// Allocates every free chunk but the top one and never frees it; nothing
/// if the heap cannot be walked.
pub fn fill() {
    // The free chunks' sizes, counted in a fixed table (a Vec would itself
    // be allocated in a hole): sizes up to 64 KiB by size class, larger
    // ones one at a time.
    for _ in 0..PASSES {
        let mut small = [0u32; 4096];
        let mut large: [usize; 64] = [0; 64];
        let mut larges = 0;
        let Some(top) = walk(|size| {
            if size / ALIGNMENT < small.len() {
                small[size / ALIGNMENT] += 1;
            } else if larges < large.len() {
                large[larges] = size;
                larges += 1;
            }
        }) else {
            return;
        };
        let mut filled = false;
        let sizes = large[..larges].iter().copied().chain(
            small.iter().enumerate().rev().flat_map(|(class, &n)| std::iter::repeat_n(class * ALIGNMENT, n as usize)),
        );
        for size in sizes {
            // A request of `size - OVERHEAD` bytes is a chunk of exactly `size`.
            // SAFETY: plain malloc; the block is kept for good, or freed
            // back at once if it came from the top chunk.
            let data = unsafe { malloc(size - OVERHEAD) };
            if data.is_null() {
                continue;
            }
            if data as usize - DATA_OFFSET >= top {
                // SAFETY: `data` was just allocated and is not used.
                unsafe { free(data) };
                continue;
            }
            filled = true;
        }
        if !filled {
            return;
        }
    }
}

/// Free memory the snapshot leaves in the heap's top chunk for requests.
/// A hello request fits in the free top chunk the build already leaves; a
/// 1 KiB POST digested grew memory by one 64 KiB page, 1,000 entries
/// stringified by five. The room is zeros (`clear_top_chunk`), so not in
/// the image, and not resident in a slot until touched.
const HEADROOM: usize = 1 << 20;

/// Grows the heap's free top chunk to at least [`HEADROOM`]: one block that
/// large taken from the top and freed back into it. wasi-libc's dlmalloc
/// never gives memory back (wasm memory cannot shrink), so the room stays,
/// and the snapshot's memory is that much larger.
pub fn reserve_headroom() {
    // SAFETY: plain malloc and free of a block nobody else sees.
    unsafe {
        // black_box: a malloc whose block is only freed is otherwise
        // removed by the optimiser, and the heap never grows.
        let block = std::hint::black_box(malloc(HEADROOM));
        if block.is_null() {
            return;
        }
        free(block);
    }
    clear_top_chunk();
}

/// Zeroes the free top chunk past its header: what the build once
/// allocated there and freed back, the header the 1 MiB block's split left
/// in the middle, and the word dlmalloc keeps at the end of memory (the
/// size of a fake chunk after the top, the space it holds for a segment
/// record). Left there, any of them would make the memory image reach it
/// (wasmtime's image spans from the first non-zero byte to the last): the
/// room's megabyte of zeros in every app's image and compiled file. None is
/// read again (the end word is written anew whenever the top grows).
fn clear_top_chunk() {
    let Some(top) = walk(|_| {}) else { return };
    // SAFETY: sbrk(0) only reports the end of memory.
    let end = unsafe { sbrk(0) } as usize;
    let data = top + DATA_OFFSET;
    if data < end {
        // SAFETY: [data, end) is the free top chunk's space, which only
        // the allocator refers to, and not to its bytes.
        unsafe { std::ptr::write_bytes(data as *mut u8, 0, end - data) };
    }
}
