-- Secrets the server keeps for itself, each sealed under the master key ring (AES-256-GCM under the server-secrets
-- purpose key, associated data = the name, the key version inside the sealed value), so a master-key rotation
-- re-seals them instead of losing them. Today one row: `pepper`, the HMAC key every stored bearer-secret hash is
-- made with (sessions, codes, refresh tokens, client secrets, registration tokens).
CREATE TABLE server_secrets (
    name TEXT PRIMARY KEY NOT NULL,
    sealed_value TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
