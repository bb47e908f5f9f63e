-- wrk script: the whole authorization code round trip for a logged-in user whose consent is remembered:
-- GET /authorize (session cookie → 302 with a code: session, client and consent lookups, the code stored as
-- an HMAC) then POST /token (the code redeemed atomically, PKCE S256 checked, the jti recorded and a refresh
-- family started in one transaction, an access token signed). wrk's req/s counts both halves: round trips/s
-- is half of it (bench/run prints both).
--
-- Script arguments: client id, session cookie (name=value), authorize path with query, code verifier, redirect URI:
--   wrk -s bench/codeflow.lua http://127.0.0.1:PORT -- CLIENT_ID COOKIE AUTHORIZE_PATH VERIFIER REDIRECT

local codes = {}
local client_id, cookie, authorize_path, verifier, redirect

local function form_escape(s)
   return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

function init(args)
   client_id, cookie, authorize_path, verifier, redirect = args[1], args[2], args[3], args[4], args[5]
end

function request()
   local code = table.remove(codes, 1)
   if code then
      local body = "grant_type=authorization_code&client_id=" .. form_escape(client_id) .. "&code=" .. code ..
         "&code_verifier=" .. verifier .. "&redirect_uri=" .. form_escape(redirect)
      return wrk.format("POST", "/token", { ["Content-Type"] = "application/x-www-form-urlencoded" }, body)
   end
   return wrk.format("GET", authorize_path, { ["Cookie"] = cookie })
end

function response(status, headers, body)
   if status == 302 then
      local location = headers["Location"] or headers["location"] or ""
      local code = location:match("[?&]code=([^&]+)")
      if code then table.insert(codes, code) end
   end
end
