#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| qrseal_verifier::fuzzing::revocation_list(data));
