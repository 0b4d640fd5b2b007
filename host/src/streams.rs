//! `nano:platform/streams`: compression for CompressionStream and
//! DecompressionStream, on flate2 (gzip, deflate) and brotli. Each (de)compressor is a resource in the
//! store's table, fed chunk by chunk, so no body is ever held whole.

use crate::bindings::nano::platform::streams::{CompressionFormat, Host, HostCompressor, HostDecompressor};
use crate::state::State;
use flate2::write::{DeflateDecoder, DeflateEncoder, GzDecoder, GzEncoder, ZlibDecoder, ZlibEncoder};
use flate2::Compression;
use std::io::Write;
use wasmtime::component::Resource;

pub enum Compressor {
    Gzip(Option<GzEncoder<Vec<u8>>>),
    Deflate(Option<ZlibEncoder<Vec<u8>>>),
    DeflateRaw(Option<DeflateEncoder<Vec<u8>>>),
    Brotli(Option<Box<brotli::CompressorWriter<Vec<u8>>>>),
}

pub enum Decompressor {
    Gzip(Option<GzDecoder<Vec<u8>>>),
    Deflate(Option<ZlibDecoder<Vec<u8>>>),
    DeflateRaw(Option<DeflateDecoder<Vec<u8>>>),
    Brotli(Option<Box<brotli::DecompressorWriter<Vec<u8>>>>),
}

/// Runs `$body` on the inner writer of whichever flate2 variant `$value` is,
/// `$brotli` on the brotli one.
macro_rules! each_variant {
    ($value:expr, $enum:ident, $inner:ident => $body:expr, $brotli:ident => $brotli_body:expr) => {
        match $value {
            $enum::Gzip($inner) => $body,
            $enum::Deflate($inner) => $body,
            $enum::DeflateRaw($inner) => $body,
            $enum::Brotli($brotli) => $brotli_body,
        }
    };
}

/// Brotli settings: quality 5 is the usual on-the-fly trade-off (11 is for
/// static assets and far slower); 4 KiB buffers, a 4 MiB window.
const BROTLI_QUALITY: u32 = 5;
const BROTLI_BUFFER: usize = 4096;
const BROTLI_WINDOW_BITS: u32 = 22;

const FINISHED: &str = "the stream is already finished";

impl HostCompressor for State {
    fn new(&mut self, format: CompressionFormat) -> wasmtime::Result<Resource<Compressor>> {
        let level = Compression::default();
        let compressor = match format {
            CompressionFormat::Gzip => Compressor::Gzip(Some(GzEncoder::new(Vec::new(), level))),
            CompressionFormat::Deflate => Compressor::Deflate(Some(ZlibEncoder::new(Vec::new(), level))),
            CompressionFormat::DeflateRaw => Compressor::DeflateRaw(Some(DeflateEncoder::new(Vec::new(), level))),
            CompressionFormat::Brotli => Compressor::Brotli(Some(Box::new(brotli::CompressorWriter::new(
                Vec::new(),
                BROTLI_BUFFER,
                BROTLI_QUALITY,
                BROTLI_WINDOW_BITS,
            )))),
        };
        Ok(self.table.push(compressor)?)
    }

    fn push(&mut self, this: Resource<Compressor>, input: Vec<u8>) -> wasmtime::Result<Vec<u8>> {
        let compressor = self.table.get_mut(&this)?;
        each_variant!(compressor, Compressor, inner => {
            let encoder = inner.as_mut().ok_or_else(|| wasmtime::format_err!(FINISHED))?;
            encoder.write_all(&input)?;
            Ok(std::mem::take(encoder.get_mut()))
        }, brotli => {
            let encoder = brotli.as_mut().ok_or_else(|| wasmtime::format_err!(FINISHED))?;
            encoder.write_all(&input)?;
            Ok(std::mem::take(encoder.get_mut()))
        })
    }

