//! Runs every fuzz target's invariants (the hidden `fuzzing` module) over its committed seed
//! corpus in `fuzz/seeds/`, so that `cargo test` replays every regression input a fuzzer ever
//! found (they are kept there, named `regression-*`) without nightly or cargo-fuzz.
#![cfg(feature = "fuzzing")]

use std::path::PathBuf;

use qrseal_verifier::fuzzing;

fn seeds(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/seeds")
        .join(target);
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&path).unwrap())
        })
        .collect();
    out.sort();
    assert!(!out.is_empty(), "no seeds for {target}");
    out
}

fn replay(target: &str, f: fn(&[u8])) {
    for (name, data) in seeds(target) {
        let outcome = std::panic::catch_unwind(|| f(&data));
        assert!(outcome.is_ok(), "{target}: seed {name} broke an invariant");
    }
}

#[test]
fn text_decode_seeds() {
    replay("text_decode", fuzzing::text_decode);
}

#[test]
fn token_parse_seeds() {
    replay("token_parse", fuzzing::token_parse);
}

#[test]
fn verify_seeds_including_regressions() {
    assert!(
        seeds("verify")
            .iter()
            .any(|(n, _)| n.starts_with("regression-"))
    );
    replay("verify", fuzzing::verify);
}

#[test]
fn verify_batch_seeds() {
    replay("verify_batch", fuzzing::verify_batch);
}

#[test]
fn policy_seeds() {
    replay("policy", fuzzing::policy);
}

#[cfg(feature = "image")]
#[test]
fn image_decode_seeds() {
    replay("image_decode", fuzzing::image_decode);
}
