-- wrk script for scripts/surge.sh: each request is one holder's token request, with that
-- holder's credential (holder i has the credential "bench" .. i in 38 digits). DELAY_MS
-- paces each connection (offered load = connections x 1000 / (DELAY_MS + latency)).
--
-- Clients honour Retry-After, as the SDK's holder helper and docs/SERVICE.md tell them to:
-- every 503 or 429 answer makes one connection wait that many seconds before its next
-- request. wrk's Lua has no handle on the connection an answer came on, so the wait is
-- taken by the next connection of the same thread to send: the number of clients waiting
-- is the number of back-off answers, as with real clients. RETRY=0 ignores Retry-After
-- (the worst case: a shed client asks again DELAY_MS later).
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
  honour = (os.getenv("RETRY") or "1") ~= "0"
  counts = {}
  waits = {}
  waited = 0
end

function request()
  local i = math.random(0, holders - 1)
  return wrk.format("POST", "/v1/token",
    { ["Authorization"] = string.format("Bearer bench%038d", i) }, "")
end

function delay()
  local n = #waits
  if n > 0 then
    local w = waits[n]
    waits[n] = nil
    waited = waited + 1
    return w
  end
  return pause
end

function response(status, headers, body)
  counts[status] = (counts[status] or 0) + 1
  if honour and (status == 503 or status == 429) then
    local s = tonumber(headers["Retry-After"] or headers["retry-after"] or "")
    if s then
      waits[#waits + 1] = s * 1000
    end
  end
end

function done(summary, latency, requests)
  local total = {}
  local backoffs = 0
  for _, t in ipairs(threads) do
    for status, n in pairs(t:get("counts")) do
      total[status] = (total[status] or 0) + n
    end
    backoffs = backoffs + t:get("waited")
  end
  for status, n in pairs(total) do
    io.write(string.format("status %d %d\n", status, n))
  end
  local e = summary.errors
  io.write(string.format("socket_errors %d\n", e.connect + e.read + e.write + e.timeout))
  io.write(string.format("backoffs %d\n", backoffs))
  io.write(string.format("duration_us %d\n", summary.duration))
  io.write(string.format("p50_us %d\np99_us %d\n", latency:percentile(50), latency:percentile(99)))
end
