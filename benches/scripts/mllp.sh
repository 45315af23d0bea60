#!/usr/bin/env bash
# MLLP load on the MPI server: ITI-9 PIX and ITI-21 PDQ queries from `vigie-mllp-load`, taken
# from the generated file that was imported into the store (`--from`, deterministic `--seed`).
#
# usage: benches/scripts/mllp.sh STORE_DIR RECORDS_CSV [WORK_DIR]
#   STORE_DIR, RECORDS_CSV  as for http.sh (a store imported from that file)
#   WORK_DIR     config and server log (default /tmp/vigie-mllp)
# environment:
#   VIGIE_MLLP    use a server already listening there (e.g. 127.0.0.1:2575) instead of
#                 starting one; it must declare the file's sources as domains (namespaces)
#   MLLP_ADDR (127.0.0.1:12575) HTTP_ADDR (127.0.0.1:18080)  addresses of the server started here
#   CONNECTIONS (8) COUNT (20000) DURATION_S (60) SEED (1)     vigie-mllp-load settings
#   ONLY          pix, pdq or feed to run one of them
#   FEED_RECORDS  a generated file NOT in the store (e.g. `vigie generate --persons 20000 --seed 7`):
#                 after the queries, its records are fed as ADT^A01 (ITI-8, durable), at most
#                 COUNT of them (no feed run without it)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
store=$(realpath "${1:?store dir}")
records=$(realpath "${2:?records csv}")
work=${3:-/tmp/vigie-mllp}
connections=${CONNECTIONS:-8}
count=${COUNT:-20000}
seconds=${DURATION_S:-60}
seed=${SEED:-1}
http_addr=${HTTP_ADDR:-127.0.0.1:18080}
target=${CARGO_TARGET_DIR:-$HOME/.cache/vigie/target}
[ -d "$store" ] || { echo "no store at $store" >&2; exit 1; }
mkdir -p "$work"

(cd "$root" && cargo build --release --locked -p vigie-server --bin vigie-server --bin vigie-mllp-load)
load_bin="$target/release/vigie-mllp-load"

. "$root/benches/scripts/lib-server.sh"
trap stop_server EXIT
if [ -n "${VIGIE_MLLP:-}" ]; then
  mllp=$VIGIE_MLLP
else
  mllp=${MLLP_ADDR:-127.0.0.1:12575}
  write_config "$work/vigie-mllp.toml" "$store" "$records" "$http_addr" "$mllp"
  start_server "$target/release/vigie-server" "$work/vigie-mllp.toml" "http://$http_addr" "$work/server.log"
fi

run() {
  local mode=$1
  echo "== $mode: vigie-mllp-load --from $(basename "$records") --connections $connections --count $count" >&2
  # Warm-up (caches), then the measured run.
  "$load_bin" --addr "$mllp" --mode "$mode" --from "$records" --seed "$((seed + 1000))" \
    --connections "$connections" --count 2000 --seconds 10 >/dev/null
  "$load_bin" --addr "$mllp" --mode "$mode" --from "$records" --seed "$seed" \
    --connections "$connections" --count "$count" --seconds "$seconds"
}
[ "${ONLY:-pix}" = pix ] && run pix
[ "${ONLY:-pdq}" = pdq ] && run pdq
if [ -n "${FEED_RECORDS:-}" ] && [ "${ONLY:-feed}" = feed ]; then
  echo "== feed: vigie-mllp-load --mode feed --from $(basename "$FEED_RECORDS") --connections $connections --count $count" >&2
  "$load_bin" --addr "$mllp" --mode feed --from "$(realpath "$FEED_RECORDS")" \
    --connections "$connections" --count "$count" --seconds "$seconds"
fi
