-- wrk script for the load test: rotate over the paths given after `--` (default: the URL's
-- path), and print one JSON line when done, in results.json's terms (latency in ms).
--   wrk -t1 -c64 -d10s --latency -s /srv/loadtest/wrk/report.lua https://nginx:8443 -- / /assets/app.css
-- Every 2xx/3xx counts as a success; wrk counts 4xx/5xx as "status" errors.

local paths = {}
local counter = 0

function init(args)
  for _, path in ipairs(args) do
    paths[#paths + 1] = path
  end
  if #paths == 0 then
    paths[1] = wrk.path
  end
  -- Threads start at different offsets so a page and its assets are requested in proportion.
  counter = math.random(0, #paths - 1)
end

function request()
  counter = counter + 1
  return wrk.format("GET", paths[(counter % #paths) + 1])
end

local function ms(us)
  return math.floor(us + 0.5) / 1000.0
end

function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local e = summary.errors
  local failed = e.connect + e.read + e.write + e.status + e.timeout
  io.write(string.format(
    '{"wrk": 1, "requests": %d, "bytes": %d, "duration_s": %.6f, "rps": %.2f, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, "failures": %d, ' ..
    '"latency_ms": {"p50": %.3f, "p90": %.3f, "p95": %.3f, "p99": %.3f, "max": %.3f, "avg": %.3f}}\n',
    summary.requests, summary.bytes, seconds, summary.requests / seconds,
    e.connect, e.read, e.write, e.status, e.timeout, failed,
    ms(latency:percentile(50)), ms(latency:percentile(90)), ms(latency:percentile(95)),
    ms(latency:percentile(99)), ms(latency.max), ms(latency.mean)))
end
