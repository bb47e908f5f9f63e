-- wrk script: POST /token with RFC 8693 token exchange, as an MCP server asks Latchkey for the user's upstream
-- access token. The caller is the resource's confidential client (HTTP Basic); the subject token is the user's
-- Latchkey access token for that resource; audience names the provider. Every request: parse the form and the
-- Basic header, authenticate the caller (client cache, HMAC), verify the subject token (verified-token cache after
-- the first request), check its jti against the revocation list and its client and user in the store, decide the
-- grant (TokenExchangeGrant), then UpstreamAccess: the 5 s in-memory cache of the opened upstream token, or a vault
-- read, or a refresh at the upstream.
--
-- Script arguments: Basic credential, subject token, provider id, and "force" to send latchkey_force_refresh=true:
--   wrk -s bench/exchange.lua http://127.0.0.1:PORT/token -- "$BASIC" "$SUBJECT_TOKEN" bench-cloud [force]
-- bench/run sets everything up (bench/exchange_flow.py) and checks one exchange before the load.

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Accept"] = "application/json"

local function form_escape(s)
   return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

function init(args)
   local basic, token, provider, force = args[1], args[2], args[3], args[4]
   if basic == nil or basic == "" or token == nil or token == "" or provider == nil or provider == "" then
      error("usage: wrk -s exchange.lua URL -- BASE64(client_id:client_secret) SUBJECT_TOKEN PROVIDER [force]")
   end
   wrk.headers["Authorization"] = "Basic " .. basic
   wrk.body = "grant_type=" .. form_escape("urn:ietf:params:oauth:grant-type:token-exchange")
      .. "&subject_token=" .. form_escape(token)
      .. "&subject_token_type=" .. form_escape("urn:ietf:params:oauth:token-type:access_token")
      .. "&audience=" .. form_escape(provider)
   if force == "force" then wrk.body = wrk.body .. "&latchkey_force_refresh=true" end
end
