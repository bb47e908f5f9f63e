-- The credential vault: each user's upstream tokens, one row per (user, provider). The two tokens are sealed
-- (AES-256-GCM under the upstream purpose key, associated data = user | provider | field, the key version inside the
-- sealed value), so a row copied to another user, provider or field does not open. Status: connected, needs_reauth.
CREATE TABLE upstream_credentials (
    user_id TEXT NOT NULL,
    provider_id TEXT NOT NULL,
    access_token TEXT,
    refresh_token TEXT,
    token_type TEXT NOT NULL,
    scope TEXT NOT NULL,
    account TEXT,
    access_token_expires_at BIGINT,
    connected_at BIGINT NOT NULL,
    refreshed_at BIGINT,
    status TEXT NOT NULL,
    last_error TEXT,
    PRIMARY KEY (user_id, provider_id)
);
