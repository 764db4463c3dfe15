#!/usr/bin/env bash
# Camera decoding benchmark: our `frame::decode_frame` beside zxing-cpp on the same synthetic
# phone-screen photos (scripts/camera_corpus.py), per condition, in one run.
#
#   scripts/camera-bench.sh [FRAMES_PER_CONDITION] [SEED]    default 80 frames, seed 10
#
# Writes target/camera-bench/{corpus/,ours.tsv,zxing.tsv,table.md} and prints the table.
# CAMERA_CONDITIONS=clean_240,glare limits the run to some conditions.
# Installs what it needs: numpy, Pillow and zxing-cpp from PyPI (pip --user when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
per=${1:-80}
seed=${2:-10}
out=target/camera-bench

if ! python3 -c 'import numpy, PIL, zxingcpp' 2>/dev/null; then
  python3 -m pip install --quiet --user numpy Pillow zxing-cpp
fi

cargo build --quiet --release -p qrseal-verifier --features image --example camera_bench
bench=target/release/examples/camera_bench

rm -rf "$out"
mkdir -p "$out"
"$bench" symbols testvectors/tokens.json "$out/symbols"
python3 scripts/camera_corpus.py "$out/symbols" "$out/corpus" "$per" "$seed"
"$bench" run "$out/corpus" "$out/ours.tsv"
python3 scripts/camera_reference.py zxing "$out/corpus" "$out/zxing.tsv"
python3 scripts/camera_reference.py table "$out/ours.tsv" "$out/zxing.tsv" | tee "$out/table.md"
