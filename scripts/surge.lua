-- wrk script for scripts/surge.sh: each request is one holder's token request, with that
-- holder's credential (holder i has the credential "bench" .. i in 38 digits). DELAY_MS
-- paces each connection (offered load = connections x 1000 / (DELAY_MS + latency)).
local threads = {}
local next_id = 1

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(os.time() * 1000 + id)
  holders = tonumber(os.getenv("HOLDERS") or "1000000")
  pause = tonumber(os.getenv("DELAY_MS") or "0")
  counts = {}
end

function request()
  local i = math.random(0, holders - 1)
  return wrk.format("POST", "/v1/token",
    { ["Authorization"] = string.format("Bearer bench%038d", i) }, "")
end

if (tonumber(os.getenv("DELAY_MS") or "0")) > 0 then
  function delay()
    return pause
  end
end

function response(status, headers, body)
  counts[status] = (counts[status] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  for _, t in ipairs(threads) do
    for status, n in pairs(t:get("counts")) do
      total[status] = (total[status] or 0) + n
    end
  end
  for status, n in pairs(total) do
    io.write(string.format("status %d %d\n", status, n))
  end
  local e = summary.errors
  io.write(string.format("socket_errors %d\n", e.connect + e.read + e.write + e.timeout))
  io.write(string.format("duration_us %d\n", summary.duration))
  io.write(string.format("p50_us %d\np99_us %d\n", latency:percentile(50), latency:percentile(99)))
end
