-- wrk script for bench/server.sh: each request asks for another page of the finding list (cursors
-- 0, 100, …, 49,900, in a shuffled order) and every third one with a filter, so that no answer
-- is the same page as the one before it.
local base = os.getenv("LIST_PATH")
local filters = { "", "", "&severity=high", "", "&path=src/pkg7/", "&triage=untriaged" }
local n = 0
request = function()
  n = n + 1
  local cursor = ((n * 7919) % 500) * 100
  local f = filters[(n % #filters) + 1]
  return wrk.format("GET", base .. "?limit=100&cursor=" .. cursor .. f)
end
