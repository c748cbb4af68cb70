#![no_main]
//! Fuzz target `png_label`: the body is [`agents::fuzz::png_label`].
libfuzzer_sys::fuzz_target!(|data: &[u8]| agents::fuzz::png_label(data));
