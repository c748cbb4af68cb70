#![no_main]
//! Fuzz target `config`: the body is [`agents::fuzz::config`].
libfuzzer_sys::fuzz_target!(|data: &[u8]| agents::fuzz::config(data));
