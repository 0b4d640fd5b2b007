#![no_main]
use std::sync::OnceLock;

static TARGET: OnceLock<nano_host::fuzzing::HttpTarget> = OnceLock::new();

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    TARGET.get_or_init(nano_host::fuzzing::HttpTarget::new).run(data);
});
