#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| qrseal_ffi::fuzzing::c_api(data));
