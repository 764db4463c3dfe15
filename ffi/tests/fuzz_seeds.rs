//! The c_api fuzz target's committed seeds (fuzz/seeds/c_api), replayed on stable so that
//! `cargo test` runs the call sequences they describe and the fuzz target's assertions.

#[test]
fn seeds_run_clean() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../fuzz/seeds/c_api");
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let data = std::fs::read(entry.unwrap().path()).unwrap();
        qrseal_ffi::fuzzing::c_api(&data);
        n += 1;
    }
    assert!(n > 0, "no seeds in {dir}");
    // Truncated prefixes of the seeds exercise the calls' failures too.
    for entry in std::fs::read_dir(dir).unwrap() {
        let data = std::fs::read(entry.unwrap().path()).unwrap();
        for cut in (0..data.len()).step_by(37) {
            qrseal_ffi::fuzzing::c_api(&data[..cut]);
        }
    }
}
