#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| qrseal_journal::fuzzing::journal_reader(data));
