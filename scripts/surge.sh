#!/usr/bin/env bash
# The 08:30 surge: token requests from many holders against one qrseal-service on SQLite,
# with wrk on the same machine (127.0.0.1 only).
#
# 1. The anchor: service/examples/bare.rs (an axum handler signing every request for holders
#    in a hash map), closed loop, the same wrk and script: served/s is what signing, HTTP and
#    the load generator alone allow on this machine.
# 2. The service at 1x: closed loop, the same connections; its served rate is saturation S.
# 3. 2x, 5x and 10x: two, five and ten times as many connections (holders asking at once),
#    each asking again as soon as it is answered (DELAY_MS after, 0 by default) unless told
#    to wait. Clients honour Retry-After as the SDK's do (scripts/surge.lua; RETRY=0 ignores
#    it). Paced connections (DELAY_MS > 0) do not reach high rates with wrk: its timer list
#    is walked per event, so thousands of paced connections saturate wrk, not the service.
# Per level: attempts/s (what was offered, as wrk sent it), served/s, shed/s (503),
# limited/s (429), back-offs (Retry-After waits taken), errors (anything else, socket errors
# included), p50/p99 of all answers (wrk), p50/p99 of served requests and p99/max of shed
# answers (the service's own histograms, bucket upper bounds), the service's anonymous RSS, and the
# adaptive in-flight bound at the end of the level.
#
#   scripts/surge.sh            # the full benchmark: 1,000,000 holders, 20 s per level
#   scripts/surge.sh --ci       # small and short; asserts that shedding happens and that
#                               # nothing but 200/503/429 is answered. No timings asserted.
#
# Environment: HOLDERS, DURATION (wrk -d), CONNECTIONS (closed loop), DELAY_MS (pacing),
# RETRY_AFTER (the service's --shed-retry-after, seconds), RETRY (0: clients ignore it).
set -euo pipefail
cd "$(dirname "$0")/.."

ci=0
[ "${1:-}" = "--ci" ] && ci=1
if [ $ci = 1 ]; then
    HOLDERS=${HOLDERS:-2000}; DURATION=${DURATION:-3s}
    # CI asserts shedding: a bound it must exceed, and clients that do not back off.
    extra=(--max-in-flight 8 --min-in-flight 2); export RETRY=${RETRY:-0}
else
    HOLDERS=${HOLDERS:-1000000}; DURATION=${DURATION:-20s}; extra=()
fi
CONNECTIONS=${CONNECTIONS:-128}
DELAY_MS=${DELAY_MS:-0}
RETRY_AFTER=${RETRY_AFTER:-4}

if ! command -v wrk >/dev/null; then
    if [ "$(id -u)" -ne 0 ]; then echo "surge: install wrk (apt-get install wrk)" >&2; exit 1; fi
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi

# CI checks behaviour, not speed: the debug build the test suite made already will do.
if [ $ci = 1 ]; then profile=debug; flags=(); else profile=release; flags=(--release); fi
cargo build "${flags[@]}" -q -p qrseal-service --bin qrseal-service --example seed --example bare
bin=target/$profile/qrseal-service
seed=target/$profile/examples/seed
bare=target/$profile/examples/bare

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

# Starts a server command that prints "... listening on ADDR"; sets pid and addr.
serve() {
    "$@" >"$tmp/out" 2>"$tmp/err" &
    pid=$!
    for _ in $(seq 300); do grep -q listening "$tmp/out" 2>/dev/null && break; sleep 0.1; done
    addr=$(sed -n 's/^.* listening on //p' "$tmp/out")
    [ -n "$addr" ] || { cat "$tmp/err" >&2; exit 1; }
}
stop() { kill "$pid"; wait "$pid" 2>/dev/null || true; pid=; }

metrics() { if [ "$1" = none ]; then : >"$2"; else curl -s "http://$addr/metrics" >"$2"; fi; }

