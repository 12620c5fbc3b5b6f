//! libFuzzer over the whole pipeline (`src/pipeline.rs`): parse, rules,
//! every printer, connectivity, explain, every emitter and the re-check of
//! what they emit. See ../README.md for how to run it.
#![no_main]

#[path = "../src/pipeline.rs"]
mod pipeline;

libfuzzer_sys::fuzz_target!(|data: &[u8]| pipeline::run(data));
