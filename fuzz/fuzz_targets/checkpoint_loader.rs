#![no_main]
//! Fuzz target `checkpoint_loader`: the body is [`agents::fuzz::checkpoint_loader`].
libfuzzer_sys::fuzz_target!(|data: &[u8]| agents::fuzz::checkpoint_loader(data));
