-- Replays a list of request paths (one per line, e.g. written by
-- `vigie-mllp-load --mode pdq --from records.csv --write-paths pdqm.txt`), GET with
-- `Accept: application/fhir+json`. Each wrk thread starts at its own offset in the list and
-- walks it in order (wrapping), so a run is reproducible for a given list and thread count.
-- usage: wrk -t2 -c8 -d30s --latency -s replay.lua http://127.0.0.1:8080 -- paths.txt
-- At the end it prints one JSON line: requests/s, p50/p90/p99 latency (ms), HTTP statuses
-- other than 2xx/3xx (e.g. a PIXm 404 for an unknown id), socket errors.

local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end

function init(args)
  local file = args[1] or error("replay.lua needs the paths file: wrk ... -- paths.txt")
  paths = {}
  for line in io.lines(file) do
    if #line > 0 then
      paths[#paths + 1] = line
    end
  end
  if #paths == 0 then
    error("no request path in " .. file)
  end
  local n_threads = tonumber(os.getenv("WRK_THREADS") or "") or 1
  -- Spread the threads over the list.
  index = math.floor(#paths * id / math.max(n_threads, id + 1))
  headers = { ["Accept"] = "application/fhir+json" }
end

function request()
  index = index + 1
  if index > #paths then
    index = 1
  end
  return wrk.format("GET", paths[index], headers)
end

function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"seconds":%.2f,"requests_per_sec":%.1f,"p50_ms":%.2f,"p90_ms":%.2f,' ..
    '"p99_ms":%.2f,"max_ms":%.2f,"non_2xx_3xx":%d,"socket_errors":%d}\n',
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000,
    e.status, e.connect + e.read + e.write + e.timeout))
end
