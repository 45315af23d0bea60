#!/usr/bin/env bash
# The persistent MPI on 2 cores: bulk load of a generated population into a fresh store
# (`vigie import`: wall time, peak RSS, size on disk), then sustained durable registrations of new
# identities and demographic searches against it (`vigie-engine-load`: throughput, p50/p99).
# usage: benches/scripts/engine.sh PERSONS [WORK_DIR] [THREADS]
#   PERSONS=666667 makes ~1,000,000 records (the issue's figure). Release binaries are built first.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
persons=${1:?persons}
work=${2:-/tmp/vigie-engine-$persons}
threads=${3:-4}
target=${CARGO_TARGET_DIR:-$HOME/.cache/vigie/target}
(cd "$root" && cargo build --release --locked -p vigie-cli -p vigie-benches --bin vigie --bin vigie-engine-load)
vigie="$target/release/vigie"
load="$target/release/vigie-engine-load"
mkdir -p "$work"
[ -f "$work/base/records.csv" ] || "$vigie" generate --persons "$persons" --seed 42 --out "$work/base"
[ -f "$work/new/records.csv" ] || "$vigie" generate --persons 20000 --seed 7 --out "$work/new"
echo "records: $(($(wc -l < "$work/base/records.csv") - 1))"
rm -rf "$work/store"
/usr/bin/time -f "import wall_s=%e peak_rss_kb=%M" "$vigie" import --quiet --input "$work/base/records.csv" \
  --data-dir "$work/store" 2>&1 | tail -n 2
echo "store size on disk: $(du -sh "$work/store" | cut -f1) ($(du -sk "$work/store" | cut -f1) KiB)"
"$vigie" verify --data-dir "$work/store" | tail -n 2
"$load" --data-dir "$work/store" --input "$work/new/records.csv" --count 20000 --threads "$threads" \
  --searches 5000 --seconds 120
