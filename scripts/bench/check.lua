-- wrk: POST the conversation in $BODY and check every answer: status 200 and a 64-hex digest.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local f = assert(io.open(os.getenv("BODY"), "rb"))
wrk.body = f:read("*a")
f:close()

local threads = {}
function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  bad_status = 0
  no_digest = 0
  digests = {}
  seen = 0
end

function response(status, headers, body)
  if status ~= 200 then
    bad_status = bad_status + 1
    return
  end
  local d = body:match('"digest":"(%x+)"')
  if d == nil or #d ~= 64 then
    no_digest = no_digest + 1
  elseif digests[d] == nil then
    digests[d] = true
    seen = seen + 1
  end
end

function done(summary, latency, requests)
  local bad, missing, distinct = 0, 0, 0
  for _, t in ipairs(threads) do
    bad = bad + t:get("bad_status")
    missing = missing + t:get("no_digest")
    distinct = distinct + t:get("seen")
  end
  io.write(string.format("checked: %d answers not 200, %d without a digest, %d distinct digests seen\n",
    bad, missing, distinct))
  io.write(string.format("p50 %.3f ms, p99 %.3f ms, p99.9 %.3f ms\n",
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency:percentile(99.9) / 1000))
end
