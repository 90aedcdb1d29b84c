#!/usr/bin/env bash
# The 10M-row memory check: builds u10m-inline.xlsx by repeating the data rows of the
# 1M-row inline file ten times (the generator would need well over an hour for 10M rows;
# row numbers repeat, which the reader does not mind and which keeps this a quick copy;
# order numbers get the copy's number, so the ledger sees 10M distinct orders), with
# exact expected totals (ten times the 1M ones), then reads it once and records it.
# Usage: scripts/bench-10m.sh [cache-dir]   (needs u1m-inline.xlsx/.json there;
# GENERATE_ONLY=1 stops after writing the file)
set -euo pipefail
cache="${1:-bench-cache}"
source_file="$cache/u1m-inline.xlsx"
target="$cache/u10m-inline.xlsx"
[ -f "$source_file" ] || { echo "missing $source_file: run scripts/bench.sh first" >&2; exit 1; }
if [ ! -f "$target" ]; then
  python3 - "$source_file" "$cache/u1m-inline.json" "$target" "$cache/u10m-inline.json" <<'PY'
import json, sys, zipfile
from decimal import Decimal
source, source_json, target, target_json = sys.argv[1:5]
copies = 10
with zipfile.ZipFile(source) as zin:
    sheet = next(n for n in zin.namelist() if n.startswith("xl/worksheets/") and n.endswith(".xml"))
    # Prefix up to the end of the header row, then the data rows, then the suffix.
    head = b""
    with zin.open(sheet) as f:
        while b"</row>" not in head:
            head += f.read(1 << 16)
    cut = head.index(b"</row>") + len(b"</row>")
    prefix = head[:cut]
    tmp = target + ".partial"
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zout:
        for name in zin.namelist():
            if name != sheet:
                zout.writestr(zin.getinfo(name), zin.read(name))
        with zout.open(sheet, "w", force_zip64=True) as out:
            out.write(prefix)
            tail = b""
            for copy in range(copies):
                with zin.open(sheet) as f:
                    f.read(cut)
                    carry = b""
                    while True:
                        chunk = f.read(8 << 20)
                        if not chunk:
                            break
                        data = carry + chunk
                        end = data.rfind(b"</row>")
                        if end < 0:
                            carry = data
                            continue
                        end += len(b"</row>")
                        rows = data[:end]
                        if copy > 0:  # order numbers start with "UO": make each copy's its own
                            rows = rows.replace(b"<is><t>UO", b"<is><t>U%dO" % copy)
                        out.write(rows)
                        carry = data[end:]
                    tail = carry  # "</sheetData>...</worksheet>" after the last row
                print(f"copy {copy + 1}/{copies} written", flush=True)
            out.write(tail)
    import os
    os.replace(tmp, target)
expected = json.load(open(source_json))
expected["rows"] *= copies
expected["total_count"] *= copies
for group in expected["groups"]:
    group["count"] *= copies
    group["sum"] = str(Decimal(group["sum"]) * copies)
json.dump(expected, open(target_json, "w"), indent=1)
PY
fi
[ "${GENERATE_ONLY:-}" = 1 ] && exit 0
swift build -c release --product unpaidd-bench
.build/release/unpaidd-bench xlsx --file "$target" --expected "$cache/u10m-inline.json" --max-sheet-gib 64
.build/release/unpaidd-bench ledger --xlsx "$target" --max-sheet-gib 64
