#!/usr/bin/env bash
# The 08:30 surge: token requests from many holders against one qrseal-service on SQLite,
# with wrk on the same machine (127.0.0.1 only). First the saturation rate S (closed loop),
# then paced load offered at 1x, 2x, 5x and 10x S. Per level: served/s, shed/s (503),
# limited/s (429), errors (anything else, socket errors included), latency p50/p99 of all
# answers as wrk sees them and of served requests as the service measures them, and the
# service's RSS.
#
#   scripts/surge.sh            # the full benchmark: 1,000,000 holders, 20 s per level
#   scripts/surge.sh --ci       # small and short; asserts that shedding happens and that
#                               # nothing but 200/503/429 is answered. No timings asserted.
#
# Environment: HOLDERS, DURATION (wrk -d), MAX_IN_FLIGHT, DELAY_MS (per-connection pacing).
set -euo pipefail
cd "$(dirname "$0")/.."

ci=0
[ "${1:-}" = "--ci" ] && ci=1
if [ $ci = 1 ]; then
    HOLDERS=${HOLDERS:-2000}; DURATION=${DURATION:-3s}
else
    HOLDERS=${HOLDERS:-1000000}; DURATION=${DURATION:-20s}
fi
MAX_IN_FLIGHT=${MAX_IN_FLIGHT:-64}
DELAY_MS=${DELAY_MS:-20}

if ! command -v wrk >/dev/null; then
    if [ "$(id -u)" -ne 0 ]; then echo "surge: install wrk (apt-get install wrk)" >&2; exit 1; fi
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi

# CI checks behaviour, not speed: the debug build the test suite made already will do.
if [ $ci = 1 ]; then profile=debug; flags=(); else profile=release; flags=(--release); fi
cargo build "${flags[@]}" -q -p qrseal-service --bin qrseal-service --example seed
bin=target/$profile/qrseal-service
seed=target/$profile/examples/seed

tmp=$(mktemp -d)
pid=
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
db="$tmp/surge.db"
echo "surge-admin-token-not-used-here" >"$tmp/admin"
echo "seeding $HOLDERS holders..." >&2
start=$(date +%s)
"$seed" "$db" "$tmp/keys" "$HOLDERS" >&2
echo "seeded in $(( $(date +%s) - start )) s" >&2

"$bin" --listen 127.0.0.1:0 --database-url "$db" --keys "$tmp/keys" \
    --admin-token-file "$tmp/admin" --max-in-flight "$MAX_IN_FLIGHT" \
    --publish-interval 1h >"$tmp/out" 2>"$tmp/err" &
pid=$!
for _ in $(seq 100); do grep -q listening "$tmp/out" 2>/dev/null && break; sleep 0.1; done
addr=$(sed -n 's/^qrseal-service listening on //p' "$tmp/out")
[ -n "$addr" ] || { cat "$tmp/err" >&2; exit 1; }

metrics() { curl -s "http://$addr/metrics" >"$1"; }

# One level: CONNECTIONS, DELAY; prints a table row and checks the statuses.
run_level() {
    local label=$1 conns=$2 delay=$3
    "$seed" "$db" "$tmp/keys" 0 --restale >/dev/null
    metrics "$tmp/before"
    HOLDERS=$HOLDERS DELAY_MS=$delay wrk -t2 -c"$conns" -d"$DURATION" --timeout 10s \
        -s scripts/surge.lua "http://$addr" >"$tmp/wrk" 2>&1
    metrics "$tmp/after"
    local rss
    rss=$(ps -o rss= -p "$pid")
    python3 - "$label" "$conns" "$delay" "$rss" "$tmp/wrk" "$tmp/before" "$tmp/after" "$ci" <<'PY'
import re, sys
label, conns, delay, rss, wrk, before, after, ci = sys.argv[1:]
out = open(wrk).read()
status = {int(a): int(b) for a, b in re.findall(r"^status (\d+) (\d+)$", out, re.M)}
val = lambda k: int(re.search(rf"^{k} (\d+)$", out, re.M).group(1))
secs = val("duration_us") / 1e6
def buckets(path):
    b = {}
    for line in open(path):
        m = re.match(r'qrseal_request_duration_seconds_bucket\{(.*)\} (\S+)', line)
        if m and 'route="/v1/token"' in m.group(1):
            le = re.search(r'le="([^"]+)"', m.group(1)).group(1)
            b[float("inf") if le == "+Inf" else float(le)] = float(m.group(2))
    return b
b0, b1 = buckets(before), buckets(after)
delta = sorted((le, b1.get(le, 0) - b0.get(le, 0)) for le in b1)
total = delta[-1][1] if delta else 0
def q(p):
    for le, n in delta:
        if total and n >= p * total:
            return le * 1000
    return float("nan")
served, shed, limited = status.get(200, 0), status.get(503, 0), status.get(429, 0)
errors = sum(n for s, n in status.items() if s not in (200, 503, 429)) + val("socket_errors")
print(f"| {label} | {conns} | {sum(status.values())/secs:,.0f} | {served/secs:,.0f} | {shed/secs:,.0f} | "
      f"{limited/secs:,.0f} | {errors} | {val('p50_us')/1000:.2f} / {val('p99_us')/1000:.2f} | "
      f"≤{q(0.5):g} / ≤{q(0.99):g} | {int(rss)//1024} |")
open(wrk + ".served", "w").write(f"{served/secs}\n{shed}\n{errors}\n")
PY
}

echo "| load | connections | answered/s | served/s | shed/s (503) | limited/s (429) | errors | p50/p99 all answers, ms (wrk) | p50/p99 served, ms (service histogram) | RSS MiB |"
echo "|---|---|---|---|---|---|---|---|---|---|"
# Saturation: closed loop, no pacing, twice the in-flight bound of connections.
run_level saturation $((MAX_IN_FLIGHT * 2)) 0
sat=$(head -1 "$tmp/wrk.served" | cut -d. -f1)
fail=0
[ "$(sed -n 3p "$tmp/wrk.served")" = 0 ] || fail=1
shed_total=0
for mult in 1 2 5 10; do
    # Paced connections: each offers about 1000/DELAY_MS requests a second.
    conns=$(( (sat * mult * DELAY_MS + 999) / 1000 ))
    [ "$conns" -lt 2 ] && conns=2
    run_level "${mult}x" "$conns" "$DELAY_MS"
    [ "$(sed -n 3p "$tmp/wrk.served")" = 0 ] || fail=1
    shed_total=$((shed_total + $(sed -n 2p "$tmp/wrk.served")))
done
if [ $ci = 1 ]; then
    [ $fail = 0 ] || { echo "surge: answers other than 200/503/429 seen" >&2; exit 1; }
    [ "$shed_total" -gt 0 ] || { echo "surge: nothing was shed under 10x load" >&2; exit 1; }
    echo "surge --ci: shedding seen ($shed_total answers 503), no other failure"
fi
[ $fail = 0 ]
