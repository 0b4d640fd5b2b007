//! `nano:platform/compression`: compression for CompressionStream and
//! DecompressionStream, on flate2 (gzip, deflate, deflate-raw, with the
//! zlib-rs backend) and brotli.
//!
//! A few KB of brotli or a MB of gzip can expand to gigabytes, so nothing
//! here decodes "all of a chunk": the guest pushes at most 64 KiB of input,
//! then pulls the output 64 KiB at a time, and each pull runs the coder's
//! streaming API into one 64 KiB buffer. One call's memory and CPU are
//! bounded whatever the input (a brotli decoder may fill its whole window,
//! up to 16 MiB, in one pull, then hands it out over the next ones), and
//! the guest pulls only as fast as its reader reads.
//!
//! What a coder holds (its state and its pending input) is charged to the
//! instance's host budget: flate2's state by a fixed, measured size (zlib
//! allocates it all when the coder is made), brotli's by counting what its
//! allocator hands out, since a brotli decoder's window (up to 16 MiB) and
//! tables depend on the stream. The budget is settled after every call, so
//! an instance is over it by at most what one call allocates. An instance
//! holds at most `MAX_LIVE_CODERS` coders at once.

use crate::bindings::nano::platform::compression::{
    CompressionError, CompressionFormat, Host, HostCompressor, HostDecompressor,
};
use crate::state::State;
use brotli::enc::encode::{BrotliEncoderOperation, BrotliEncoderParameter, BrotliEncoderStateStruct};
use brotli::enc::BrotliAlloc;
use brotli::{BrotliDecompressStream, BrotliResult, BrotliState, SliceWrapper, SliceWrapperMut};
use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use wasmtime::component::Resource;

/// Most input one push takes, and most output one pull returns.
pub const PIECE: usize = 64 * 1024;

/// Coders one instance may hold at once, whatever the budget allows.
pub const MAX_LIVE_CODERS: usize = 256;

/// Host bytes of a flate2 (zlib-rs) coder at level 6 and a 32 KiB window,
/// all allocated when it is made: measured 380,032 for deflate (window, hash
/// chains, pending buffer) and 47,552 for inflate (state and window).
const DEFLATE_STATE: usize = 372 << 10;
const INFLATE_STATE: usize = 48 << 10;

/// Brotli encoder settings: quality 5 is the usual on-the-fly trade-off (11
/// is for static assets and far slower). A 256 KiB window: measured on 12 MB
/// of JSON, the encoder peaks at 4 MiB with it and at 42 MiB with a 4 MiB
/// window (window 22), for output 2.5% smaller.
const BROTLI_QUALITY: u32 = 5;
const BROTLI_WINDOW_BITS: u32 = 18;

pub struct Compressor(Coder);
pub struct Decompressor(Coder);

/// One (de)compression stream: the coder, the input it has not used yet,
/// and what the budget holds for it.
pub struct Coder {
    /// None once the stream is complete or has failed (its memory goes then,
    /// not when the guest drops the resource).
    engine: Option<Engine>,
    decompress: bool,
    input: Vec<u8>,
    consumed: usize,
    finishing: bool,
    /// Bytes charged to the instance's budget for this coder.
    charged: usize,
}

enum Engine {
    Deflate(Compress),
    Inflate(Decompress),
    BrotliEncoder(Box<BrotliEncoderStateStruct<CountingAlloc>>, CountingAlloc),
    BrotliDecoder(Box<BrotliState<CountingAlloc, CountingAlloc, CountingAlloc>>, CountingAlloc),
}

fn invalid(message: impl Into<String>) -> CompressionError {
    CompressionError::Invalid(message.into())
}