    fn finish(&mut self, this: Resource<Compressor>) -> wasmtime::Result<Vec<u8>> {
        let compressor = self.table.get_mut(&this)?;
        each_variant!(compressor, Compressor, inner => {
            let encoder = inner.take().ok_or_else(|| wasmtime::format_err!(FINISHED))?;
            Ok(encoder.finish()?)
        }, brotli => {
            let encoder = brotli.take().ok_or_else(|| wasmtime::format_err!(FINISHED))?;
            // Dropping the writer inside into_inner() ends the brotli stream.
            Ok(encoder.into_inner())
        })
    }

    fn drop(&mut self, this: Resource<Compressor>) -> wasmtime::Result<()> {
        self.table.delete(this)?;
        Ok(())
    }
}

impl HostDecompressor for State {
    fn new(&mut self, format: CompressionFormat) -> wasmtime::Result<Resource<Decompressor>> {
        let decompressor = match format {
            CompressionFormat::Gzip => Decompressor::Gzip(Some(GzDecoder::new(Vec::new()))),
            CompressionFormat::Deflate => Decompressor::Deflate(Some(ZlibDecoder::new(Vec::new()))),
            CompressionFormat::DeflateRaw => Decompressor::DeflateRaw(Some(DeflateDecoder::new(Vec::new()))),
            CompressionFormat::Brotli => {
                Decompressor::Brotli(Some(Box::new(brotli::DecompressorWriter::new(Vec::new(), BROTLI_BUFFER))))
            }
        };
        Ok(self.table.push(decompressor)?)
    }

    fn push(&mut self, this: Resource<Decompressor>, input: Vec<u8>) -> wasmtime::Result<Result<Vec<u8>, String>> {
        let decompressor = self.table.get_mut(&this)?;
        each_variant!(decompressor, Decompressor, inner => {
            let Some(decoder) = inner.as_mut() else { return Ok(Err(FINISHED.into())) };
            // Flushed so output comes out as soon as it can be decoded, not
            // only when the stream closes.
            Ok(match decoder.write_all(&input).and_then(|()| decoder.flush()) {
                Ok(()) => Ok(std::mem::take(decoder.get_mut())),
                Err(e) => Err(format!("corrupt input: {e}")),
            })
        }, brotli => {
            let Some(decoder) = brotli.as_mut() else { return Ok(Err(FINISHED.into())) };
            Ok(match decoder.write_all(&input).and_then(|()| decoder.flush()) {
                Ok(()) => Ok(std::mem::take(decoder.get_mut())),
                Err(e) => Err(format!("corrupt input: {e}")),
            })
        })
    }

    fn finish(&mut self, this: Resource<Decompressor>) -> wasmtime::Result<Result<Vec<u8>, String>> {
        let decompressor = self.table.get_mut(&this)?;
        each_variant!(decompressor, Decompressor, inner => {
            let Some(mut decoder) = inner.take() else { return Ok(Err(FINISHED.into())) };
            Ok(match decoder.try_finish() {
                Ok(()) => match decoder.finish() {
                    Ok(rest) => Ok(rest),
                    Err(e) => Err(format!("the compressed data ended early: {e}")),
                },
                Err(e) => Err(format!("the compressed data ended early: {e}")),
            })
        }, brotli => {
            let Some(mut decoder) = brotli.take() else { return Ok(Err(FINISHED.into())) };
            let rest = decoder.close().map(|()| std::mem::take(decoder.get_mut()));
            // into_inner() is Err when the stream is not complete.
            Ok(match (rest, decoder.into_inner()) {
                (Ok(rest), Ok(_)) => Ok(rest),
                _ => Err("the compressed data ended early".into()),
            })
        })
    }

    fn drop(&mut self, this: Resource<Decompressor>) -> wasmtime::Result<()> {
        self.table.delete(this)?;
        Ok(())
    }
}

impl Host for State {}

pub fn add_to_linker(linker: &mut wasmtime::component::Linker<State>) -> wasmtime::Result<()> {
    crate::bindings::nano::platform::streams::add_to_linker::<State, wasmtime::component::HasSelf<State>>(linker, |s| s)
}
