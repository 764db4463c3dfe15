#!/usr/bin/env bash
# Fuzzing with cargo-fuzz (libFuzzer) on the nightly toolchain. See docs/FUZZING.md.
#
#   scripts/fuzz.sh smoke [SECONDS]        every target for SECONDS (default 30), two at a time
#                                          (9 targets: about 2.5 min plus the build)
#   scripts/fuzz.sh campaign TARGET [RUNS] [WORKERS]
#                                          one target for RUNS executions (default 10000000)
#                                          in WORKERS processes (default 1), growing the
#                                          corpus in fuzz/corpus/TARGET
#   scripts/fuzz.sh list                   the targets
#
# Installs what it needs: the nightly toolchain (minimal profile) and cargo-fuzz.
# A crash leaves its input in fuzz/artifacts/TARGET/ and makes this script fail.
set -euo pipefail
cd "$(dirname "$0")/.."

targets() { sed -n 's/^name = "\([a-z_]*\)"$/\1/p' fuzz/Cargo.toml | grep -v '^qrseal-fuzz$'; }

ensure_tools() {
  if ! rustup toolchain list | grep -q '^nightly'; then
    rustup toolchain install nightly --profile minimal
  fi
  if ! cargo fuzz --version >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked
  fi
}

# The longest input libFuzzer builds for a target. verify_batch checks every token twice
# (in the batch and alone), so its inputs are held to about ten tokens to keep it fast;
# batches of more than 64 tokens are covered by the verifier's own tests. image_decode's
# seeds include crafted PNGs of up to 64 KiB (finder-pattern grids, checkerboards).
max_len() { case $1 in verify_batch) echo 1024 ;; image_decode) echo 65536 ;; *) echo 4096 ;; esac; }

# run TARGET CORPUS_DIR LIBFUZZER_ARGS...: new inputs go to CORPUS_DIR; the committed seeds
# in fuzz/seeds/TARGET are read but never written.
run() {
  local target=$1 corpus=$2
  shift 2
  mkdir -p "$corpus"
  cargo +nightly fuzz run -O "$target" "$corpus" "fuzz/seeds/$target" -- \
    -print_final_stats=1 -rss_limit_mb=2048 -max_len="$(max_len "$target")" "$@"
}

case "${1:-}" in
  list)
    targets
    ;;
  smoke)
    seconds=${2:-30}
    ensure_tools
    cargo +nightly fuzz build -O
    scratch=$(mktemp -d)
    trap 'rm -rf "$scratch"' EXIT
    failed=0
    # Two targets at a time: the machine has two cores.
    mapfile -t all < <(targets)
    for ((i = 0; i < ${#all[@]}; i += 2)); do
      pids=()
      for t in "${all[@]:i:2}"; do
        run "$t" "$scratch/$t" -max_total_time="$seconds" >"$scratch/$t.log" 2>&1 &
        pids+=("$!:$t")
      done
      for p in "${pids[@]}"; do
        pid=${p%%:*} t=${p#*:}
        if wait "$pid"; then
          runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$scratch/$t.log")
          echo "fuzz smoke: $t ok (${runs:-?} executions in ${seconds}s)"
        else
          echo "fuzz smoke: $t FAILED; its log:"
          tail -n 60 "$scratch/$t.log"
          failed=1
        fi
      done
    done
    exit "$failed"
    ;;
  campaign)
    target=${2:?usage: scripts/fuzz.sh campaign TARGET [RUNS] [WORKERS]}
    runs=${3:-10000000}
    workers=${4:-1}
    ensure_tools
    cargo +nightly fuzz build -O "$target"
    start=$(date +%s)
    # WORKERS processes share fuzz/corpus/TARGET (libFuzzer reloads it every second), each
    # running RUNS/WORKERS executions; the campaign's total is their sum.
    per=$(( runs / workers ))
    echo "campaign $target: $runs executions in $workers worker(s); logs fuzz/campaign-$target.*.log"
    pids=()
    for ((w = 0; w < workers; w++)); do
      run "$target" "fuzz/corpus/$target" -runs="$per" >"fuzz/campaign-$target.$w.log" 2>&1 &
      pids+=("$!")
    done
    status=0
    for pid in "${pids[@]}"; do wait "$pid" || status=$?; done
    echo "campaign $target: exit $status after $(( $(date +%s) - start )) s"
    total=0
    for ((w = 0; w < workers; w++)); do
      log=fuzz/campaign-$target.$w.log
      grep -aE '^#[0-9]+' "$log" | tail -n 1 || true
      n=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
      total=$(( total + ${n:-0} ))
    done
    echo "campaign $target: $total executions in total"
    exit "$status"
    ;;
  *)
    sed -n '2,15p' "$0"
    exit 2
    ;;
esac