impl Coder {
    pub fn new(format: CompressionFormat, decompress: bool) -> Coder {
        let level = Compression::default();
        let engine = match (format, decompress) {
            (CompressionFormat::Gzip, false) => Engine::Deflate(Compress::new_gzip(level, 15)),
            (CompressionFormat::Deflate, false) => Engine::Deflate(Compress::new(level, true)),
            (CompressionFormat::DeflateRaw, false) => Engine::Deflate(Compress::new(level, false)),
            (CompressionFormat::Gzip, true) => Engine::Inflate(Decompress::new_gzip(15)),
            (CompressionFormat::Deflate, true) => Engine::Inflate(Decompress::new(true)),
            (CompressionFormat::DeflateRaw, true) => Engine::Inflate(Decompress::new(false)),
            (CompressionFormat::Brotli, false) => {
                let alloc = CountingAlloc::default();
                let mut encoder = Box::new(BrotliEncoderStateStruct::new(alloc.clone()));
                encoder.set_parameter(BrotliEncoderParameter::BROTLI_PARAM_QUALITY, BROTLI_QUALITY);
                encoder.set_parameter(BrotliEncoderParameter::BROTLI_PARAM_LGWIN, BROTLI_WINDOW_BITS);
                Engine::BrotliEncoder(encoder, alloc)
            }
            // Strict: RFC 7932's windows only (up to 16 MiB). The default
            // state also takes "large window" streams, which may ask for 1 GiB.
            (CompressionFormat::Brotli, true) => {
                let alloc = CountingAlloc::default();
                Engine::BrotliDecoder(
                    Box::new(BrotliState::new_strict(alloc.clone(), alloc.clone(), alloc.clone())),
                    alloc,
                )
            }
        };
        Coder { engine: Some(engine), decompress, input: Vec::new(), consumed: 0, finishing: false, charged: 0 }
    }

    /// What a new coder of this kind will hold, charged before it is made.
    fn initial_footprint(format: CompressionFormat, decompress: bool) -> usize {
        match (format, decompress) {
            (CompressionFormat::Brotli, false) => std::mem::size_of::<BrotliEncoderStateStruct<CountingAlloc>>(),
            // new_strict allocates one Huffman table up front.
            (CompressionFormat::Brotli, true) => {
                std::mem::size_of::<BrotliState<CountingAlloc, CountingAlloc, CountingAlloc>>() + (8 << 10)
            }
            (_, false) => DEFLATE_STATE,
            (_, true) => INFLATE_STATE,
        }
    }

    /// Host bytes the coder holds now.
    pub fn footprint(&self) -> usize {
        let engine = match &self.engine {
            None => 0,
            Some(Engine::Deflate(_)) => DEFLATE_STATE,
            Some(Engine::Inflate(_)) => INFLATE_STATE,
            Some(Engine::BrotliEncoder(_, alloc)) => {
                std::mem::size_of::<BrotliEncoderStateStruct<CountingAlloc>>() + alloc.held()
            }
            Some(Engine::BrotliDecoder(_, alloc)) => {
                std::mem::size_of::<BrotliState<CountingAlloc, CountingAlloc, CountingAlloc>>() + alloc.held()
            }
        };
        engine + self.input.capacity()
    }

    /// Takes the next chunk of input; the pulls that follow use it up.
    pub fn push(&mut self, input: Vec<u8>) -> Result<(), CompressionError> {
        if self.finishing {
            return Err(invalid("the stream is already finished"));
        }
        if self.consumed < self.input.len() {
            return Err(invalid("the previous input is not used up yet (pull until none first)"));
        }
        if input.len() > PIECE {
            return Err(invalid(format!("at most {PIECE} bytes of input at a time, not {}", input.len())));
        }
        if input.is_empty() {
            return Ok(());
        }
        if self.engine.is_none() {
            // Only a decoder ends before `finish`: its stream had an end marker.
            return Err(invalid("data after the end of the compressed stream"));
        }
        self.input = input;
        self.consumed = 0;
        Ok(())
    }

    /// No more input; the pulls that follow end the stream.
    pub fn finish(&mut self) -> Result<(), CompressionError> {
        if self.finishing {
            return Err(invalid("the stream is already finished"));
        }
        if self.consumed < self.input.len() {
            return Err(invalid("the previous input is not used up yet (pull until none first)"));
        }
        self.finishing = true;
        Ok(())
    }

