-- Replays prepared requests for wrk, one after another, cycling at the end of the list.
-- The file named by BENCH_REQUESTS has one request per line, tab-separated:
--   METHOD <tab> PATH <tab> COOKIE <tab> BODY
-- COOKIE is the whole Cookie header (a logged-in session); BODY is a urlencoded form that
-- already carries the session's csrf_token (empty for GET). With several wrk threads, thread
-- k of n takes lines k, k+n, k+2n ... so no two threads send the same hand-in.

local counter = 0
local stride = 1
local requests = {}

function setup(thread)
  local n = tonumber(os.getenv("BENCH_THREAD_COUNT") or "1")
  setup_index = (setup_index or 0) + 1
  thread:set("thread_index", setup_index - 1)
  thread:set("thread_count", n)
end

function init(args)
  local file = os.getenv("BENCH_REQUESTS")
  for line in io.lines(file) do
    local method, path, cookie, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
    if method then
      -- The login client's User-Agent: Flask-Login's session protection hashes it, and a
      -- different one would mark the session non-fresh (and re-sign it) on every request.
      local headers = {["User-Agent"] = "klantwijs-bench"}
      if cookie ~= "" then headers["Cookie"] = cookie end
      if body ~= "" then
        headers["Content-Type"] = "application/x-www-form-urlencoded"
      else
        body = nil
      end
      requests[#requests + 1] = wrk.format(method, path, headers, body)
    end
  end
  counter = thread_index or 0
  stride = thread_count or 1
end

function request()
  local req = requests[(counter % #requests) + 1]
  counter = counter + stride
  return req
end
