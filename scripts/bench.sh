#!/usr/bin/env bash
# make bench: generates the 1M-row exports once (inline strings, and a shared-string
# table) with the project's generator in a venv, caches them with their exact expected
# totals, then runs the xlsx, pipeline and ledger benchmarks in a release build.
# Usage: scripts/bench.sh [cache-dir]   (default bench-cache/, gitignored)
set -euo pipefail
cd "$(dirname "$0")/.."
cache="${1:-bench-cache}"
rows=1000000
tool="${UNPAIDD_SHARED:-../shared}/tools/make_unpaid_xlsx.py"
mkdir -p "$cache"

generate() {  # variant, extra generator flags...
  local variant="$1"; shift
  local file="$cache/u1m-$variant.xlsx"
  [ -s "$file" ] && [ -s "$cache/u1m-$variant.json" ] && return 0
  if [ ! -x "$cache/venv/bin/python" ]; then
    python3 -m venv "$cache/venv"
    "$cache/venv/bin/pip" install --quiet xlsxwriter openpyxl
  fi
  echo "generating $file (several minutes; cached afterwards)"
  "$cache/venv/bin/python" "$tool" --rows "$rows" --seed 1 "$@" \
    --out "$file.partial.xlsx" --expected "$cache/u1m-$variant.json"
  mv "$file.partial.xlsx" "$file"
}
generate inline
generate shared --shared-strings

swift build -c release --product unpaidd-bench
uptime
# One process per benchmark: a peak RSS is a process's, and one step's freed memory
# would otherwise count in the next step's peak.
bench=.build/release/unpaidd-bench
$bench xlsx --cache-dir "$cache"; echo
$bench pipeline; echo
$bench ledger; echo
$bench ledger --xlsx "$cache/u1m-inline.xlsx"
echo
# Twice: the first run builds the 30-day ledger (cached in the cache folder), the second
# measures verify alone in its process.
$bench verify --directory "$cache/verify"; echo
$bench verify --directory "$cache/verify"
echo
# The audit queries: the ledgers (the 1M-row export plus 30 days of 1% churn; 200
# organizations of 90 snapshots) are built once into the cache, then each query runs
# in a process of its own (its peak RSS is its own). Each line names its target.
$bench audit --directory "$cache/audit" --xlsx "$cache/u1m-inline.xlsx" --query rollforward
for query in orders aging report; do
  echo; $bench audit --directory "$cache/audit" --xlsx "$cache/u1m-inline.xlsx" --query "$query"
done

# The PostgreSQL ledger, only against a server the caller runs (everything above needs
# none): UNPAIDD_BENCH_POSTGRES_URL=postgresql://USER@HOST:PORT/DB of a bench-only database,
# and the password, if the server asks for one, in UNPAIDD_BENCH_POSTGRES_PASSWORD.
if [ -n "${UNPAIDD_BENCH_POSTGRES_URL:-}" ]; then
  password=()
  [ -n "${UNPAIDD_BENCH_POSTGRES_PASSWORD:-}" ] && password=(--password-env UNPAIDD_BENCH_POSTGRES_PASSWORD)
  echo; $bench postgres-ledger --url "$UNPAIDD_BENCH_POSTGRES_URL" "${password[@]}" --xlsx "$cache/u1m-inline.xlsx"
fi
