public import LatchkeyCore
import SQLKit

/// `UpstreamFlowStore` over SQL. `consume` is one `DELETE … RETURNING`, so of two callbacks racing with the same
/// `state` (on one instance or two) exactly one gets the flow.
public struct SQLUpstreamFlowStore: UpstreamFlowStore {
    let database: LatchkeyDatabase

    public init(database: LatchkeyDatabase) {
        self.database = database
    }

    public func create(_ flow: UpstreamFlow, maxPerUser: Int) async throws {
        try await database.withTransaction { db in
            try await db.raw("""
                INSERT INTO upstream_flows (state_hash, user_id, session_hash, provider_id, code_verifier, created_at, expires_at)
                VALUES (\(bind: flow.stateHash), \(bind: flow.userID), \(bind: flow.sessionHash), \(bind: flow.providerID),
                    \(bind: flow.codeVerifier), \(bind: flow.createdAt), \(bind: flow.expiresAt))
                """).run()
            // Bounded per user: a script that starts flows in a loop keeps only the newest few. The flow just created
            // always stays (several started in one second tie on created_at).
            try await db.raw("""
                DELETE FROM upstream_flows WHERE user_id = \(bind: flow.userID) AND state_hash <> \(bind: flow.stateHash)
                AND state_hash NOT IN (
                    SELECT state_hash FROM upstream_flows WHERE user_id = \(bind: flow.userID) AND state_hash <> \(bind: flow.stateHash)
                    ORDER BY created_at DESC, state_hash DESC LIMIT \(bind: max(0, maxPerUser - 1)))
                """).run()
        }
    }

    public func consume(stateHash: String) async throws -> UpstreamFlow? {
        try await database.withSession { db in
            try await db.raw("DELETE FROM upstream_flows WHERE state_hash = \(bind: stateHash) RETURNING *").first()
        }.map { row in
            UpstreamFlow(
                stateHash: try row.decode(column: "state_hash", as: String.self),
                userID: try row.decode(column: "user_id", as: String.self),
                sessionHash: try row.decode(column: "session_hash", as: String.self),
                providerID: try row.decode(column: "provider_id", as: String.self),
                codeVerifier: try row.decode(column: "code_verifier", as: String.self),
                createdAt: try row.decode(column: "created_at", as: Int64.self),
                expiresAt: try row.decode(column: "expires_at", as: Int64.self)
            )
        }
    }

    public func deleteExpired(now: Int64) async throws -> Int {
        try await database.withSession { db in
            try await db.raw("DELETE FROM upstream_flows WHERE expires_at <= \(bind: now) RETURNING state_hash").all().count
        }
    }
}
