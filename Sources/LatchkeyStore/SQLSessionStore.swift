public import LatchkeyCore
import SQLKit

/// `SessionStore` over SQL.
public struct SQLSessionStore: SessionStore {
    let database: LatchkeyDatabase

    public init(database: LatchkeyDatabase) {
        self.database = database
    }

    public func create(_ session: BrowserSession) async throws {
        try await database.withSession { db in
            try await db.raw("""
                INSERT INTO sessions (id_hash, user_id, auth_time, created_at, last_seen_at, expires_at)
                VALUES (\(bind: session.idHash), \(bind: session.userID), \(bind: session.authTime), \(bind: session.createdAt),
                    \(bind: session.lastSeenAt), \(bind: session.expiresAt))
                """).run()
        }
    }

    public func session(idHash: String) async throws -> BrowserSession? {
        try await database.withReadSession { db in
            try await db.raw("SELECT * FROM sessions WHERE id_hash = \(bind: idHash)").first()
        }.map(Self.decode)
    }

    public func touch(idHash: String, now: Int64) async throws {
        try await database.withSession { db in
            try await db.raw("UPDATE sessions SET last_seen_at = \(bind: now) WHERE id_hash = \(bind: idHash)").run()
        }
    }

    public func delete(idHash: String) async throws {
        try await database.withSession { db in
            try await db.raw("DELETE FROM sessions WHERE id_hash = \(bind: idHash)").run()
        }
    }

    public func deleteAll(userID: String) async throws {
        try await database.withSession { db in
            try await db.raw("DELETE FROM sessions WHERE user_id = \(bind: userID)").run()
        }
    }

    public func prune(now: Int64, idleBefore: Int64, limit: Int) async throws -> Int {
        try await database.deleteInBatches(
            from: "sessions", key: "id_hash", where: "expires_at <= \(bind: now) OR last_seen_at < \(bind: idleBefore)", limit: limit
        )
    }

    static func decode(_ row: any SQLRow) throws -> BrowserSession {
        BrowserSession(
            idHash: try row.decode(column: "id_hash", as: String.self),
            userID: try row.decode(column: "user_id", as: String.self),
            authTime: try row.decode(column: "auth_time", as: Int64.self),
            createdAt: try row.decode(column: "created_at", as: Int64.self),
            lastSeenAt: try row.decode(column: "last_seen_at", as: Int64.self),
            expiresAt: try row.decode(column: "expires_at", as: Int64.self)
        )
    }
}
