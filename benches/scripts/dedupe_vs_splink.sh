#!/usr/bin/env bash
# Vigie against Splink 5 on the same generated file, same machine, same sitting: whole-process
# wall time and peak RSS (GNU time), then pairwise precision / recall / F1 of both clusterings
# (shared/peers/score.py) and Vigie's auto-link precision (vigie evaluate).
# usage: benches/scripts/dedupe_vs_splink.sh PERSONS [WORK_DIR]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
persons=${1:?persons}
work=${2:-/tmp/vigie-bench-$persons}
venv=${PEERS_VENV:-$HOME/.cache/vigie-peers}
vigie=${VIGIE:-${CARGO_TARGET_DIR:-$HOME/.cache/vigie/target}/release/vigie}
peers=${PEERS_DIR:-$root/../shared/peers}
mkdir -p "$work"
[ -f "$work/records.csv" ] || "$vigie" generate --persons "$persons" --seed 42 --out "$work"
echo "records: $(($(wc -l < "$work/records.csv") - 1))"
/usr/bin/time -f "vigie wall_s=%e peak_rss_kb=%M" "$vigie" dedupe --input "$work/records.csv" \
  --output "$work/vigie.csv" --pairs "$work/vigie-pairs.csv" 2> "$work/vigie.log" || { cat "$work/vigie.log"; exit 1; }
tail -n 1 "$work/vigie.log"
if [ -z "${SKIP_SPLINK:-}" ]; then
  /usr/bin/time -f "splink wall_s=%e peak_rss_kb=%M" "$venv/bin/python" "$peers/splink_dedupe.py" \
    "$work/records.csv" "$work/splink.csv" > "$work/splink.log" 2>&1 || { tail "$work/splink.log"; exit 1; }
  tail -n 2 "$work/splink.log"
fi
echo "== vigie";  python3 "$peers/score.py" "$work/truth.csv" "$work/vigie.csv"
"$vigie" evaluate --truth "$work/truth.csv" --clusters "$work/vigie.csv" --pairs "$work/vigie-pairs.csv"
if [ -z "${SKIP_SPLINK:-}" ]; then echo "== splink"; python3 "$peers/score.py" "$work/truth.csv" "$work/splink.csv"; fi