    /// The next piece of output (at most `PIECE` bytes); None once the input
    /// given so far is used up, or the stream is complete.
    pub fn pull(&mut self) -> Result<Option<Vec<u8>>, CompressionError> {
        let result = self.step();
        if result.is_err() {
            self.engine = None;
        }
        if self.consumed == self.input.len() || result.is_err() {
            // Used up: its memory goes now, not at the next push.
            self.input = Vec::new();
            self.consumed = 0;
        }
        result
    }

    fn step(&mut self) -> Result<Option<Vec<u8>>, CompressionError> {
        let Some(engine) = self.engine.as_mut() else { return Ok(None) };
        let input = &self.input[self.consumed..];
        let finishing = self.finishing;
        let mut out = Vec::with_capacity(PIECE);
        let (used, ended) = match engine {
            Engine::Deflate(encoder) => flate(encoder, input, &mut out, finishing)?,
            Engine::Inflate(decoder) => flate(decoder, input, &mut out, finishing)?,
            Engine::BrotliEncoder(encoder, _) => brotli_encode(encoder, input, &mut out, finishing)?,
            Engine::BrotliDecoder(decoder, _) => brotli_decode(decoder, input, &mut out)?,
        };
        self.consumed += used;
        if ended {
            if self.consumed < self.input.len() {
                return Err(invalid("data after the end of the compressed stream"));
            }
            self.engine = None;
        } else if out.is_empty() && finishing && self.decompress {
            // No input left (finish takes none) and nothing more to decode.
            return Err(invalid("the compressed data ended early"));
        }
        Ok((!out.is_empty()).then_some(out))
    }
}

/// Each step runs its coder into `out`'s spare capacity (never beyond it)
/// until that is full, the input is used up, or the stream ends, and says
/// how much input it used and whether the stream ended.
type Step = Result<(usize, bool), CompressionError>;

/// flate2's two coders, run alike.
trait Flate {
    fn total_in(&self) -> u64;
    fn run(&mut self, input: &[u8], out: &mut Vec<u8>, finishing: bool) -> Result<Status, String>;
}

impl Flate for Compress {
    fn total_in(&self) -> u64 {
        Compress::total_in(self)
    }
    fn run(&mut self, input: &[u8], out: &mut Vec<u8>, finishing: bool) -> Result<Status, String> {
        let flush = if finishing { FlushCompress::Finish } else { FlushCompress::None };
        self.compress_vec(input, out, flush).map_err(|e| format!("compression failed: {e}"))
    }
}

impl Flate for Decompress {
    fn total_in(&self) -> u64 {
        Decompress::total_in(self)
    }
    fn run(&mut self, input: &[u8], out: &mut Vec<u8>, finishing: bool) -> Result<Status, String> {
        let flush = if finishing { FlushDecompress::Finish } else { FlushDecompress::None };
        self.decompress_vec(input, out, flush).map_err(|e| format!("corrupt input: {e}"))
    }
}

fn flate(coder: &mut impl Flate, input: &[u8], out: &mut Vec<u8>, finishing: bool) -> Step {
    let start = coder.total_in();
    loop {
        let (before_in, before_out) = (coder.total_in(), out.len());
        let status = coder.run(&input[(before_in - start) as usize..], out, finishing).map_err(invalid)?;
        let used = (coder.total_in() - start) as usize;
        if status == Status::StreamEnd {
            return Ok((used, true));
        }
        if out.len() == out.capacity() || (coder.total_in() == before_in && out.len() == before_out) {
            return Ok((used, false));
        }
    }
}

