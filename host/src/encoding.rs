//! `nano:platform/encoding`: the Encoding Standard's decoders for
//! TextDecoder, on `encoding_rs` (which implements that standard exactly:
//! every encoding, label and error rule).
//!
//! Why in the host: the CJK index tables are hundreds of KB, which every
//! instance's snapshot would otherwise carry. UTF-8, by far the most common,
//! stays in the guest (encoding.js), which never asks the host for it.
//!
//! Bounds: the input of one `decode` is at most `MAX_INPUT` bytes (the guest
//! splits larger input into streamed pieces), so one call's CPU is bounded,
//! and so is its output (at most 3 bytes of UTF-8 per input byte, returned
//! at once). A decoder's state is a few dozen bytes, charged to the
//! instance's host budget when it is made and given back when it is dropped;
//! an instance holds at most `MAX_LIVE_DECODERS` at once.

use crate::bindings::nano::platform::encoding::{EncodingError, Host, HostDecoder};
use crate::state::State;
use encoding_rs::{CoderResult, DecoderResult, Encoding, UTF_16BE, UTF_16LE, UTF_8};
use wasmtime::component::Resource;

/// Most input bytes one `decode` call takes.
pub const MAX_INPUT: usize = 1 << 20;

/// Decoders one instance may hold at once, whatever the budget allows.
pub const MAX_LIVE_DECODERS: usize = 1024;

/// Host bytes a decoder is charged: its state and the resource table's slot.
const FOOTPRINT: usize = std::mem::size_of::<TextDecoder>() + 64;

/// One TextDecoder's state in the host.
pub struct TextDecoder {
    encoding: &'static Encoding,
    fatal: bool,
    ignore_bom: bool,
    decoder: encoding_rs::Decoder,
}

fn invalid(message: impl Into<String>) -> EncodingError {
    EncodingError::Invalid(message.into())
}

/// The Encoding Standard's "get an encoding", then its name in lower case
/// (TextDecoder's `encoding`); none for the `replacement` encoding's labels,
/// which TextDecoder refuses like unknown ones.
pub fn lookup(label: &str) -> Option<String> {
    Encoding::for_label_no_replacement(label.as_bytes()).map(|e| e.name().to_ascii_lowercase())
}

impl TextDecoder {
    pub fn new(name: &str, fatal: bool, ignore_bom: bool) -> Result<TextDecoder, EncodingError> {
        let encoding = Encoding::for_label_no_replacement(name.as_bytes())
            .ok_or_else(|| invalid(format!("unknown encoding: '{name}'")))?;
        Ok(TextDecoder { encoding, fatal, ignore_bom, decoder: Self::fresh(encoding, ignore_bom) })
    }

    /// A decoder at the start of a stream. Only the UTF-8 and UTF-16
    /// decoders remove a BOM (TextDecoder's "serialize I/O queue"), and
    /// none sniffs one (TextDecoder never switches encodings).
    fn fresh(encoding: &'static Encoding, ignore_bom: bool) -> encoding_rs::Decoder {
        let unicode = [UTF_8, UTF_16LE, UTF_16BE].contains(&encoding);
        if unicode && !ignore_bom {
            encoding.new_decoder_with_bom_removal()
        } else {
            encoding.new_decoder_without_bom_handling()
        }
    }

    /// Decodes the next piece of the stream; without `stream`, the input ends
    /// here and the next call starts a new stream (as it does after an error).
    pub fn decode(&mut self, input: &[u8], stream: bool) -> Result<String, EncodingError> {
        if input.len() > MAX_INPUT {
            return Err(invalid(format!("at most {MAX_INPUT} bytes of input at a time, not {}", input.len())));
        }
        let result = self.run(input, !stream);
        if !stream || result.is_err() {
            self.decoder = Self::fresh(self.encoding, self.ignore_bom);
        }
        result
    }

    fn run(&mut self, mut input: &[u8], last: bool) -> Result<String, EncodingError> {
        let mut out = String::new();
        loop {
            // Room for all the output of `input`, so one round is the rule.
            let room = if self.fatal {
                self.decoder.max_utf8_buffer_length_without_replacement(input.len())
            } else {
                self.decoder.max_utf8_buffer_length(input.len())
            };
            out.reserve(room.ok_or_else(|| invalid("input too large"))?);
            let (full, read) = if self.fatal {
                let (result, read) = self.decoder.decode_to_string_without_replacement(input, &mut out, last);
                match result {
                    DecoderResult::InputEmpty => (false, read),
                    DecoderResult::OutputFull => (true, read),
                    DecoderResult::Malformed(..) => {
                        let name = self.encoding.name().to_ascii_lowercase();
                        return Err(invalid(format!("The encoded data was not valid {name}")));
                    }
                }
            } else {
                let (result, read, _) = self.decoder.decode_to_string(input, &mut out, last);
                (result == CoderResult::OutputFull, read)
            };
            if !full {
                return Ok(out);
            }
            input = &input[read..];
        }
    }
}

impl State {
    fn decoder(&mut self, this: &Resource<TextDecoder>) -> wasmtime::Result<&mut TextDecoder> {
        Ok(self.table.get_mut(this)?)
    }
}

impl Host for State {
    fn lookup(&mut self, label: String) -> wasmtime::Result<Option<String>> {
        Ok(lookup(&label))
    }
}

