-- wrk script: POST /token with grant_type=refresh_token (RFC 6749 §6) for a public client. Every request
-- presents a current refresh token, which Latchkey rotates: the transaction locks the token, marks it rotated
-- and inserts its successor; then the user is checked and a new access token signed. The successor from each
-- answer goes back into this thread's queue, so every token is used exactly once.
--
-- Script arguments: the client id and a file of refresh tokens (one per line; bench/run mints them through
-- the real code flow with bench/user_flow.py):
--   wrk -s bench/refresh.lua http://127.0.0.1:PORT/token -- CLIENT_ID TOKENS_FILE THREADS

local counter = 0

function setup(thread)
   thread:set("index", counter)   -- a global in that thread's Lua state
   counter = counter + 1
end

local queue = {}
local client_id

function init(args)
   client_id = args[1]
   local threads, line_number = tonumber(args[3]), 0
   -- Each thread takes every n-th token, so no token is presented twice.
   for line in io.lines(args[2]) do
      if line_number % threads == index then table.insert(queue, line) end
      line_number = line_number + 1
   end
end

function request()
   -- A failed refresh loses its token; an empty queue then sends a dead one, which wrk counts as non-2xx.
   local token = table.remove(queue, 1) or "queue-ran-dry"
   local body = "grant_type=refresh_token&client_id=" .. client_id .. "&refresh_token=" .. token
   return wrk.format("POST", nil, { ["Content-Type"] = "application/x-www-form-urlencoded" }, body)
end

function response(status, headers, body)
   local next = body:match('"refresh_token":"([^"]+)"')
   if next then table.insert(queue, next) end
end
