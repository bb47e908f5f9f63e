public import LatchkeyCore
import SQLKit

/// `ClientMetadataDocumentStore` over SQL; `save` is one upsert, so instances fetching the same document at once
/// both succeed and the later answer stays.
public struct SQLClientMetadataDocumentStore: ClientMetadataDocumentStore {
    let database: LatchkeyDatabase

    public init(database: LatchkeyDatabase) {
        self.database = database
    }

    public func document(url: String) async throws -> CachedMetadataDocument? {
        try await database.withSession { db in
            try await db.raw("SELECT * FROM client_metadata_documents WHERE url = \(bind: url)").first()
        }.map(Self.decode)
    }

    public func save(_ document: CachedMetadataDocument) async throws {
        try await database.withSession { db in
            try await db.raw("""
                INSERT INTO client_metadata_documents (url, body, etag, last_modified, fetched_at, fresh_until, stale_until)
                VALUES (\(bind: document.url), \(bind: document.body), \(bind: document.etag), \(bind: document.lastModified),
                    \(bind: document.fetchedAt), \(bind: document.freshUntil), \(bind: document.staleUntil))
                ON CONFLICT (url) DO UPDATE SET body = excluded.body, etag = excluded.etag, last_modified = excluded.last_modified,
                    fetched_at = excluded.fetched_at, fresh_until = excluded.fresh_until, stale_until = excluded.stale_until
                """).run()
        }
    }

    public func list(after cursor: String?, limit: Int) async throws -> [CachedMetadataDocument] {
        try await database.withSession { db in
            try await db.raw("""
                SELECT * FROM client_metadata_documents WHERE url > \(bind: cursor ?? "") ORDER BY url LIMIT \(bind: limit)
                """).all()
        }.map(Self.decode)
    }

    public func delete(url: String) async throws -> Bool {
        try await database.withSession { db in
            try await db.raw("DELETE FROM client_metadata_documents WHERE url = \(bind: url) RETURNING url").all().count > 0
        }
    }

    public func deleteUnusable(now: Int64, limit: Int) async throws -> Int {
        try await database.withSession { db in
            try await db.raw("""
                DELETE FROM client_metadata_documents WHERE url IN (
                    SELECT url FROM client_metadata_documents WHERE stale_until < \(bind: now) LIMIT \(bind: limit))
                RETURNING url
                """).all().count
        }
    }

    public func trim(keeping: Int, limit: Int) async throws -> Int {
        try await database.withSession { db in
            try await db.raw("""
                DELETE FROM client_metadata_documents WHERE url IN (
                    SELECT url FROM client_metadata_documents ORDER BY fetched_at DESC, url LIMIT \(bind: limit) OFFSET \(bind: keeping))
                RETURNING url
                """).all().count
        }
    }

    static func decode(_ row: any SQLRow) throws -> CachedMetadataDocument {
        CachedMetadataDocument(
            url: try row.decode(column: "url", as: String.self),
            body: try row.decode(column: "body", as: String.self),
            etag: try row.decode(column: "etag", as: String?.self),
            lastModified: try row.decode(column: "last_modified", as: String?.self),
            fetchedAt: try row.decode(column: "fetched_at", as: Int64.self),
            freshUntil: try row.decode(column: "fresh_until", as: Int64.self),
            staleUntil: try row.decode(column: "stale_until", as: Int64.self),
            lastUsedAt: try row.decode(column: "last_used_at", as: Int64?.self)
        )
    }
}
