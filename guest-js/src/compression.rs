//! Native half of CompressionStream / DecompressionStream (in
//! js/writable_streams.js): the (de)compressors are host resources
//! (`nano:platform/streams`); JS holds their index in this table.

use crate::nano::platform::streams::{CompressionFormat, Compressor, Decompressor};
use rquickjs::{Ctx, Exception, Function, Object, Result, TypedArray, Value};
use std::cell::RefCell;

enum Coder {
    Compress(Compressor),
    Decompress(Decompressor),
}

thread_local! {
    static CODERS: RefCell<Vec<Option<Coder>>> = const { RefCell::new(Vec::new()) };
}

pub fn install<'js>(ctx: &Ctx<'js>, native: &Object<'js>) -> Result<()> {
    native.set("coderNew", Function::new(ctx.clone(), coder_new)?)?;
    native.set("coderPush", Function::new(ctx.clone(), coder_push)?)?;
    native.set("coderFinish", Function::new(ctx.clone(), coder_finish)?)?;
    Ok(())
}

fn format(name: &str) -> Option<CompressionFormat> {
    match name {
        "gzip" => Some(CompressionFormat::Gzip),
        "deflate" => Some(CompressionFormat::Deflate),
        "deflate-raw" => Some(CompressionFormat::DeflateRaw),
        "brotli" => Some(CompressionFormat::Brotli),
        _ => None,
    }
}

fn coder_new(ctx: Ctx<'_>, name: String, decompress: bool) -> Result<u32> {
    let format = format(&name).ok_or_else(|| {
        Exception::throw_type(&ctx, &format!("Unsupported compression format: '{name}' (use gzip, deflate, deflate-raw or brotli)"))
    })?;
    let coder = if decompress { Coder::Decompress(Decompressor::new(format)) } else { Coder::Compress(Compressor::new(format)) };
    Ok(CODERS.with(|c| {
        let mut coders = c.borrow_mut();
        coders.push(Some(coder));
        (coders.len() - 1) as u32
    }))
}

fn run<'js>(ctx: &Ctx<'js>, id: u32, finish: bool, input: &[u8]) -> Result<Vec<u8>> {
    let result = CODERS.with(|c| {
        let mut coders = c.borrow_mut();
        let Some(slot) = coders.get_mut(id as usize) else { return Err("no such stream".to_string()) };
        let out = match slot.as_ref() {
            Some(Coder::Compress(c)) => Ok(if finish { c.finish() } else { c.push(input) }),
            Some(Coder::Decompress(d)) => if finish { d.finish() } else { d.push(input) },
            None => Err("the stream is already finished".to_string()),
        };
        if finish || out.is_err() {
            *slot = None; // the host resource is dropped with it
        }
        out
    });
    result.map_err(|message| Exception::throw_type(ctx, &format!("Decompression failed: {message}")))
}

fn coder_push<'js>(ctx: Ctx<'js>, id: u32, chunk: Value<'js>) -> Result<TypedArray<'js, u8>> {
    let input = crate::native::bytes_of(&chunk)?;
    let out = run(&ctx, id, false, &input)?;
    TypedArray::new(ctx, out)
}

fn coder_finish(ctx: Ctx<'_>, id: u32) -> Result<TypedArray<'_, u8>> {
    let out = run(&ctx, id, true, &[])?;
    TypedArray::new(ctx, out)
}
