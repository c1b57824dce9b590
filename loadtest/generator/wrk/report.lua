-- wrk script for the load test: rotate over the paths given after `--` (default: the URL's
-- path), and print one JSON line when done, in results.json's terms (latency in ms).
--   wrk -t1 -c64 -d10s --latency -s /srv/loadtest/generator/wrk/report.lua https://nginx:8443 -- / /assets/app.css
-- A user app's request list: `-- @/out/wrk-requests.txt`, a file of one request per line, in
-- the order to cycle through (loadtest/generator/appscenario/wrk_input.py writes it, weights expanded):
--   METHOD<TAB>PATH<TAB>BODY<TAB>Header: value<TAB>...   (BODY empty: no body)
-- Every 2xx/3xx counts as a success; wrk counts 4xx/5xx as "status" errors.

local requests = {}
local counter = 0

local function split(line)
  local fields, start = {}, 1
  while true do
    local tab = string.find(line, "\t", start, true)
    if not tab then
      fields[#fields + 1] = string.sub(line, start)
      return fields
    end
    fields[#fields + 1] = string.sub(line, start, tab - 1)
    start = tab + 1
  end
end

local function read_requests(file)
  local f = assert(io.open(file, "r"))
  for line in f:lines() do
    line = string.gsub(line, "\r$", "")
    if line ~= "" then
      local fields = split(line)
      local headers = {}
      for i = 4, #fields do
        local name, value = string.match(fields[i], "^([^:]+):%s*(.*)$")
        if name then headers[name] = value end
      end
      local body = fields[3]
      if body == nil or body == "" then body = nil end
      -- built once: wrk.format per request would cost the generator CPU it measures with
      requests[#requests + 1] = wrk.format(fields[1], fields[2], headers, body)
    end
  end
  f:close()
end

function init(args)
  if #args >= 1 and string.sub(args[1], 1, 1) == "@" then
    read_requests(string.sub(args[1], 2))
  else
    for _, path in ipairs(args) do
      requests[#requests + 1] = wrk.format("GET", path)
    end
  end
  if #requests == 0 then
    requests[1] = wrk.format("GET", wrk.path)
  end
  -- Threads start at different offsets so a page and its assets are requested in proportion.
  counter = math.random(0, #requests - 1)
end

function request()
  counter = counter + 1
  return requests[(counter % #requests) + 1]
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
