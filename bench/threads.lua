-- wrk script for bench/threads_bench.py: GET /api/candidates/{id}/threads for a random candidate
-- per request, authenticated with a bearer token.
--   BENCH_TOKEN     the session token (POST /api/session)
--   BENCH_IDS_FILE  a file of candidate member ids, one per line
-- Each wrk thread has its own Lua state: the ids are read, and the generator seeded, per thread.
local token = os.getenv("BENCH_TOKEN") or ""
local ids_file = os.getenv("BENCH_IDS_FILE") or ""
local ids = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("seed", counter)
end

function init(args)
  for line in io.lines(ids_file) do
    local id = tonumber(line)
    if id then ids[#ids + 1] = id end
  end
  if #ids == 0 then error("no candidate ids in " .. ids_file) end
  math.randomseed(os.time() + (seed or 0) * 7919)
end

function request()
  local id = ids[math.random(#ids)]
  return wrk.format("GET", "/api/candidates/" .. id .. "/threads", { ["Authorization"] = "Bearer " .. token })
end
