#!/usr/bin/env bash
# make demo: the main job end to end against the loopback simulator.
# Starts unpaidd-sim, runs every job once, lets the simulated customers pay some
# orders and run up new ones, runs again, and prints the ledger's history.
set -euo pipefail
cd "$(dirname "$0")/.."

bin="$(swift build --show-bin-path)"
state="$PWD/demo-state"
rm -rf "$state"
mkdir -p "$state"
umask 077

# The simulator plays the cloud: it knows this key pair and verifies every signature.
public_key="demo-public-key"
head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$state/private-key"
chmod 600 "$state/private-key"
webhook_secret="whsec_$(head -c 32 /dev/urandom | base64 | tr -d '\n')"

# The job fetches the month so far in Shanghai: the simulated orders start inside it, so the
# demo shows the same story on the 1st of a month as on the 30th.
month_start="$(TZ=Asia/Shanghai date -d "$(TZ=Asia/Shanghai date +%Y-%m-01)" +%s)"
"$bin/unpaidd-sim" --port 0 --port-file "$state/sim.port" \
  --public-key "$public_key" --private-key-file "$state/private-key" --earliest-start "$month_start" \
  > "$state/sim.log" 2>&1 &
sim_pid=$!
trap 'kill $sim_pid 2>/dev/null; wait $sim_pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do [ -s "$state/sim.port" ] && break; sleep 0.1; done
[ -s "$state/sim.port" ] || { echo "the simulator did not start:"; cat "$state/sim.log"; exit 1; }
port="$(cat "$state/sim.port")"

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
name = "month-to-date"
organizations = [100001, 100002, 100003, 100004]
period = "month-to-date"

# The simulator also plays the receivers: a chat robot and a signed incident webhook.
[[target]]
name = "finance-chat"
format = "slack"
url = "http://127.0.0.1:$port/_sim/webhooks/finance-chat"

[[target]]
name = "incidents"
format = "standard"
url = "http://127.0.0.1:$port/_sim/webhooks/incidents"
secret = "$webhook_secret"

[[alert]]
name = "unpaid-changed"
on = "any-change"
targets = ["finance-chat", "incidents"]
TOML

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "unpaidd check-config"
"$bin/unpaidd" check-config --config "$state/unpaidd.toml"

step "unpaidd run --once   (phase 1: the organizations' unpaid orders as first seen)"
"$bin/unpaidd" run --once --config "$state/unpaidd.toml"

step "the simulated customers pay some orders and run up new ones (simulator phase 2)"
curl -fsS -X POST -H 'Content-Type: application/json' -d '{"phase":2}' "http://127.0.0.1:$port/_sim/phase"
echo

step "unpaidd run --once   (phase 2)"
"$bin/unpaidd" run --once --config "$state/unpaidd.toml"

step "unpaidd history   (one line per snapshot and currency, exact totals)"
"$bin/unpaidd" history --config "$state/unpaidd.toml"

step "unpaidd alerts   (each alert's identity and state, kept in the ledger)"
"$bin/unpaidd" alerts --config "$state/unpaidd.toml"

step "unpaidd deliveries   (the durable outbox: one row per message and target)"
"$bin/unpaidd" deliveries --config "$state/unpaidd.toml"

step "alerts received by the local webhook receivers"
curl -fsS "http://127.0.0.1:$port/_sim/webhooks"

step "the archive"
(cd "$state/archive" && find . -type f -name '*.xlsx' | sort)

echo
echo "State is in $state (config, ledger, archive, simulator log)."
