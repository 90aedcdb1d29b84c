#!/usr/bin/env bash
# Memory soak: the daemon (`unpaidd run`, release build) with a job firing every second
# against the loopback simulator, whose customers pay and spend every 30 s so snapshots
# change and alerts go out to the simulator's webhook inbox. Samples the daemon's RSS
# from /proc every SAMPLE seconds into rss.csv and prints the curve; stops itself (and
# everything it started) after SECONDS. Only 127.0.0.1 is used.
# Usage: scripts/soak.sh [SECONDS=300] [SAMPLE=5] [STATE_DIR=a new /tmp dir]
#   BIN=.build/release ORGS=4 ORDERS=2000 scripts/soak.sh 3600 10
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-300}"
sample="${2:-5}"
state="${3:-$(mktemp -d /tmp/unpaidd-soak-XXXXXX)}"
bin="${BIN:-.build/release}"
orgs="${ORGS:-4}"
orders="${ORDERS:-2000}"
mkdir -p "$state"
umask 077
for program in unpaidd unpaidd-sim; do
  [ -x "$bin/$program" ] || { echo "no $bin/$program: swift build -c release first" >&2; exit 1; }
done

public_key="soak-public-key"
head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$state/private-key"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT

"$bin/unpaidd-sim" --port 0 --port-file "$state/sim.port" --public-key "$public_key" \
  --private-key-file "$state/private-key" --orgs "$orgs" --orders-per-org "$orders" > "$state/sim.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do [ -s "$state/sim.port" ] && break; sleep 0.1; done
[ -s "$state/sim.port" ] || { echo "the simulator did not start:" >&2; cat "$state/sim.log" >&2; exit 1; }
port="$(cat "$state/sim.port")"
organizations="$(seq -s, 100001 $((100000 + orgs)))"

cat > "$state/unpaidd.toml" <<TOML
timezone = "Asia/Shanghai"
[api]
endpoint = "http://127.0.0.1:$port/"
allow_http_loopback = true
public_key = "$public_key"
private_key_file = "$state/private-key"
[storage]
database = "$state/ledger.sqlite"
archive_dir = "$state/archive"
[download]
allowed_hosts = ["127.0.0.1"]
[[job]]
name = "soak"
organizations = [$organizations]
period = "month-to-date"
schedule = "@every 1s"
catch_up = "none"
[[target]]
name = "inbox"
format = "standard"
url = "http://127.0.0.1:$port/_sim/webhooks/inbox"
secret = "whsec_c29hay10ZXN0LXNlY3JldC0wMTIzNDU2Nzg5"
[[alert]]
name = "changed"
on = "any-change"
targets = ["inbox"]
TOML

"$bin/unpaidd" run --config "$state/unpaidd.toml" --log-level warning > "$state/daemon.log" 2>&1 &
daemon=$!
pids+=("$daemon")

echo "elapsed_s,rss_kib" > "$state/rss.csv"
start=$(date +%s)
phase=1
next_flip=$((start + 30))
while now=$(date +%s); [ $((now - start)) -lt "$seconds" ]; do
  kill -0 "$daemon" 2>/dev/null || { echo "the daemon exited:" >&2; tail -20 "$state/daemon.log" >&2; exit 1; }
  rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$daemon/status")
  echo "$((now - start)),$rss" >> "$state/rss.csv"
  if [ "$now" -ge "$next_flip" ]; then
    phase=$((3 - phase))
    curl -s -o /dev/null -X POST --data "{\"phase\":$phase}" "http://127.0.0.1:$port/_sim/phase" || true
    next_flip=$((now + 30))
  fi
  sleep "$sample"
done
kill -TERM "$daemon"
wait "$daemon" || true

runs=$("$bin/unpaidd" runs --config "$state/unpaidd.toml" --format csv | tail -n +2 | wc -l)
echo "state: $state; runs: $runs; RSS (KiB) over time:"
awk -F, 'NR > 1 { rows[++n] = $0 } END {
  marks[1] = 1; marks[2] = int(n / 6) + 1; marks[3] = int(n / 2) + 1; marks[4] = n
  for (i = 1; i <= 4; i++) { split(rows[marks[i]], f, ","); printf "  %6d s  %8d KiB\n", f[1], f[2] }
}' "$state/rss.csv"
