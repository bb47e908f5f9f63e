-- wrk script: POST /register (RFC 7591) with a different body on every request, so the server does
-- the whole registration each time (validate metadata, mint client_id/secret/registration token,
-- hash the secrets, insert a row) instead of answering a repeated request from anything cached.
--
-- Each wrk thread has its own Lua state; setup() gives each one an id so bodies stay unique
-- across threads. Usage: wrk -s bench/register.lua http://127.0.0.1:PORT/register

local thread_count = 0

function setup(thread)
   thread_count = thread_count + 1
   thread:set("thread_id", thread_count)
end

local counter = 0
local run_id = tostring(os.time())

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json"

function request()
   counter = counter + 1
   local id = string.format("%s-%d-%d", run_id, thread_id or 0, counter)
   -- A loopback redirect URI (RFC 8252 §7.3), its port varying with the counter.
   local port = 1024 + (counter % 64000)
   local body = string.format(
      '{"client_name":"bench client %s",' ..
      '"redirect_uris":["http://127.0.0.1:%d/callback"],' ..
      '"grant_types":["authorization_code","refresh_token"],' ..
      '"response_types":["code"],' ..
      '"token_endpoint_auth_method":"none"}',
      id, port)
   return wrk.format(nil, nil, nil, body)
end
