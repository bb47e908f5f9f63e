-- Pending connect flows of the credential vault: between the redirect to an upstream and its callback. Keyed by the
-- HMAC of `state` (the value itself is never stored), bound to the user and the browser session (its id hash) that
-- started it, the PKCE verifier sealed. Single use (the callback deletes the row first) and short-lived.
CREATE TABLE upstream_flows (
    state_hash TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL,
    session_hash TEXT NOT NULL,
    provider_id TEXT NOT NULL,
    code_verifier TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX upstream_flows_user ON upstream_flows (user_id, created_at);
CREATE INDEX upstream_flows_expiry ON upstream_flows (expires_at);
