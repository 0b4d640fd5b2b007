#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| nano_host::fuzzing::compression(data));
