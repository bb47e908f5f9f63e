-- A registry that stays clean (issue 13 §3). `kind` says who added a client: 'dcr' (POST /register; removed once
-- unused or idle) or 'operator' (`latchkey clients add`; never removed automatically). No CHECK on it: SQLite cannot
-- drop a column constraint without rebuilding the table, so a later kind would cost a rebuild; the store refuses
-- values it does not know. `last_used_at`: unix seconds of the last token response, to the hour; NULL until the first.
ALTER TABLE clients ADD COLUMN kind TEXT NOT NULL DEFAULT 'dcr';
ALTER TABLE clients ADD COLUMN last_used_at BIGINT;

-- Which existing rows are the operator's. `clients add --client-id` ids never have the generated form (32 lower-case
-- hex digits), so any other id is the operator's. A random-id operator client looks like a registration, except that
-- `clients add` defaults to client_credentials, which open registration refuses: every client_credentials client is
-- taken for the operator's (the match is on the JSON text, and may catch a name that merely contains the word). A
-- wrong 'operator' leaves a row the operator can delete; a wrong 'dcr' could prune a machine client in use.
-- sqlite: UPDATE clients SET kind = 'operator'
-- sqlite:     WHERE NOT (length(client_id) = 32 AND client_id NOT GLOB '*[^0-9a-f]*') OR metadata LIKE '%"client_credentials"%';
-- postgres: UPDATE clients SET kind = 'operator'
-- postgres:     WHERE client_id !~ '^[0-9a-f]{32}$' OR metadata LIKE '%"client_credentials"%';

-- No existing row was ever recorded as used. Counting them as used at the upgrade, not at issued_at, keeps every one
-- for a full registration-idle-client-ttl: with issued_at, a client registered 90 days ago and used every day since
-- would look idle, and the first prune after the upgrade would delete it with its users' refresh tokens. An abandoned
-- row lingers one TTL longer; that is the whole cost. Nor can any be pruned as never used (last_used_at is set).
-- sqlite: UPDATE clients SET last_used_at = CAST(strftime('%s', 'now') AS INTEGER);
-- postgres: UPDATE clients SET last_used_at = CAST(EXTRACT(EPOCH FROM now()) AS BIGINT);

-- The prune's and the cap's queries (`kind = 'dcr'` by last use or issue time, the count), and deleting a client's
-- grants by client id.
CREATE INDEX clients_kind_last_used ON clients (kind, last_used_at, issued_at);
CREATE INDEX refresh_tokens_client ON refresh_tokens (client_id);
CREATE INDEX authorization_codes_client ON authorization_codes (client_id);