impl HostDecoder for State {
    fn create(
        &mut self,
        name: String,
        fatal: bool,
        ignore_bom: bool,
    ) -> wasmtime::Result<Result<Resource<TextDecoder>, EncodingError>> {
        if self.decoders >= MAX_LIVE_DECODERS {
            let message = format!("an instance can hold at most {MAX_LIVE_DECODERS} streaming TextDecoders at once");
            return Ok(Err(EncodingError::Quota(message)));
        }
        let decoder = match TextDecoder::new(&name, fatal, ignore_bom) {
            Ok(decoder) => decoder,
            Err(e) => return Ok(Err(e)),
        };
        if let Err(e) = self.budget.charge(FOOTPRINT) {
            return Ok(Err(EncodingError::Quota(e.to_string())));
        }
        let resource = match self.table.push(decoder) {
            Ok(resource) => resource,
            Err(e) => {
                self.budget.release(FOOTPRINT);
                return Err(e.into());
            }
        };
        self.decoders += 1;
        Ok(Ok(resource))
    }

    fn decode(
        &mut self,
        this: Resource<TextDecoder>,
        input: Vec<u8>,
        stream: bool,
    ) -> wasmtime::Result<Result<String, EncodingError>> {
        Ok(self.decoder(&this)?.decode(&input, stream))
    }

    fn drop(&mut self, this: Resource<TextDecoder>) -> wasmtime::Result<()> {
        self.table.delete(this)?;
        self.budget.release(FOOTPRINT);
        self.decoders -= 1;
        Ok(())
    }
}

pub fn add_to_linker(linker: &mut wasmtime::component::Linker<State>) -> wasmtime::Result<()> {
    crate::bindings::nano::platform::encoding::add_to_linker::<State, wasmtime::component::HasSelf<State>>(
        linker,
        |s| s,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(name: &str, bytes: &[u8]) -> String {
        TextDecoder::new(name, false, false).unwrap().decode(bytes, false).unwrap()
    }

    #[test]
    fn labels_resolve_to_lower_case_names() {
        assert_eq!(lookup(" Latin1\n").as_deref(), Some("windows-1252"));
        assert_eq!(lookup("sjis").as_deref(), Some("shift_jis"));
        assert_eq!(lookup("x-gbk").as_deref(), Some("gbk"));
        assert_eq!(lookup("csiso2022kr"), None, "replacement is refused");
        assert_eq!(lookup("klingon"), None);
    }

    #[test]
    fn decodes_legacy_encodings() {
        assert_eq!(decode("windows-1252", b"caf\xe9 \x80"), "café €");
        assert_eq!(decode("shift_jis", b"\x82\xa0\x88\x9f"), "あ亜");
        assert_eq!(decode("gb18030", b"\x810\x810\xa1\xa1"), "\u{80}\u{3000}");
        assert_eq!(decode("x-user-defined", b"a\x80"), "a\u{f780}");
        assert_eq!(decode("utf-16be", b"\xfe\xff\x00A"), "A", "the BOM is removed");
        let mut keep = TextDecoder::new("utf-16le", false, true).unwrap();
        assert_eq!(keep.decode(b"\xff\xfeA\x00", false).unwrap(), "\u{feff}A");
    }

    #[test]
    fn streams_fails_in_fatal_mode_and_starts_afresh() {
        let mut d = TextDecoder::new("euc-kr", false, false).unwrap();
        assert_eq!(d.decode(b"a\xb0", true).unwrap(), "a");
        assert_eq!(d.decode(b"\xa1", true).unwrap(), "가");
        assert_eq!(d.decode(b"\xb0", false).unwrap(), "\u{fffd}", "truncated at the end");
        assert_eq!(d.decode(b"\xa1", false).unwrap(), "\u{fffd}", "a new stream");
        let mut fatal = TextDecoder::new("big5", true, false).unwrap();
        assert!(matches!(fatal.decode(b"\xa4", false), Err(EncodingError::Invalid(_))));
        assert_eq!(fatal.decode(b"\xa4\x40", false).unwrap(), "一");
        assert!(matches!(fatal.decode(&vec![0; MAX_INPUT + 1], true), Err(EncodingError::Invalid(_))));
        assert_eq!(fatal.decode(&vec![b'a'; MAX_INPUT], false).unwrap().len(), MAX_INPUT);
    }

    #[test]
    fn decoders_are_charged_and_capped() {
        let limits = crate::limits::AppLimits { host_memory: 1 << 30, ..Default::default() };
        let app = crate::app::AppConfig::new("test", limits);
        let mut state = State::new(wasmtime_wasi::WasiCtx::builder().build(), crate::state::LogSink::Stdio, &app);
        assert!(matches!(
            HostDecoder::create(&mut state, "nope".into(), false, false).unwrap(),
            Err(EncodingError::Invalid(_))
        ));
        let live: Vec<_> = (0..MAX_LIVE_DECODERS)
            .map(|_| HostDecoder::create(&mut state, "gbk".into(), false, false).unwrap().unwrap())
            .collect();
        assert_eq!(state.budget.used(), MAX_LIVE_DECODERS * FOOTPRINT);
        assert!(matches!(
            HostDecoder::create(&mut state, "gbk".into(), false, false).unwrap(),
            Err(EncodingError::Quota(_))
        ));
        for d in live {
            HostDecoder::drop(&mut state, d).unwrap();
        }
        assert_eq!((state.decoders, state.budget.used()), (0, 0));
    }
}
