#!/usr/bin/env bash
# Tube uploads alongside the token load: one qrseal-service on SQLite (durable writes,
# synchronous=FULL), wrk on the same machine (127.0.0.1 only). Three closed-loop runs in one
# go, so the figures are comparable: token requests alone (the anchor), tube uploads alone
# (10 samples each, a new batch per request, from SITES enrolled sites), and both at once.
# Per run: uploads stored/s (answered 201, divided by the run time; checked against the rows
# the database gained), token responses/s, shed (503) and limited (429) answers, errors
# (anything else, socket errors included), latency p50/p99 of uploads as wrk sees them and
# of stored uploads as the service measures them, and the service's RSS.
#
#   scripts/samples-bench.sh         # the benchmark: 1,000,000 holders, 20 s per run
#   scripts/samples-bench.sh --ci    # small and short; asserts that every upload answered 201
#                                    # is stored (once: the rows gained are the 201 answers plus
#                                    # at most the uploads in flight when wrk stopped) and that
#                                    # nothing but 200/201/503/429 is answered. No timings.
#
# Environment: HOLDERS, DURATION (wrk -d), SITES, UPLOAD_CONNECTIONS, TOKEN_CONNECTIONS,
# MAX_IN_FLIGHT, RUNS (which of "tokens uploads both" to run), SERVICE_BIN (another build of
# qrseal-service to measure, for A/B comparisons in one sitting). The holders are seeded by service/examples/seed.rs, as scripts/surge.sh does.
set -euo pipefail
cd "$(dirname "$0")/.."

ci=0
[ "${1:-}" = "--ci" ] && ci=1
if [ $ci = 1 ]; then
    HOLDERS=${HOLDERS:-2000}; DURATION=${DURATION:-3s}
else
    HOLDERS=${HOLDERS:-1000000}; DURATION=${DURATION:-20s}
fi
SITES=${SITES:-100}
UPLOAD_CONNECTIONS=${UPLOAD_CONNECTIONS:-64}
TOKEN_CONNECTIONS=${TOKEN_CONNECTIONS:-64}
MAX_IN_FLIGHT=${MAX_IN_FLIGHT:-256}

for tool in wrk curl python3; do
    if ! command -v $tool >/dev/null; then
        if [ "$(id -u)" -ne 0 ]; then echo "samples-bench: install $tool" >&2; exit 1; fi
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $tool >/dev/null
    fi
done

# CI checks behaviour, not speed: the debug build the test suite made already will do.
if [ $ci = 1 ]; then profile=debug; flags=(); else profile=release; flags=(--release); fi
cargo build "${flags[@]}" -q -p qrseal-service --bin qrseal-service --example seed
bin=${SERVICE_BIN:-target/$profile/qrseal-service}
seed=target/$profile/examples/seed

tmp=$(mktemp -d)
pid=
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
db="$tmp/bench.db"
admin=samples-bench-admin-token
echo "$admin" >"$tmp/admin"
echo "seeding $HOLDERS holders..." >&2
"$seed" "$db" "$tmp/keys" "$HOLDERS" >&2

# The per-site limit is lifted: this measures storage, not the limiter (which still runs).
"$bin" --listen 127.0.0.1:0 --database-url "$db" --keys "$tmp/keys" \
    --admin-token-file "$tmp/admin" --max-in-flight "$MAX_IN_FLIGHT" \
    --site-rate 100000000 --publish-interval 1h >"$tmp/out" 2>"$tmp/err" &
pid=$!
for _ in $(seq 100); do grep -q listening "$tmp/out" 2>/dev/null && break; sleep 0.1; done
addr=$(sed -n 's/^qrseal-service listening on //p' "$tmp/out")
[ -n "$addr" ] || { cat "$tmp/err" >&2; exit 1; }

for i in $(seq "$SITES"); do
    curl -sf -H "Authorization: Bearer $admin" -d "{\"site\":\"bench-site-$i\"}" \
        "http://$addr/v1/sites" |
        python3 -c 'import json, sys; j = json.load(sys.stdin); print(j["site"], j["credential"])'
done >"$tmp/sites"

