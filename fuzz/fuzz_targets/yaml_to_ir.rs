//! Fuzz the whole YAML → IR → rules path: any bytes must give diagnostics,
//! never a panic or a hang. Run: `cargo +nightly fuzz run yaml_to_ir`
//! (or `cargo fuzz run yaml_to_ir` with cargo-fuzz installed).
#![no_main]

use libfuzzer_sys::fuzz_target;
use topoc::driver;
use topoc::input::{Input, LoadOptions};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = topoc::source::decode(data.to_vec()) else { return };
    let _ = driver::analyze(&[Input::Stdin(text)], &LoadOptions::default());
});
