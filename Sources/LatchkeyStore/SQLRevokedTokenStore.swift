public import LatchkeyCore
import SQLKit

/// `RevokedTokenStore` over SQL.
public struct SQLRevokedTokenStore: RevokedTokenStore {
    let database: LatchkeyDatabase

    public init(database: LatchkeyDatabase) {
        self.database = database
    }

    public func revoke(tokenID: String, expiresAt: Int64, now: Int64) async throws {
        try await database.withSession { db in
            // Revoking twice is not an error (RFC 7009 §2.2).
            try await db.raw("""
                INSERT INTO revoked_access_tokens (token_id, expires_at, revoked_at) VALUES (\(bind: tokenID), \(bind: expiresAt), \(bind: now))
                ON CONFLICT (token_id) DO NOTHING
                """).run()
        }
    }

    public func revoked(since: Int64, now: Int64) async throws -> [String: Int64] {
        let rows = try await database.withReadSession { db in
            try await db.raw("""
                SELECT token_id, expires_at FROM revoked_access_tokens WHERE revoked_at >= \(bind: since) AND expires_at > \(bind: now)
                """).all()
        }
        var revoked: [String: Int64] = [:]
        for row in rows {
            revoked[try row.decode(column: "token_id", as: String.self)] = try row.decode(column: "expires_at", as: Int64.self)
        }
        return revoked
    }

    public func isRevoked(tokenID: String) async throws -> Bool {
        try await database.withReadSession { db in
            try await db.raw("SELECT token_id FROM revoked_access_tokens WHERE token_id = \(bind: tokenID)").first() != nil
        }
    }

    public func prune(now: Int64, limit: Int) async throws -> Int {
        try await database.deleteInBatches(from: "revoked_access_tokens", key: "token_id", where: "expires_at <= \(bind: now)", limit: limit)
    }
}
