#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| qrseal_verifier::fuzzing::trust_store(data));
