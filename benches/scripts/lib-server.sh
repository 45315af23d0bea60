#!/usr/bin/env bash
# Shared by the server load scripts (http.sh, mllp.sh): writes a loopback configuration for a
# store imported from a generated file and starts a release vigie-server on it.
#   write_config CONFIG STORE RECORDS HTTP_ADDR MLLP_ADDR
#     anonymous loopback clients allowed (FHIR); no [[sources]], so every MLLP sender may query
#     every domain; one domain per `source` value of RECORDS (namespace = id = source, FHIR
#     system urn:vigie:<source>).
#   start_server BIN CONFIG URL LOG   starts it in the background (pid in $server_pid), waits for
#     /ready (the first start on a store made by an older version rebuilds the index); the
#     caller installs `trap stop_server EXIT`.

write_config() {
  local config=$1 store=$2 records=$3 http_addr=$4 mllp_addr=$5
  {
    cat <<TOML
# Written by benches/scripts: loopback only, anonymous loopback clients allowed.
[server]
http_addr = "$http_addr"
mllp_addr = "$mllp_addr"
data_dir = "$store"
allow_anonymous_loopback = true
TOML
    # One domain per source of the file (header excluded; sources hold no comma or quote).
    tail -n +2 "$records" | cut -d, -f2 | sort -u | while read -r source; do
      [ -n "$source" ] || continue
      printf '\n[[domains]]\nid = "%s"\nnamespace = "%s"\nsystem = "urn:vigie:%s"\n' \
        "$source" "$source" "$source"
    done
  } > "$config"
}

server_pid=""
stop_server() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
  fi
}

start_server() {
  local bin=$1 config=$2 url=$3 log=$4
  echo "starting vigie-server ($url, log $log)" >&2
  "$bin" --config "$config" > "$log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 900); do
    curl -fsS "$url/ready" >/dev/null 2>&1 && return 0
    kill -0 "$server_pid" 2>/dev/null || { echo "vigie-server exited: see $log" >&2; return 1; }
    sleep 1
  done
  echo "vigie-server not ready after 900 s: see $log" >&2
  return 1
}
