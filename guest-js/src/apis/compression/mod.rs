//! Native half of CompressionStream / DecompressionStream
//! (compression.js): the (de)compressors are host resources
//! (`nano:platform/compression`) that take at most 64 KiB of input per push and
//! give at most 64 KiB of output per pull; JS holds their id in the
//! instance's handle table and drops them when the stream ends or is
//! collected.

use crate::instance;
use crate::nano::platform::compression::{CompressionError, CompressionFormat, Compressor, Decompressor};
use crate::wit_names::WitEnum;
use rquickjs::{Ctx, Exception, Result, TypedArray, Value};

/// A stream's (de)compressor. Its id is never reused (the handle table's
/// rule), so a late drop (a FinalizationRegistry callback) can never reach
/// another stream's coder.
pub enum Coder {
    Compress(Compressor),
    Decompress(Decompressor),
}

/// Quota errors are a QuotaExceededError DOMException, bad input a TypeError.
fn throw(ctx: &Ctx<'_>, error: CompressionError) -> rquickjs::Error {
    match error {
        CompressionError::Quota(message) => crate::hooks::throw_dom_exception(ctx, "QuotaExceededError", &message),
        CompressionError::Invalid(message) => Exception::throw_type(ctx, &message),
    }
}

pub fn coder_new(ctx: Ctx<'_>, name: String, decompress: bool) -> Result<u32> {
    // The Compression Standard's format names are the WIT case names.
    let format = CompressionFormat::from_wit_name(&name).ok_or_else(|| {
        Exception::throw_type(
            &ctx,
            &format!("Unsupported compression format: '{name}' (use gzip, deflate, deflate-raw or brotli)"),
        )
    })?;
    let coder = if decompress {
        Decompressor::create(format).map(Coder::Decompress)
    } else {
        Compressor::create(format).map(Coder::Compress)
    };
    let coder = coder.map_err(|e| throw(&ctx, e))?;
    instance::with(|i| i.handles.insert(coder)).map_err(|e| Exception::throw_type(&ctx, &e))
}

fn with_coder<'js, T>(
    ctx: &Ctx<'js>,
    id: u32,
    f: impl FnOnce(&Coder) -> std::result::Result<T, CompressionError>,
) -> Result<T> {
    let result = instance::with(|i| i.handles.get::<Coder>(id).map(f));
    match result {
        Some(result) => result.map_err(|e| throw(ctx, e)),
        None => Err(Exception::throw_type(ctx, "the compression stream is closed")),
    }
}

pub fn coder_push<'js>(ctx: Ctx<'js>, id: u32, chunk: Value<'js>) -> Result<()> {
    let input = crate::natives::bytes_of(&chunk)?;
    with_coder(&ctx, id, |coder| match coder {
        Coder::Compress(c) => c.push(&input),
        Coder::Decompress(d) => d.push(&input),
    })
}

pub fn coder_finish(ctx: Ctx<'_>, id: u32) -> Result<()> {
    with_coder(&ctx, id, |coder| match coder {
        Coder::Compress(c) => c.finish(),
        Coder::Decompress(d) => d.finish(),
    })
}

/// The next piece of output, or undefined once the input given so far is used up.
pub fn coder_pull(ctx: Ctx<'_>, id: u32) -> Result<Option<TypedArray<'_, u8>>> {
    let out = with_coder(&ctx, id, |coder| match coder {
        Coder::Compress(c) => c.pull(),
        Coder::Decompress(d) => d.pull(),
    })?;
    out.map(|bytes| TypedArray::new(ctx.clone(), bytes)).transpose()
}

/// Drops the host's coder (and gives back its share of the host budget).
pub fn coder_drop(id: u32) {
    let coder = instance::with(|i| i.handles.remove::<Coder>(id));
    drop(coder); // outside the instance: dropping calls into the host
}

/// Runs the collector now, so that coders of streams nobody holds are
/// dropped before a retry (compression.js).
pub fn collect_garbage(ctx: Ctx<'_>) {
    ctx.run_gc();
}
