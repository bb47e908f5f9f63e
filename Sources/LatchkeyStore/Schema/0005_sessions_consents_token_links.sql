-- Browser sessions, keyed by the HMAC of the cookie value; remembered approvals per (user, client, audience).
CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL,
    auth_time BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expiry ON sessions (expires_at);

-- audience_key: the audience URIs sorted and space-separated.
CREATE TABLE consents (
    user_id TEXT NOT NULL,
    client_id TEXT NOT NULL,
    audience_key TEXT NOT NULL,
    audience TEXT NOT NULL,
    scope TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, client_id, audience_key)
);

-- A replayed code is marked, so the redemption still in flight learns of it before it records what it issued.
ALTER TABLE authorization_codes ADD COLUMN replayed_at BIGINT;
-- Whether the authorization request named redirect_uri; only then must the token request repeat it.
ALTER TABLE authorization_codes ADD COLUMN redirect_uri_provided BOOLEAN NOT NULL DEFAULT TRUE;

-- The access token issued with each refresh token, so revoking a family also revokes those access tokens.
ALTER TABLE refresh_tokens ADD COLUMN access_token_id TEXT;
ALTER TABLE refresh_tokens ADD COLUMN access_token_expires_at BIGINT;

-- The token each was rotated from: a grace duplicate is refused once the successor was used, and the first of
-- two sibling branches to be rotated retires the other.
ALTER TABLE refresh_tokens ADD COLUMN parent_hash TEXT;
CREATE INDEX refresh_tokens_parent ON refresh_tokens (parent_hash);
CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id);
CREATE INDEX refresh_tokens_family_expiry ON refresh_tokens (family_expires_at);

-- When a revocation was recorded, so every instance can mirror new revocations in memory (RevocationList).
ALTER TABLE revoked_access_tokens ADD COLUMN revoked_at BIGINT NOT NULL DEFAULT 0;
CREATE INDEX revoked_access_tokens_revoked_at ON revoked_access_tokens (revoked_at);
