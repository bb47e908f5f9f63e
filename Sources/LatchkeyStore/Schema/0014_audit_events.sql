-- The audit trail: security events, append-only, each row chained to the one before by an HMAC (AuditChain).
-- seq is gap-free across instances (appends serialize on audit_chain's lock); recorded_at is Unix seconds; outcome is
-- success, failure or refused; details is a JSON object of the event's other fields (printable, bounded); mac is hex
-- of HMAC-SHA256 under the audit subkey of the master key whose version is key_version. Never a secret.
CREATE TABLE audit_events (
    seq BIGINT PRIMARY KEY NOT NULL,
    recorded_at BIGINT NOT NULL,
    event TEXT NOT NULL,
    user_id TEXT,
    client_id TEXT,
    address TEXT,
    request_id TEXT,
    outcome TEXT NOT NULL,
    details TEXT NOT NULL,
    key_version BIGINT NOT NULL,
    mac TEXT NOT NULL
);
CREATE INDEX audit_events_user ON audit_events (user_id, seq);
CREATE INDEX audit_events_recorded ON audit_events (recorded_at);
-- One row: the head (the newest row's seq and MAC, which the next append chains from) and the anchor (the last
-- pruned row's seq and MAC, tagged with the key, where verification starts).
CREATE TABLE audit_chain (
    id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    head_seq BIGINT NOT NULL,
    head_mac TEXT NOT NULL,
    anchor_seq BIGINT NOT NULL,
    anchor_mac TEXT NOT NULL,
    anchor_key_version BIGINT NOT NULL,
    anchor_tag TEXT NOT NULL
);
INSERT INTO audit_chain (id, head_seq, head_mac, anchor_seq, anchor_mac, anchor_key_version, anchor_tag) VALUES (1, 0, '', 0, '', 0, '');
