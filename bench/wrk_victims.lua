-- wrk script for bench/bench_http.sh: GET /api/v1/victims/{id}, rotating over every synthetic
-- victim (v-bench-0 .. v-bench-(VC_VICTIMS-1)), each wrk thread starting at its own place.
local n = tonumber(os.getenv("VC_VICTIMS")) or 3000
local threads = 0
local i = 0

function setup(thread)
  thread:set("start", threads * 997)
  threads = threads + 1
end

function init(args)
  i = (start or 0) % n
end

function request()
  i = (i + 1) % n
  return wrk.format("GET", "/api/v1/victims/v-bench-" .. i)
end
