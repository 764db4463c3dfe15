#!/usr/bin/env bash
# The collection flow end to end against the real issuer service (SQLite): enrol a site,
# scan people into tubes with `qrseal collect`, upload with `qrseal upload`, and check the
# service holds each tube exactly once, including an upload whose answer was lost (the
# service stored the tube, the journal did not mark it: the retry gets 200 and nothing is
# stored twice) and a service killed with SIGKILL and restarted before the upload.
#
#   scripts/collect-e2e.sh
#
# Needs python3 (for the HTTP calls the script itself makes); builds the CLI and the service.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

cargo build -q -p qrseal-cli -p qrseal-service
Q=$ROOT/target/debug/qrseal
S=$ROOT/target/debug/qrseal-service
W=$(mktemp -d)
service_pid=
cleanup() {
  [[ -z $service_pid ]] || kill "$service_pid" 2>/dev/null || true
  [[ -z $service_pid ]] || wait "$service_pid" 2>/dev/null || true
  rm -rf "$W"
}
trap cleanup EXIT
cd "$W"

fail() { echo "collect-e2e: FAILED: $*" >&2; exit 1; }

# http METHOD URL TOKEN [BODY_FILE]: prints "STATUS BODY".
http() {
  python3 - "$@" <<'PY'
import sys, urllib.request, urllib.error
method, url, token = sys.argv[1:4]
data = open(sys.argv[4], "rb").read() if len(sys.argv) > 4 else None
req = urllib.request.Request(url, data=data, method=method,
                             headers={"Authorization": "Bearer " + token,
                                      "Content-Type": "application/json"})
try:
    with urllib.request.urlopen(req, timeout=10) as r:
        print(r.status, r.read().decode())
except urllib.error.HTTPError as e:
    print(e.code, e.read().decode())
PY
}

start_service() {
  "$S" --listen "127.0.0.1:$port" --keys keys --admin-token-file admin.token \
    --database-url "$W/service.db" >service.log 2>&1 &
  service_pid=$!
  for _ in $(seq 100); do
    grep -q "listening" service.log 2>/dev/null && return 0
    sleep 0.1
  done
  cat service.log >&2
  fail "the service did not start"
}

"$Q" keygen --dir keys >/dev/null
echo "e2e-admin-token-0123456789" >admin.token
ADMIN=$(cat admin.token)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
URL=http://127.0.0.1:$port
start_service

echo "--> enrol the site"
echo '{"site":"site-7"}' >site.json
read -r status body < <(http POST "$URL/v1/sites" "$ADMIN" site.json)
[[ $status == 201 ]] || fail "POST /v1/sites answered $status $body"
python3 -c 'import json, sys; print(json.loads(sys.argv[1])["credential"])' "$body" >site.credential

echo "--> collect: two tubes sealed (one full, one by hand), one tube left open"
printf 'id,colour\n' >people.csv
for i in 1 2 3 4 5; do printf '1101011990000000%sX,green\n' "$i" >>people.csv; done
"$Q" issue-batch --keys keys --input people.csv --output tokens.csv 2>/dev/null
cut -d, -f2 tokens.csv | tail -n +2 >scans.txt
collect() { "$Q" collect --journal site.qsj --keys keys --site site-7 --device gate-2 --tube-size 2; }
{ echo TUBE:T-0001; sed -n 1,2p scans.txt; echo TUBE:T-0002; sed -n 3p scans.txt; echo SEAL; } | collect
{ echo TUBE:T-0003; sed -n 4p scans.txt; } | collect

echo "--> an upload whose answer was lost: the service stores tube 1, the journal does not know"
"$Q" upload --journal site.qsj --list >pending.txt
[[ $(wc -l <pending.txt) == 4 ]] || fail "expected 2 pending batches: $(cat pending.txt)"
key1=$(sed -n 1p pending.txt)
sed -n 2p pending.txt >batch1.json
read -r status body < <(http POST "$URL/v1/samples" "$(cat site.credential)" batch1.json)
[[ $status == 201 ]] || fail "first POST answered $status $body"

echo "--> the service is killed (SIGKILL) and restarted"
kill -9 "$service_pid"
wait "$service_pid" 2>/dev/null || true
service_pid=
start_service

echo "--> qrseal upload: tube 1 again (200, stored once), tube 2 (201)"
"$Q" upload --journal site.qsj --url "$URL" --credential-file site.credential | tee upload.txt
[[ $(grep -c '^UPLOADED' upload.txt) == 2 ]] || fail "expected two UPLOADED lines"
grep -q "^UPLOADED $key1 " upload.txt || fail "tube 1 not acknowledged"
[[ -z $("$Q" upload --journal site.qsj --list) ]] || fail "batches left pending"
"$Q" upload --journal site.qsj --url "$URL" --credential-file site.credential >again.txt
[[ ! -s again.txt ]] || fail "a second upload sent something: $(cat again.txt)"

echo "--> the service holds each tube once"
for t in T-0001:2 T-0002:1; do
  read -r status body < <(http GET "$URL/v1/samples/${t%%:*}" "$ADMIN")
  [[ $status == 200 ]] || fail "GET ${t%%:*} answered $status $body"
  n=$(python3 -c 'import json, sys; print(len(json.loads(sys.argv[1])["samples"]))' "$body")
  [[ $n == "${t##*:}" ]] || fail "${t%%:*} holds $n samples"
done
read -r status _ < <(http GET "$URL/v1/samples/T-0003" "$ADMIN")
[[ $status == 404 ]] || fail "the open tube T-0003 was uploaded"
python3 - "$W/service.db" <<'PY' || fail "the database holds other rows than the two tubes once"
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
batches = db.execute("select tube, count(*) from sample_batches group by tube order by tube").fetchall()
samples = db.execute("select count(*) from samples").fetchone()[0]
print(f"sample_batches: {batches}; samples: {samples}")
assert batches == [("T-0001", 1), ("T-0002", 1)] and samples == 3
PY
echo "collect-e2e: OK"