batches() { python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT COUNT(*) FROM sample_batches").fetchone()[0])' "$db"; }

run=0
# One run: LABEL, upload connections, token connections (0 = none); prints a table row.
run_level() {
    local label=$1 up=$2 tok=$3
    run=$((run + 1))
    "$seed" "$db" "$tmp/keys" 0 --restale >/dev/null
    curl -s "http://$addr/metrics" >"$tmp/before"
    local rows_before
    rows_before=$(batches)
    local pids=()
    if [ "$up" -gt 0 ]; then
        MODE=uploads RUN=$run SITES_FILE="$tmp/sites" wrk -t1 -c"$up" -d"$DURATION" \
            --timeout 10s -s scripts/samples-bench.lua "http://$addr" >"$tmp/up" 2>&1 &
        pids+=($!)
    else
        : >"$tmp/up"
    fi
    if [ "$tok" -gt 0 ]; then
        MODE=tokens HOLDERS=$HOLDERS wrk -t1 -c"$tok" -d"$DURATION" --timeout 10s \
            -s scripts/samples-bench.lua "http://$addr" >"$tmp/tok" 2>&1 &
        pids+=($!)
    else
        : >"$tmp/tok"
    fi
    wait "${pids[@]}"
    curl -s "http://$addr/metrics" >"$tmp/after"
    local rows_after rss
    rows_after=$(batches)
    # Anonymous memory only, as scripts/surge.sh reports it: SQLite's memory map of the
    # database file counts in RSS as page cache the kernel may drop at will.
    rss=$(awk '/^RssAnon:/ {print $2}' "/proc/$pid/status")
    python3 - "$label" "$up" "$tok" "$rss" "$tmp" "$rows_before" "$rows_after" "$ci" <<'PY'
import re, sys
label, up, tok, rss, tmp, rows0, rows1, ci = sys.argv[1:]
def parse(path):
    out = open(path).read()
    if not out:
        return None
    status = {int(a): int(b) for a, b in re.findall(r"^status (\d+) (\d+)$", out, re.M)}
    val = lambda k: int(re.search(rf"^{k} (\d+)$", out, re.M).group(1))
    return status, val("socket_errors"), val("duration_us") / 1e6, val("p50_us"), val("p99_us")
def served_quantiles(route):
    def buckets(path):
        b = {}
        for line in open(path):
            m = re.match(r'qrseal_request_duration_seconds_bucket\{(.*)\} (\S+)', line)
            if m and f'route="{route}"' in m.group(1):
                le = re.search(r'le="([^"]+)"', m.group(1)).group(1)
                b[float("inf") if le == "+Inf" else float(le)] = float(m.group(2))
        return b
    b0, b1 = buckets(f"{tmp}/before"), buckets(f"{tmp}/after")
    delta = sorted((le, b1.get(le, 0) - b0.get(le, 0)) for le in b1)
    total = delta[-1][1] if delta else 0
    def q(p):
        for le, n in delta:
            if total and n >= p * total:
                return le * 1000
        return float("nan")
    return q(0.5), q(0.99)
errors, fail = 0, []
u, t = parse(f"{tmp}/up"), parse(f"{tmp}/tok")
stored = int(rows1) - int(rows0)
cells = []
if u:
    status, sock, secs, p50, p99 = u
    created = status.get(201, 0)
    errors += sum(n for s, n in status.items() if s not in (201, 503, 429)) + sock
    # Uploads in flight when wrk stops are stored without wrk counting their answer.
    if not created <= stored <= created + int(up):
        fail.append(f"{created} uploads answered 201 but {stored} batches stored")
    if created == 0:
        fail.append("no upload stored")
    s50, s99 = served_quantiles("/v1/samples")
    cells += [f"{created / secs:,.0f}", f"{status.get(503, 0) / secs:,.0f}",
              f"{p50 / 1000:.1f} / {p99 / 1000:.1f}", f"≤{s50:g} / ≤{s99:g}"]
else:
    cells += ["-", "-", "-", "-"]
if t:
    status, sock, secs, _, _ = t
    errors += sum(n for s, n in status.items() if s not in (200, 503, 429)) + sock
    cells += [f"{status.get(200, 0) / secs:,.0f}", f"{status.get(503, 0) / secs:,.0f}"]
else:
    cells += ["-", "-"]
if errors:
    fail.append(f"{errors} answers other than 200/201/503/429")
print(f"| {label} | {up} | {tok} | " + " | ".join(cells) + f" | {errors} | {int(rss) // 1024} |")
if fail:
    print("samples-bench: " + "; ".join(fail), file=sys.stderr)
    sys.exit(1)
PY
}

echo "| run | upload connections | token connections | uploads stored/s | uploads shed/s | upload p50/p99 ms (wrk, all answers) | stored upload p50/p99 ms (service histogram) | token responses/s (200) | tokens shed/s | errors | RSS MiB |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
RUNS=${RUNS:-tokens uploads both}
for r in $RUNS; do
    case $r in
        tokens) run_level "tokens alone" 0 "$TOKEN_CONNECTIONS" ;;
        uploads) run_level "uploads alone" "$UPLOAD_CONNECTIONS" 0 ;;
        both) run_level "uploads + tokens" "$UPLOAD_CONNECTIONS" "$TOKEN_CONNECTIONS" ;;
        *) echo "samples-bench: unknown run $r" >&2; exit 1 ;;
    esac
done
if [ $ci = 1 ]; then
    echo "samples-bench --ci: every upload answered 201 stored once, no other failure"
fi
