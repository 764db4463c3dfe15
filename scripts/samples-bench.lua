-- wrk script for scripts/samples-bench.sh. MODE=uploads: each request uploads a new tube of
-- 10 samples (a unique batch key and tube per request) with the credential of one of the
-- sites listed in the file SITES_FILE ("site credential" per line), round robin.
-- MODE=tokens: each request is a holder's token request with that holder's credential, as
-- scripts/surge.lua sends them (holder i has the credential "bench" .. i in 38 digits, from
-- service/examples/seed.rs). RUN makes batch keys unique across runs on one database.
local threads = {}
local next_id = 1

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(os.time() * 1000 + id)
  mode = os.getenv("MODE") or "uploads"
  run = tonumber(os.getenv("RUN") or "0")
  holders = tonumber(os.getenv("HOLDERS") or "1000000")
  counts = {}
  seq = 0
  sites = {}
  if mode == "uploads" then
    for line in io.lines(os.getenv("SITES_FILE")) do
      local site, credential = line:match("^(%S+) (%S+)$")
      table.insert(sites, { site = site, auth = "Bearer " .. credential })
    end
  end
end

local function upload()
  seq = seq + 1
  local s = sites[(seq + id) % #sites + 1]
  local samples = {}
  for i = 1, 10 do
    samples[i] = string.format(
      '{"subject":"%08x%08x%08x","kid":"0a1b2c3d","colour":"green","scanned_at":%d}',
      run * 256 + id, seq, i, 1764000000 + i)
  end
  local body = string.format(
    '{"batch":"%08x%08x%016x-%d","site":"%s","device":"bench-%d","tube":"R%d-W%d-T%d",' ..
    '"opened_at":1764000000,"sealed_at":1764000100,"samples":[%s]}',
    run, id, 0, seq, s.site, id, run, id, seq, table.concat(samples, ","))
  return wrk.format("POST", "/v1/samples",
    { ["Authorization"] = s.auth, ["Content-Type"] = "application/json" }, body)
end

local function token()
  local i = math.random(0, holders - 1)
  return wrk.format("POST", "/v1/token",
    { ["Authorization"] = string.format("Bearer bench%038d", i) }, "")
end

function request()
  if mode == "uploads" then return upload() end
  return token()
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
