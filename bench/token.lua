-- wrk script: POST /token with grant_type=client_credentials (RFC 6749 §4.4), the client authenticating
-- with HTTP Basic (RFC 6749 §2.3.1). Every request is the whole grant: parse the form and the Basic
-- header, load the client from the store, verify its secret (HMAC, constant time), decide scopes and
-- audience, sign a new RFC 9068 access token (ES256) and encode the response.
--
-- The Basic credential (base64 of "client_id:client_secret") comes as the first script argument:
--   wrk -s bench/token.lua http://127.0.0.1:PORT/token -- "$BASIC"
-- bench/run registers the client and computes it.

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Accept"] = "application/json"
wrk.body = "grant_type=client_credentials"

function init(args)
   local basic = args[1]
   if basic == nil or basic == "" then
      error("usage: wrk -s token.lua URL -- BASE64(client_id:client_secret)")
   end
   wrk.headers["Authorization"] = "Basic " .. basic
end
