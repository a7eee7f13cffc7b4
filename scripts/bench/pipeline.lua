-- wrk: POST the conversation in $BODY, $DEPTH requests (default 8) written at once per round trip
-- (HTTP/1.1 pipelining), to see the server's cost with fewer system calls per request.
local f = assert(io.open(os.getenv("BODY"), "rb"))
local body = f:read("*a")
f:close()
local depth = tonumber(os.getenv("DEPTH") or "8")

function init(args)
  local r = {}
  for i = 1, depth do
    r[i] = wrk.format("POST", nil, {["Content-Type"] = "application/json"}, body)
  end
  req = table.concat(r)
end

function request()
  return req
end