fn brotli_encode(
    encoder: &mut BrotliEncoderStateStruct<CountingAlloc>,
    input: &[u8],
    out: &mut Vec<u8>,
    finishing: bool,
) -> Step {
    let op = if finishing {
        BrotliEncoderOperation::BROTLI_OPERATION_FINISH
    } else {
        BrotliEncoderOperation::BROTLI_OPERATION_PROCESS
    };
    out.resize(out.capacity(), 0);
    let (mut available_in, mut in_offset) = (input.len(), 0);
    let (mut available_out, mut out_offset) = (out.len(), 0);
    let mut no_callback = |_: &mut brotli::interface::PredictionModeContextMap<brotli::InputReferenceMut>,
                           _: &mut [brotli::interface::StaticCommand],
                           _: brotli::InputPair,
                           _: &mut CountingAlloc| ();
    let ended = loop {
        let before = (available_in, available_out);
        let ok = encoder.compress_stream(
            op,
            &mut available_in,
            input,
            &mut in_offset,
            &mut available_out,
            out,
            &mut out_offset,
            &mut None,
            &mut no_callback,
        );
        if !ok {
            return Err(invalid("brotli compression failed"));
        }
        if encoder.is_finished() {
            break true;
        }
        let done = available_in == 0 && !encoder.has_more_output() && !finishing;
        if available_out == 0 || done || before == (available_in, available_out) {
            break false;
        }
    };
    out.truncate(out_offset);
    Ok((in_offset, ended))
}

fn brotli_decode(
    decoder: &mut BrotliState<CountingAlloc, CountingAlloc, CountingAlloc>,
    input: &[u8],
    out: &mut Vec<u8>,
) -> Step {
    out.resize(out.capacity(), 0);
    let (mut available_in, mut in_offset) = (input.len(), 0);
    let (mut available_out, mut out_offset, mut total_out) = (out.len(), 0, 0);
    let result = BrotliDecompressStream(
        &mut available_in,
        &mut in_offset,
        input,
        &mut available_out,
        &mut out_offset,
        out,
        &mut total_out,
        decoder,
    );
    out.truncate(out_offset);
    match result {
        BrotliResult::ResultSuccess => Ok((in_offset, true)),
        // Needs more input: all of it was used; needs more output: `out` is full.
        BrotliResult::NeedsMoreInput | BrotliResult::NeedsMoreOutput => Ok((in_offset, false)),
        BrotliResult::ResultFailure => Err(invalid(format!("corrupt brotli data ({:?})", decoder.error_code))),
    }
}

/// brotli's allocator, counting the bytes its coder holds. Blocks give their
/// count back when dropped, whether or not brotli calls `free_cell`.
#[derive(Clone, Default)]
pub struct CountingAlloc(Arc<AtomicUsize>);

impl CountingAlloc {
    fn held(&self) -> usize {
        self.0.load(Ordering::Relaxed)
    }
}

pub struct Block<T> {
    data: Box<[T]>,
    counter: Option<Arc<AtomicUsize>>,
}

impl<T> Default for Block<T> {
    fn default() -> Self {
        Block { data: Box::new([]), counter: None }
    }
}

impl<T> Drop for Block<T> {
    fn drop(&mut self) {
        if let Some(counter) = &self.counter {
            counter.fetch_sub(std::mem::size_of_val(&*self.data), Ordering::Relaxed);
        }
    }
}

impl<T> SliceWrapper<T> for Block<T> {
    fn slice(&self) -> &[T] {
        &self.data
    }
}

impl<T> SliceWrapperMut<T> for Block<T> {
    fn slice_mut(&mut self) -> &mut [T] {
        &mut self.data
    }
}

impl<T: Clone + Default> brotli::Allocator<T> for CountingAlloc {
    type AllocatedMemory = Block<T>;
    fn alloc_cell(&mut self, len: usize) -> Block<T> {
        let data = vec![T::default(); len].into_boxed_slice();
        self.0.fetch_add(std::mem::size_of_val(&*data), Ordering::Relaxed);
        Block { data, counter: Some(self.0.clone()) }
    }
    fn free_cell(&mut self, _block: Block<T>) {}
}

impl BrotliAlloc for CountingAlloc {}

impl AsMut<Coder> for Compressor {
    fn as_mut(&mut self) -> &mut Coder {
        &mut self.0
    }
}

impl AsMut<Coder> for Decompressor {
    fn as_mut(&mut self) -> &mut Coder {
        &mut self.0
    }
}

