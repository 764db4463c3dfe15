#!/usr/bin/env bash
# Runs every check qrseal has, from a fresh clone: installs the rustup targets, components
# and tools it needs, then formatting, lints, docs, all tests (including the test-vector
# regeneration check and the independent Python verifier), the no_std and wasm32 builds,
# compiles the benchmarks, and smoke-runs every fuzz target for 30 seconds.
# .ci/run runs exactly this script.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "toolchain: rustup targets and components"
installed_targets=$(rustup target list --installed)
for t in thumbv7em-none-eabihf wasm32-unknown-unknown; do
  grep -qx "$t" <<<"$installed_targets" || rustup target add "$t"
done
installed_components=$(rustup component list --installed)
for c in rustfmt clippy; do
  grep -q "^$c" <<<"$installed_components" || rustup component add "$c"
done

step "cargo fmt --check"
cargo fmt --all --check

step "cargo clippy -D warnings (all targets, all features)"
cargo clippy --workspace --all-targets --all-features --locked -- -D warnings

step "cargo test (all features; includes testvectors regeneration check)"
cargo test --workspace --all-features --locked

step "independent Python verifier written from docs/SPEC.md agrees with testvectors/"
python3 testvectors/reference/qrseal_ref.py

step "Rust examples: the backend pre-issues and verifies, the scanner gives each verdict"
examples_out=$(mktemp -d)
cargo run --locked -q -p qrseal-examples --bin backend -- "$examples_out"
cargo run --locked -q -p qrseal-examples --bin scanner -- "$examples_out" \
  < "$examples_out/tokens.txt" > "$examples_out/verdicts.txt"
cat "$examples_out/verdicts.txt"
diff <(cut -d' ' -f1-2 "$examples_out/verdicts.txt") \
  <(printf 'ADMITTED green\nREJECTED revoked:\nDENIED yellow\nREJECTED invalid_encoding:\n')
rm -rf "$examples_out"

step "issuer service: its tests on SQLite and a throwaway PostgreSQL, and the short surge"
scripts/service-test.sh

step "collection journal end to end: qrseal collect and upload against the service (lost answer, service killed)"
scripts/collect-e2e.sh

step "tube uploads alongside the token load, short (asserts behaviour: each 201 stored once)"
scripts/samples-bench.sh --ci

step "no_std builds for thumbv7em-none-eabihf (core, verifier)"
cargo build --locked -p qrseal-core --no-default-features --target thumbv7em-none-eabihf
cargo build --locked -p qrseal-verifier --no-default-features --target thumbv7em-none-eabihf

step "wasm32-unknown-unknown builds (core with rendering, verifier)"
cargo build --locked -p qrseal-core --features render --target wasm32-unknown-unknown
cargo build --locked -p qrseal-verifier --target wasm32-unknown-unknown

step "WebAssembly package: build, npm pack, every vector in Node and headless Chromium, pages"
scripts/wasm.sh

step "docs build with warnings as errors"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --all-features --no-deps --locked

step "benchmarks compile"
cargo bench --workspace --all-features --no-run --locked

step "C library: header check, C tests plain / ASan+UBSan / valgrind, example, aarch64 + armv7 under qemu, sizes"
scripts/ffi.sh test

step "fuzz smoke: every fuzz target for 30 s (nightly + cargo-fuzz, installed if missing)"
scripts/fuzz.sh smoke 30

echo
echo "All checks passed."