# One level: LABEL CONNECTIONS DELAY [none]; prints a table row and checks the statuses.
run_level() {
    local label=$1 conns=$2 delay=$3 m=${4:-service}
    [ "$m" = service ] && "$seed" "$db" "$tmp/keys" 0 --restale >/dev/null
    metrics "$m" "$tmp/before"
    HOLDERS=$HOLDERS DELAY_MS=$delay wrk -t2 -c"$conns" -d"$DURATION" --timeout 10s \
        -s scripts/surge.lua "http://$addr" >"$tmp/wrk" 2>&1
    metrics "$m" "$tmp/after"
    local rss
    # Anonymous memory only: SQLite's memory map of the database file would count in RSS
    # as page cache the kernel may drop at will.
    rss=$(awk '/^RssAnon:/ {print $2}' "/proc/$pid/status")
    python3 - "$label" "$conns" "$rss" "$tmp/wrk" "$tmp/before" "$tmp/after" <<'PY'
import re, sys
label, conns, rss, wrk, before, after = sys.argv[1:]
out = open(wrk).read()
status = {int(a): int(b) for a, b in re.findall(r"^status (\d+) (\d+)$", out, re.M)}
val = lambda k: int(re.search(rf"^{k} (\d+)$", out, re.M).group(1))
secs = val("duration_us") / 1e6
def buckets(path, name, want):
    b = {}
    for line in open(path):
        m = re.match(name + r'_bucket\{(.*)\} (\S+)', line)
        if m and want in m.group(1):
            le = re.search(r'le="([^"]+)"', m.group(1)).group(1)
            b[float("inf") if le == "+Inf" else float(le)] = float(m.group(2))
    return b
def hist(name, want=""):
    b0, b1 = buckets(before, name, want), buckets(after, name, want)
    delta = sorted((le, b1.get(le, 0) - b0.get(le, 0)) for le in b1)
    total = delta[-1][1] if delta else 0
    def q(p):
        for le, n in delta:
            if total and n >= p * total:
                return le * 1000
        return float("nan")
    return q
def line(path, name):
    m = re.search(rf"^{name} (\S+)$", open(path).read(), re.M)
    return m.group(1) if m else "-"
served_q = hist("qrseal_request_duration_seconds", 'route="/v1/token"')
shed_q = hist("qrseal_shed_duration_seconds")
served, shed, limited = status.get(200, 0), status.get(503, 0), status.get(429, 0)
errors = sum(n for s, n in status.items() if s not in (200, 503, 429)) + val("socket_errors")
fmt = lambda x: "-" if x != x else f"≤{x:g}"
print(f"| {label} | {conns} | {sum(status.values())/secs:,.0f} | {served/secs:,.0f} | {shed/secs:,.0f} | "
      f"{limited/secs:,.0f} | {val('backoffs'):,} | {errors} | {val('p50_us')/1000:.2f} / {val('p99_us')/1000:.2f} | "
      f"{fmt(served_q(0.5))} / {fmt(served_q(0.99))} | {fmt(shed_q(0.99))} / {fmt(shed_q(1.0))} | "
      f"{int(rss)//1024} | {line(after, 'qrseal_in_flight_limit')} |")
open(wrk + ".served", "w").write(f"{served/secs}\n{shed}\n{errors}\n")
PY
}

echo "| load | connections | attempts/s | served/s | shed/s (503) | limited/s (429) | back-offs | errors | p50/p99 all answers, ms (wrk) | p50/p99 served, ms (service) | p99/max shed, ms (service) | RSS (anon) MiB | in-flight bound |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
fail=0
serve "$bare" "$tmp/keys" "$HOLDERS" 127.0.0.1:0
run_level "bare axum anchor" "$CONNECTIONS" 0 none
anchor=$(head -1 "$tmp/wrk.served" | cut -d. -f1)
stop

serve "$bin" --listen 127.0.0.1:0 --database-url "$db" --keys "$tmp/keys" \
    --admin-token-file "$tmp/admin" --shed-retry-after "$RETRY_AFTER" \
    --publish-interval 1h "${extra[@]}"
run_level "1x (saturation)" "$CONNECTIONS" "$DELAY_MS"
sat=$(head -1 "$tmp/wrk.served" | cut -d. -f1)
[ "$(sed -n 3p "$tmp/wrk.served")" = 0 ] || fail=1
shed_total=$(sed -n 2p "$tmp/wrk.served")
for mult in 2 5 10; do
    run_level "${mult}x" $((CONNECTIONS * mult)) "$DELAY_MS"
    [ "$(sed -n 3p "$tmp/wrk.served")" = 0 ] || fail=1
    shed_total=$((shed_total + $(sed -n 2p "$tmp/wrk.served")))
done
echo
echo "service saturation / bare anchor, served per second: $sat / $anchor = $(python3 -c "print(f'{$sat/max($anchor,1):.2f}')")"
if [ $ci = 1 ]; then
    [ $fail = 0 ] || { echo "surge: answers other than 200/503/429 seen" >&2; exit 1; }
    [ "$shed_total" -gt 0 ] || { echo "surge: nothing was shed under 10x load" >&2; exit 1; }
    echo "surge --ci: shedding seen ($shed_total answers 503), no other failure"
fi
[ $fail = 0 ]
