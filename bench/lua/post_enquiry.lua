-- POST /arenden the way the agent's page does with htmx: form-encoded, with the HX headers,
-- a new submission key per request (the same key twice would log one enquiry, by design).
-- scripts/bench.py passes the category id in the X-Bench-Category header and, optionally, the
-- submission keys' prefix in X-Bench-Key-Prefix (default "bench"); both are taken out here.

local counter = 0
local prefix = "bench"
local category = "1"
local threads_made = 0

function setup(thread)
  threads_made = threads_made + 1
  thread:set("thread_number", threads_made)  -- a global in that thread's own Lua state
end

function init(args)
  category = wrk.headers["X-Bench-Category"] or category
  wrk.headers["X-Bench-Category"] = nil
  prefix = wrk.headers["X-Bench-Key-Prefix"] or prefix
  wrk.headers["X-Bench-Key-Prefix"] = nil
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
  wrk.headers["HX-Request"] = "true"
  wrk.headers["HX-Target"] = "enquiry-logger"
  prefix = string.format("%s-%d-%d", prefix, os.time(), thread_number or 0)
end

function request()
  counter = counter + 1
  local body = "channel=telefon&outcome=direct&category=" .. category .. "&submission_key=" .. prefix .. "-" .. counter
  return wrk.format("POST", nil, nil, body)
end
