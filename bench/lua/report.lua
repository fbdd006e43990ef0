-- Kundweb benchmark hook for wrk 4.1 (used by scripts/bench.py; not meant to be run alone).
--
-- scripts/bench.py appends this file after a scenario's own Lua script (if any), so
-- it chains the scenario's setup/init/response hooks instead of replacing them. It
-- counts responses per HTTP status (wrk itself only counts "non-2xx or 3xx", which
-- would hide a 302 to the login page) and, in `done`, prints ONE machine-readable
-- line "KUNDWEB_BENCH {json}" that bench.py parses.
-- A scenario's own `done` is replaced by this one.

local scenario_setup = setup
local scenario_init = init
local scenario_response = response

local threads = {}

function setup(thread)
  table.insert(threads, thread)
  if scenario_setup then scenario_setup(thread) end
end

function init(args)
  statuses = {}  -- global in each thread's Lua state; read back with thread:get()
  if scenario_init then scenario_init(args) end
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if scenario_response then scenario_response(status, headers, body) end
end

local function num(x)
  if x == nil or x ~= x or x == math.huge or x == -math.huge then return "0" end
  return string.format("%.17g", x)
end

function done(summary, latency, requests)
  local counts = {}
  for _, thread in ipairs(threads) do
    local per_thread = thread:get("statuses")
    if per_thread then
      for code, n in pairs(per_thread) do
        counts[code] = (counts[code] or 0) + n
      end
    end
  end
  local status_parts = {}
  for code, n in pairs(counts) do
    table.insert(status_parts, string.format('"%d": %s', code, num(n)))
  end
  local e = summary.errors
  io.write("KUNDWEB_BENCH {",
    '"requests": ', num(summary.requests),
    ', "duration_us": ', num(summary.duration),
    ', "bytes": ', num(summary.bytes),
    ', "errors": {"connect": ', num(e.connect), ', "read": ', num(e.read),
    ', "write": ', num(e.write), ', "timeout": ', num(e.timeout),
    ', "status": ', num(e.status), '}',
    ', "latency_us": {"min": ', num(latency.min), ', "mean": ', num(latency.mean),
    ', "max": ', num(latency.max),
    ', "p50": ', num(latency:percentile(50)), ', "p90": ', num(latency:percentile(90)),
    ', "p99": ', num(latency:percentile(99)), '}',
    ', "statuses": {', table.concat(status_parts, ", "), '}',
    "}\n")
end
