-- A remembered approval also records whether refresh tokens came with it and where codes were approved to go,
-- so it is reused only for a request it covers in every respect (DESIGN §8). Approvals stored before this
-- migration recorded neither: they cover nothing, and the user is asked again once.
ALTER TABLE consents ADD COLUMN offline_access BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE consents ADD COLUMN redirect_targets TEXT NOT NULL DEFAULT '';
CREATE INDEX consents_client ON consents (client_id);
-- A code records whether the user approved refresh tokens with it; the exchange issues one only then.
ALTER TABLE authorization_codes ADD COLUMN offline_access BOOLEAN NOT NULL DEFAULT FALSE;
