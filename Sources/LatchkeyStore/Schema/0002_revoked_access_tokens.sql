-- Access tokens revoked before they expire, by jti (RFC 7009). Rows go once the token would have expired.
CREATE TABLE revoked_access_tokens (
    token_id TEXT PRIMARY KEY NOT NULL,
    expires_at BIGINT NOT NULL
);

CREATE INDEX revoked_access_tokens_expiry ON revoked_access_tokens (expires_at);
