-- One wrk script for both scenarios, so exopool and the bare app get exactly the same load.
-- Arguments: MODE (release|get), PATH_PREFIX, AUTHORIZATION, HOST, [SIDS_FILE, THREADS].
-- release: each request DELETEs PATH_PREFIX..<next sid>; the sids file is split between wrk
-- threads so every request names a different number. get: every request GETs PATH_PREFIX.

local threads = 0
local counter = 0
local sids = {}
local method, prefix, headers

function setup(thread)
  thread:set("thread_index", threads)
  threads = threads + 1
end

function init(args)
  local mode = args[1]
  prefix = args[2]
  headers = { ["Authorization"] = args[3], ["Host"] = args[4] }
  if mode == "release" then
    method = "DELETE"
    local nthreads, i = tonumber(args[6]), 0
    for line in io.lines(args[5]) do
      if i % nthreads == thread_index then sids[#sids + 1] = line end
      i = i + 1
    end
  else
    method = "GET"
  end
end

function request()
  if method == "GET" then
    return wrk.format("GET", prefix, headers)
  end
  counter = counter + 1
  -- Past the end of the list the sid repeats and the answer is a 404, which the report flags.
  return wrk.format("DELETE", prefix .. (sids[counter] or sids[#sids]), headers)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"non_2xx":%d,"connect_errors":%d,"read_errors":%d,' ..
    '"write_errors":%d,"timeouts":%d,"p50_us":%d,"p99_us":%d}\n',
    summary.requests, summary.duration, e.status, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
