-- Refresh coordination for the vault (issue 12). `version` is bumped by every write of a connection's tokens, so a
-- refresh writes back only over the row it read: a disconnect or a re-deposit meanwhile wins. The lease lets one
-- instance refresh a connection at a time; the others wait for the new version instead of refreshing too (an
-- upstream with rotating refresh tokens would see the second refresh as reuse).
ALTER TABLE upstream_credentials ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE upstream_credentials ADD COLUMN refresh_lease_owner TEXT;
ALTER TABLE upstream_credentials ADD COLUMN refresh_lease_until BIGINT;
