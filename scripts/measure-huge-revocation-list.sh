#!/bin/sh
# Peak memory and time of `qrseal verify` and `qrseal inspect-list` on the largest revocation
# list (issue 8, finding 11). Usage:
#
#   scripts/measure-huge-revocation-list.sh [QRSEAL_BINARY [FORMAT]]
#
# QRSEAL_BINARY defaults to target/release/qrseal (built here); FORMAT is `current` or `v0`
# (the list layout before state ids, for the binary of an older commit). Writes its files in
# a temporary directory and prints GNU time's "Maximum resident set size" and "Elapsed".
set -eu
cd "$(dirname "$0")/.."
if [ ! -x /usr/bin/time ]; then
    apt-get update -qq && apt-get install -y -qq time >/dev/null
fi
BIN=${1:-}
FORMAT=${2:-current}
if [ -z "$BIN" ]; then
    cargo build -q --release --locked -p qrseal-cli
    BIN=target/release/qrseal
fi
# The most entries a list may hold (2^24) in the current format; the old binary read at most
# 256 MiB, so its largest list holds 16777209 entries.
N=${N:-$([ "$FORMAT" = current ] && echo 16777216 || echo 16777209)}
NEW=target/release/qrseal
[ -x "$NEW" ] || cargo build -q --release --locked -p qrseal-cli
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
"$NEW" root-keygen --dir "$DIR/root" >/dev/null
"$NEW" keygen --dir "$DIR/k" >/dev/null
"$NEW" trust-list --root "$DIR/root" --add-issuer "$DIR/k" --out "$DIR/trust.qstl" \
    --now 2026-11-20T00:00:00Z --valid-for 365d >/dev/null
TOKEN=$("$NEW" issue --keys "$DIR/k" --id 11010119900307888X --colour green \
    --now 2026-11-21T01:00:00Z)
python3 scripts/huge_revocation_list.py "$DIR/k/issuer.key" "$N" "$DIR/list.qsrl" --format "$FORMAT"
ls -l "$DIR/list.qsrl" | awk '{print "list bytes:", $5}'
measure() {
    /usr/bin/time -v "$@" >/dev/null 2>"$DIR/time" || true
    grep -E "Maximum resident set size|Elapsed \(wall clock\)|Exit status" "$DIR/time"
}
echo "== $BIN verify --revocations (one list of $N entries)"
measure "$BIN" verify "$TOKEN" --root "$DIR/root/root.pub" --trust "$DIR/trust.qstl" \
    --revocations "$DIR/list.qsrl" --now 2026-11-21T02:00:00Z
echo "== $BIN inspect-list > /dev/null"
measure "$BIN" inspect-list "$DIR/list.qsrl"
