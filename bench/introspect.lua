-- wrk script: POST /introspect (RFC 7662) for one valid access token, the caller (a resource server,
-- registered as a confidential client) authenticating with HTTP Basic. Every request does the whole
-- check: parse the form and the Basic header, load the caller from the store and verify its secret,
-- verify the token's ES256 signature and claims, look its jti up in the revocation store, and encode
-- the {"active":true,...} answer.
--
-- Script arguments: the caller's Basic credential (base64 of "client_id:client_secret") and the token:
--   wrk -s bench/introspect.lua http://127.0.0.1:PORT/introspect -- "$BASIC" "$ACCESS_TOKEN"
-- bench/run registers both clients, gets the token and checks the answer once before the load.

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Accept"] = "application/json"

-- application/x-www-form-urlencoded; a JWT is base64url and dots, so this normally changes nothing.
local function form_escape(s)
   return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

function init(args)
   local basic, token = args[1], args[2]
   if basic == nil or basic == "" or token == nil or token == "" then
      error("usage: wrk -s introspect.lua URL -- BASE64(client_id:client_secret) ACCESS_TOKEN")
   end
   wrk.headers["Authorization"] = "Basic " .. basic
   wrk.body = "token=" .. form_escape(token)
end
