-- The jtis of private_key_jwt client assertions (RFC 7523 §3), each single use until the assertion expires, for every
-- instance sharing the store. Keyed by the client and an HMAC of the jti (fixed length, whatever the client sent);
-- expires_at is the last instant the assertion is accepted (its exp plus the leeway). Expired rows are pruned.
CREATE TABLE client_assertion_jtis (
    client_id TEXT NOT NULL,
    jti_hash TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (client_id, jti_hash)
);
CREATE INDEX client_assertion_jtis_expiry ON client_assertion_jtis (expires_at);
