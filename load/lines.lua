-- wrk script of the benchmarks that send one request per line of a file (bench-assertions.sh,
-- bench-exchange.sh). Arguments: FILE MODE THREADS. Each wrk thread takes every THREADS-th
-- line (so no two send the same single-use body) and sends them in turn, as MODE says:
--   basic  POST /oauth2/token, client_credentials, the line as Authorization header (cycling)
--   form   POST /oauth2/token, the line as a form body (each once)
--   json   POST /oidc/token, the line as a JSON body (each once)
-- It ends with "RESULT requests rate p50_ms p99_ms errors".
local threads = {}
function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end
function init(args)
  lines, mode, next_line = {}, args[2], 0
  local n, i = tonumber(args[3]), 0
  for line in io.lines(args[1]) do
    if i % n == id then lines[#lines + 1] = line end
    i = i + 1
  end
end
function request()
  next_line = next_line + 1
  if mode == "basic" then
    local auth = lines[(next_line - 1) % #lines + 1]
    return wrk.format("POST", "/oauth2/token", {["Content-Type"] = "application/x-www-form-urlencoded",
      ["Authorization"] = auth}, "grant_type=client_credentials")
  end
  if mode == "json" then
    return wrk.format("POST", "/oidc/token", {["Content-Type"] = "application/json"},
      lines[next_line] or lines[1])
  end
  return wrk.format("POST", "/oauth2/token", {["Content-Type"] = "application/x-www-form-urlencoded"},
    lines[next_line] or lines[1])
end
done = function(summary, latency, requests)
  local secs = summary.duration / 1e6
  local bad = summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format("RESULT %d %.1f %.2f %.2f %d\n", summary.requests, summary.requests / secs,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, bad))
end
