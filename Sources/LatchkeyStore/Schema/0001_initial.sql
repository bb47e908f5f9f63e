-- Latchkey schema 1: client registry and signing keys.
-- Statements end with ';' at the end of a line; the migrator splits on that.

CREATE TABLE clients (
    client_id TEXT PRIMARY KEY NOT NULL,
    metadata TEXT NOT NULL,
    secret_hash TEXT,
    secret_expires_at BIGINT NOT NULL DEFAULT 0,
    registration_token_hash TEXT NOT NULL,
    issued_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE signing_keys (
    kid TEXT PRIMARY KEY NOT NULL,
    algorithm TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('next', 'active', 'retired')),
    sealed_private_key TEXT NOT NULL,
    public_jwk TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    activated_at BIGINT,
    retired_at BIGINT,
    publish_until BIGINT
);

-- At most one active and one next key, whatever instances race to create them.
CREATE UNIQUE INDEX signing_keys_one_active ON signing_keys (status) WHERE status = 'active';
CREATE UNIQUE INDEX signing_keys_one_next ON signing_keys (status) WHERE status = 'next';
