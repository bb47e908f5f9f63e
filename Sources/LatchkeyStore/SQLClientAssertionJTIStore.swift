public import LatchkeyCore
import SQLKit

/// `ClientAssertionJTIStore` over SQL. A use is one upsert: a new key inserts, a key whose record has expired is
/// taken over, a live one is left alone and returns no row — a replay. Of two instances racing with one jti, the
/// primary key lets exactly one through.
public struct SQLClientAssertionJTIStore: ClientAssertionJTIStore {
    let database: LatchkeyDatabase

    /// Records are kept this long past their end before pruning: instances' clocks differ, and a record pruned early
    /// would let a replay insert afresh on an instance whose clock still thinks the assertion is live.
    static let pruneMargin: Int64 = 300

    public init(database: LatchkeyDatabase) {
        self.database = database
    }

    public func recordUse(jtiHash: String, clientID: String, expiresAt: Int64, now: Int64) async throws -> Bool {
        try await database.withSession { db in
            try await !db.raw("""
                INSERT INTO client_assertion_jtis (client_id, jti_hash, expires_at) VALUES (\(bind: clientID), \(bind: jtiHash), \(bind: expiresAt))
                ON CONFLICT (client_id, jti_hash) DO UPDATE SET expires_at = excluded.expires_at
                WHERE client_assertion_jtis.expires_at <= \(bind: now)
                RETURNING jti_hash
                """).all().isEmpty
        }
    }

    public func prune(now: Int64, limit: Int) async throws -> Int {
        try await database.withSession { db in
            try await db.raw("""
                DELETE FROM client_assertion_jtis WHERE (client_id, jti_hash) IN (
                    SELECT client_id, jti_hash FROM client_assertion_jtis WHERE expires_at <= \(bind: now - Self.pruneMargin) LIMIT \(bind: limit))
                RETURNING jti_hash
                """).all().count
        }
    }
}
