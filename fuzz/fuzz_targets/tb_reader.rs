#![no_main]
//! Fuzz target `tb_reader`: the body is [`agents::fuzz::tb_reader`].
libfuzzer_sys::fuzz_target!(|data: &[u8]| agents::fuzz::tb_reader(data));
