#![no_main]
//! Fuzz target `camvid_list`: the body is [`agents::fuzz::camvid_list`].
libfuzzer_sys::fuzz_target!(|data: &[u8]| agents::fuzz::camvid_list(data));