impl State {
    /// Makes a coder if the instance's cap and budget allow it.
    fn coder_create<R: AsMut<Coder> + Send + 'static>(
        &mut self,
        format: CompressionFormat,
        decompress: bool,
        wrap: fn(Coder) -> R,
    ) -> wasmtime::Result<Result<Resource<R>, CompressionError>> {
        if self.coders >= MAX_LIVE_CODERS {
            let message = format!("an instance can hold at most {MAX_LIVE_CODERS} compression streams at once");
            return Ok(Err(CompressionError::Quota(message)));
        }
        let initial = Coder::initial_footprint(format, decompress);
        if let Err(e) = self.budget.charge(initial) {
            return Ok(Err(CompressionError::Quota(e.to_string())));
        }
        let mut coder = Coder::new(format, decompress);
        // Brotli's estimate is settled with what it really holds at the next call.
        coder.charged = initial;
        let resource = self.table.push(wrap(coder))?;
        self.coders += 1;
        Ok(Ok(resource))
    }

    /// Runs `f` on a coder, then settles the budget with what the coder
    /// holds afterwards. Over the budget, the coder fails and frees its state.
    fn coder_call<R: AsMut<Coder> + 'static, T>(
        &mut self,
        this: &Resource<R>,
        f: impl FnOnce(&mut Coder) -> Result<T, CompressionError>,
    ) -> wasmtime::Result<Result<T, CompressionError>> {
        let coder = self.table.get_mut(this)?.as_mut();
        let result = f(coder);
        let held = coder.footprint();
        if held <= coder.charged {
            self.budget.release(coder.charged - held);
        } else if let Err(e) = self.budget.charge(held - coder.charged) {
            coder.engine = None;
            coder.input = Vec::new();
            coder.consumed = 0;
            self.budget.release(coder.charged);
            coder.charged = 0;
            return Ok(Err(CompressionError::Quota(e.to_string())));
        }
        coder.charged = held;
        Ok(result)
    }

    fn coder_drop<R: AsMut<Coder> + 'static>(&mut self, this: Resource<R>) -> wasmtime::Result<()> {
        let mut coder = self.table.delete(this)?;
        self.budget.release(coder.as_mut().charged);
        self.coders -= 1;
        Ok(())
    }
}

impl HostCompressor for State {
    fn create(
        &mut self,
        format: CompressionFormat,
    ) -> wasmtime::Result<Result<Resource<Compressor>, CompressionError>> {
        self.coder_create(format, false, Compressor)
    }

    fn push(&mut self, this: Resource<Compressor>, input: Vec<u8>) -> wasmtime::Result<Result<(), CompressionError>> {
        self.coder_call(&this, |c| c.push(input))
    }

    fn finish(&mut self, this: Resource<Compressor>) -> wasmtime::Result<Result<(), CompressionError>> {
        self.coder_call(&this, Coder::finish)
    }

    fn pull(&mut self, this: Resource<Compressor>) -> wasmtime::Result<Result<Option<Vec<u8>>, CompressionError>> {
        self.coder_call(&this, Coder::pull)
    }

    fn drop(&mut self, this: Resource<Compressor>) -> wasmtime::Result<()> {
        self.coder_drop(this)
    }
}

impl HostDecompressor for State {
    fn create(
        &mut self,
        format: CompressionFormat,
    ) -> wasmtime::Result<Result<Resource<Decompressor>, CompressionError>> {
        self.coder_create(format, true, Decompressor)
    }

    fn push(&mut self, this: Resource<Decompressor>, input: Vec<u8>) -> wasmtime::Result<Result<(), CompressionError>> {
        self.coder_call(&this, |c| c.push(input))
    }

    fn finish(&mut self, this: Resource<Decompressor>) -> wasmtime::Result<Result<(), CompressionError>> {
        self.coder_call(&this, Coder::finish)
    }

    fn pull(&mut self, this: Resource<Decompressor>) -> wasmtime::Result<Result<Option<Vec<u8>>, CompressionError>> {
        self.coder_call(&this, Coder::pull)
    }

    fn drop(&mut self, this: Resource<Decompressor>) -> wasmtime::Result<()> {
        self.coder_drop(this)
    }
}

