#!/usr/bin/env bash
# The issuer service's test suite on both databases: first SQLite (a file per test), then a
# throwaway PostgreSQL cluster on 127.0.0.1 that this script creates, and always stops and
# deletes, even when a test fails. Installs Debian's postgresql package when missing (as
# root). Then the short surge (scripts/surge.sh --ci): shedding happens, nothing else fails.
# Extra arguments go to `cargo test` (e.g. a test name) and skip the surge.
set -euo pipefail
cd "$(dirname "$0")/.."

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
if [ -z "$(pg_bin)" ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "service-test: PostgreSQL is not installed; run as root or: apt-get install postgresql" >&2
        exit 1
    fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null
fi
PGBIN=$(pg_bin)

# PostgreSQL refuses to run as root: run the cluster as the postgres user when we are root.
as_pg() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

echo "== service tests on SQLite"
cargo test -p qrseal-service --all-features "$@"

tmp=$(mktemp -d)
cleanup() {
    as_pg "$PGBIN/pg_ctl" -D "$tmp/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$tmp"
}
trap cleanup EXIT
[ "$(id -u)" -eq 0 ] && chown postgres "$tmp"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
as_pg "$PGBIN/initdb" -D "$tmp/data" -U qrseal --auth=trust -E UTF8 >/dev/null
as_pg "$PGBIN/pg_ctl" -D "$tmp/data" -l "$tmp/server.log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $tmp -c max_connections=300" start >/dev/null

echo "== service tests on PostgreSQL (127.0.0.1:$port)"
QRSEAL_TEST_POSTGRES_URL="postgres://qrseal@127.0.0.1:$port/postgres" \
    cargo test -p qrseal-service --all-features "$@"

if [ $# -eq 0 ]; then
    echo "== short surge (asserts behaviour, not speed)"
    scripts/surge.sh --ci
fi
