#!/usr/bin/env bash
# HTTP load on the MPI server: PDQm searches (`GET /fhir/Patient?family=&given=&birthdate=`) and
# PIXm queries (`GET /fhir/Patient/$ihe-pix?sourceIdentifier=`) driven by wrk, with requests
# taken from the generated file that was imported into the store (so every PIXm id exists and
# PDQm criteria are those of real records, some with a typo).
#
# usage: benches/scripts/http.sh STORE_DIR RECORDS_CSV [WORK_DIR]
#   STORE_DIR    a store made by `vigie import --input RECORDS_CSV --data-dir STORE_DIR`
#   RECORDS_CSV  that file (from `vigie generate`); its `source` values become the server's
#                domains, with FHIR systems urn:vigie:<source>
#   WORK_DIR     config, request lists and server log (default /tmp/vigie-http)
# environment:
#   VIGIE_URL     use a server already running there (e.g. http://127.0.0.1:8080) instead of
#                 starting one; it must declare the file's sources as domains with systems
#                 urn:vigie:<source> and allow the client (e.g. allow_anonymous_loopback)
#   HTTP_ADDR     address of the server started here (default 127.0.0.1:18080; its MLLP
#                 listener on MLLP_ADDR, default 127.0.0.1:12575)
#   THREADS (2) CONNECTIONS (8) DURATION (30s) WARMUP (5s)  wrk settings
#   COUNT (20000) SEED (1)  number of request paths per list and sampling seed
#   ONLY          pdqm or pixm to run one of the two
#   RECALL (1000) after the PDQm run, how many of its searches benches/scripts/pdq_recall.py
#                 checks for the patient each was drawn from (0: none)
# Release binaries are built first (vigie-server, vigie-mllp-load, which writes the lists).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
store=$(realpath "${1:?store dir}")
records=$(realpath "${2:?records csv}")
work=${3:-/tmp/vigie-http}
threads=${THREADS:-2}
connections=${CONNECTIONS:-8}
duration=${DURATION:-30s}
warmup=${WARMUP:-5s}
count=${COUNT:-20000}
seed=${SEED:-1}
http_addr=${HTTP_ADDR:-127.0.0.1:18080}
target=${CARGO_TARGET_DIR:-$HOME/.cache/vigie/target}
command -v wrk >/dev/null || { echo "wrk not found (apt-get install wrk)" >&2; exit 1; }
[ -d "$store" ] || { echo "no store at $store" >&2; exit 1; }
mkdir -p "$work"

(cd "$root" && cargo build --release --locked -p vigie-server --bin vigie-server --bin vigie-mllp-load)
server_bin="$target/release/vigie-server"
load_bin="$target/release/vigie-mllp-load"

# Request lists: the same deterministic sample as the MLLP load tool's --from mode.
"$load_bin" --mode pdq --from "$records" --seed "$seed" --count "$count" --write-paths "$work/pdqm.txt"
"$load_bin" --mode pix --from "$records" --seed "$seed" --count "$count" --write-paths "$work/pixm.txt" \
  --system-prefix urn:vigie:

. "$root/benches/scripts/lib-server.sh"
trap stop_server EXIT
if [ -n "${VIGIE_URL:-}" ]; then
  url=$VIGIE_URL
else
  url="http://$http_addr"
  write_config "$work/vigie-http.toml" "$store" "$records" "$http_addr" "${MLLP_ADDR:-127.0.0.1:12575}"
  start_server "$server_bin" "$work/vigie-http.toml" "$url" "$work/server.log"
fi

lua="$root/benches/scripts/wrk/replay.lua"
run() {
  local name=$1 list=$2
  echo "== $name: $(wc -l < "$list") request paths, wrk -t$threads -c$connections -d$duration" >&2
  WRK_THREADS=$threads wrk -t"$threads" -c"$connections" -d"$warmup" -s "$lua" "$url" -- "$list" >/dev/null
  WRK_THREADS=$threads wrk -t"$threads" -c"$connections" -d"$duration" --latency -s "$lua" "$url" -- "$list"
}
if [ "${ONLY:-pdqm}" != pixm ]; then
  run pdqm "$work/pdqm.txt"
  if [ "${RECALL:-1000}" -gt 0 ]; then
    echo "== pdqm: is the patient found? (first ${RECALL:-1000} searches, one at a time)" >&2
    head -n "${RECALL:-1000}" "$work/pdqm.txt.expected" > "$work/recall.expected"
    python3 "$root/benches/scripts/pdq_recall.py" "$work/recall.expected" "$url"
  fi
fi
[ "${ONLY:-pixm}" = pdqm ] || run pixm "$work/pixm.txt"