impl Host for State {}

pub fn add_to_linker(linker: &mut wasmtime::component::Linker<State>) -> wasmtime::Result<()> {
    crate::bindings::nano::platform::compression::add_to_linker::<State, wasmtime::component::HasSelf<State>>(
        linker,
        |s| s,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};

    const FORMATS: [CompressionFormat; 4] =
        [CompressionFormat::Gzip, CompressionFormat::Deflate, CompressionFormat::DeflateRaw, CompressionFormat::Brotli];

    /// Pulls until none, checking every piece's size; the largest footprint seen.
    fn drain(coder: &mut Coder, out: &mut Vec<u8>) -> Result<usize, CompressionError> {
        let mut largest = coder.footprint();
        while let Some(piece) = coder.pull()? {
            assert!(!piece.is_empty() && piece.len() <= PIECE, "a pull gave {} bytes", piece.len());
            out.extend_from_slice(&piece);
            largest = largest.max(coder.footprint());
        }
        Ok(largest)
    }

    /// Runs `input` through a coder in pieces of `piece` bytes: the output
    /// and the coder's largest footprint.
    fn run(
        format: CompressionFormat,
        decompress: bool,
        input: &[u8],
        piece: usize,
    ) -> Result<(Vec<u8>, usize), CompressionError> {
        let mut coder = Coder::new(format, decompress);
        let mut out = Vec::new();
        let mut largest = 0;
        for chunk in input.chunks(piece) {
            coder.push(chunk.to_vec())?;
            largest = largest.max(drain(&mut coder, &mut out)?);
        }
        coder.finish()?;
        largest = largest.max(drain(&mut coder, &mut out)?);
        assert_eq!(coder.footprint(), 0, "a complete stream holds nothing");
        Ok((out, largest))
    }

    fn sample() -> Vec<u8> {
        (0..200_000u32).flat_map(|i| format!("{{\"id\":{i},\"name\":\"item {}\"}},", i % 977).into_bytes()).collect()
    }

    #[test]
    fn a_bomb_comes_out_64_kib_at_a_time() {
        // 256 MiB of zeros: 255 KiB of gzip, a few hundred bytes of brotli.
        const SIZE: usize = 256 << 20;
        let zeros = vec![0u8; 1 << 20];
        let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        let mut brotli = brotli::CompressorWriter::new(Vec::new(), 4096, 5, 24);
        for _ in 0..SIZE >> 20 {
            gzip.write_all(&zeros).unwrap();
            brotli.write_all(&zeros).unwrap();
        }
        let bombs =
            [(CompressionFormat::Gzip, gzip.finish().unwrap()), (CompressionFormat::Brotli, brotli.into_inner())];
        for (format, bomb) in bombs {
            let mut coder = Coder::new(format, true);
            let (mut total, mut pulls, mut largest, mut slowest) = (0, 0, 0, std::time::Duration::ZERO);
            for chunk in bomb.chunks(PIECE) {
                coder.push(chunk.to_vec()).unwrap();
                loop {
                    let started = std::time::Instant::now();
                    let Some(piece) = coder.pull().unwrap() else { break };
                    slowest = slowest.max(started.elapsed());
                    assert!(piece.len() <= PIECE && piece.iter().all(|&b| b == 0));
                    total += piece.len();
                    pulls += 1;
                    largest = largest.max(coder.footprint());
                }
            }
            coder.finish().unwrap();
            assert_eq!(coder.pull().unwrap(), None);
            assert_eq!(total, SIZE, "{format:?}: {} bytes in", bomb.len());
            assert!(pulls >= SIZE / PIECE, "{format:?}: {pulls} pulls");
            // A brotli window of 16 MiB is the most a stream can ask for.
            assert!(largest <= (16 << 20) + (1 << 20), "{format:?} held {largest} bytes");
            eprintln!(
                "{format:?}: {} bytes -> {SIZE} in {pulls} pulls (slowest {slowest:?}), at most {} KiB held",
                bomb.len(),
                largest >> 10
            );
        }
    }

    #[test]
    fn every_format_round_trips_and_matches_the_reference_coders() {
        let text = sample();
        for format in FORMATS {
            let (compressed, held) = run(format, false, &text, PIECE).unwrap();
            assert!(compressed.len() < text.len() / 5, "{format:?}: {}", compressed.len());
            // Fed back in odd pieces, and a byte at a time.
            for piece in [7_000, 1] {
                let (plain, _) = run(format, true, &compressed, piece).unwrap();
                assert!(plain == text, "{format:?}");
            }
            let mut reference = Vec::new();
            match format {
                CompressionFormat::Gzip => flate2::read::GzDecoder::new(&compressed[..]).read_to_end(&mut reference),
                CompressionFormat::Deflate => {
                    flate2::read::ZlibDecoder::new(&compressed[..]).read_to_end(&mut reference)
                }
                CompressionFormat::DeflateRaw => {
                    flate2::read::DeflateDecoder::new(&compressed[..]).read_to_end(&mut reference)
                }
                CompressionFormat::Brotli => {
                    brotli::Decompressor::new(&compressed[..], 4096).read_to_end(&mut reference)
                }
            }
            .unwrap();
            assert!(reference == text, "{format:?}");
            eprintln!(
                "{format:?}: {} -> {} bytes, encoder held at most {} KiB",
                text.len(),
                compressed.len(),
                held >> 10
            );
        }
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(&text).unwrap();
        assert!(run(CompressionFormat::Gzip, true, &encoder.finish().unwrap(), PIECE).unwrap().0 == text);
    }

    #[test]
    fn bad_input_fails_with_a_reason() {
        let text = sample();
        for format in FORMATS {
            let (compressed, _) = run(format, false, &text[..10_000], PIECE).unwrap();
            let message = |r: Result<(Vec<u8>, usize), CompressionError>| match r {
                Err(CompressionError::Invalid(m)) => m,
                other => panic!("{format:?}: {:?}", other.map(|(out, _)| out.len())),
            };
            let truncated = message(run(format, true, &compressed[..compressed.len() - 3], PIECE));
            assert!(truncated.contains("ended early") || truncated.contains("corrupt"), "{format:?}: {truncated}");
            let trailing = [&compressed[..], b"more"].concat();
            assert!(message(run(format, true, &trailing, PIECE)).contains("after the end"), "{format:?}");
            // The trailing data in a later chunk.
            assert!(message(run(format, true, &trailing, compressed.len())).contains("after the end"), "{format:?}");
            let mut corrupt = compressed.clone();
            corrupt[compressed.len() / 2] ^= 0xff;
            corrupt[3] ^= 0x55;
            message(run(format, true, &corrupt, PIECE));
            // Noise, and valid streams with a byte flipped: an error or some output, never a panic.
            let mut seed = 0x2545_f491_4f6c_dd1du64;
            let mut next = move || {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                seed
            };
            for _ in 0..200 {
                let noise: Vec<u8> = (0..next() % 300).map(|_| next() as u8).collect();
                let _ = run(format, true, &noise, 1 + next() as usize % 100);
                let mut flipped = compressed.clone();
                let at = next() as usize % flipped.len();
                flipped[at] ^= 1 << (next() % 8);
                let _ = run(format, true, &flipped, PIECE);
            }
        }
    }

    #[test]
    fn large_window_brotli_is_refused() {
        // A large-window stream may ask for a 1 GiB window; RFC 7932 allows 16 MiB.
        let params =
            brotli::enc::BrotliEncoderParams { large_window: true, lgwin: 30, quality: 5, ..Default::default() };
        let mut compressed = Vec::new();
        brotli::BrotliCompress(&mut &[1u8; 1000][..], &mut compressed, &params).unwrap();
        assert!(matches!(run(CompressionFormat::Brotli, true, &compressed, PIECE), Err(CompressionError::Invalid(_))));
    }

    #[test]
    fn input_waits_for_the_pulls() {
        let mut coder = Coder::new(CompressionFormat::Gzip, false);
        assert!(matches!(coder.push(vec![0; PIECE + 1]), Err(CompressionError::Invalid(_))));
        coder.push(vec![1; 100]).unwrap();
        assert!(matches!(coder.push(vec![1; 100]), Err(CompressionError::Invalid(_))), "the first is not used yet");
        assert!(matches!(coder.finish(), Err(CompressionError::Invalid(_))));
        while coder.pull().unwrap().is_some() {}
        coder.push(vec![1; 100]).unwrap();
    }

    fn instance(host_memory: usize) -> State {
        let limits = crate::limits::AppLimits { host_memory, ..Default::default() };
        let app = crate::app::AppConfig::new("test", limits);
        State::new(wasmtime_wasi::WasiCtx::builder().build(), crate::state::LogSink::Stdio, &app)
    }

    fn quota<T>(result: Result<T, CompressionError>) -> String {
        match result {
            Err(CompressionError::Quota(message)) => message,
            _ => panic!("expected a quota error"),
        }
    }

    #[test]
    fn coders_are_charged_to_the_budget_and_capped() {
        let mut state = instance(4 << 20);
        let mut live = Vec::new();
        while let Ok(coder) = HostCompressor::create(&mut state, CompressionFormat::Gzip).unwrap() {
            live.push(coder);
        }
        assert_eq!(live.len(), (4 << 20) / DEFLATE_STATE);
        assert_eq!(state.budget.used(), live.len() * DEFLATE_STATE);
        assert!(quota(HostCompressor::create(&mut state, CompressionFormat::Gzip).unwrap()).contains("budget"));
        HostCompressor::drop(&mut state, live.pop().unwrap()).unwrap();
        let again = HostCompressor::create(&mut state, CompressionFormat::Gzip).unwrap().unwrap();
        HostCompressor::drop(&mut state, again).unwrap();
        for coder in live {
            HostCompressor::drop(&mut state, coder).unwrap();
        }
        assert_eq!(state.budget.used(), 0);

        // However large the budget, at most MAX_LIVE_CODERS at once.
        let mut state = instance(1 << 30);
        let live: Vec<_> = (0..MAX_LIVE_CODERS)
            .map(|_| HostDecompressor::create(&mut state, CompressionFormat::Gzip).unwrap().unwrap())
            .collect();
        assert!(quota(HostDecompressor::create(&mut state, CompressionFormat::Gzip).unwrap()).contains("at most"));
        for coder in live {
            HostDecompressor::drop(&mut state, coder).unwrap();
        }
        assert_eq!((state.coders, state.budget.used()), (0, 0));
    }

    #[test]
    fn a_brotli_window_over_the_budget_fails_the_stream() {
        // 32 MiB of varied bytes with a 16 MiB window: the decoder's window
        // outgrows a 4 MiB budget, and goes when it does.
        let data: Vec<u8> = (0..32u32 << 20).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8).collect();
        let mut compressed = brotli::CompressorWriter::new(Vec::new(), 4096, 1, 24);
        compressed.write_all(&data).unwrap();
        let compressed = compressed.into_inner();
        let mut state = instance(4 << 20);
        let coder = HostDecompressor::create(&mut state, CompressionFormat::Brotli).unwrap().unwrap();
        let error = 'feed: {
            for chunk in compressed.chunks(PIECE) {
                if let Err(e) =
                    HostDecompressor::push(&mut state, Resource::new_borrow(coder.rep()), chunk.to_vec()).unwrap()
                {
                    break 'feed e;
                }
                loop {
                    match HostDecompressor::pull(&mut state, Resource::new_borrow(coder.rep())).unwrap() {
                        Ok(Some(_)) => {}
                        Ok(None) => break,
                        Err(e) => break 'feed e,
                    }
                }
            }
            panic!("the whole stream decoded within the budget");
        };
        assert!(quota::<()>(Err(error)).contains("budget"));
        assert_eq!(state.budget.used(), 0, "the failed coder holds nothing");
        HostDecompressor::drop(&mut state, coder).unwrap();
        assert_eq!(state.coders, 0);
    }
}
