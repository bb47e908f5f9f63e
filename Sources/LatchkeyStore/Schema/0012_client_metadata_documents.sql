-- Client ID Metadata Documents (CIMD): the JSON document behind each URL client id, as fetched and accepted, with its
-- HTTP caching validators and how long it is used. Shared by every instance; a document whose host stops answering is
-- used stale until `stale_until`, then refetched or refused. Not a secret: documents are public.
CREATE TABLE client_metadata_documents (
    url TEXT PRIMARY KEY NOT NULL,
    body TEXT NOT NULL,
    etag TEXT,
    last_modified TEXT,
    fetched_at BIGINT NOT NULL,
    fresh_until BIGINT NOT NULL,
    stale_until BIGINT NOT NULL,
    -- The last token issued to the client, to the hour (`latchkey clients list`); kept across refetches.
    last_used_at BIGINT
);
CREATE INDEX client_metadata_documents_stale ON client_metadata_documents (stale_until);
