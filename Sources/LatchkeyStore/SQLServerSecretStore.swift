import SQLKit

/// `server_secrets`: values the server keeps for itself, stored sealed by the caller (today the pepper).
public struct SQLServerSecretStore: Sendable {
    let database: LatchkeyDatabase

    public init(database: LatchkeyDatabase) {
        self.database = database
    }

    /// The sealed value stored under `name`, if any.
    public func sealedValue(named name: String) async throws -> String? {
        try await database.withSession { db in
            try await db.raw("SELECT sealed_value FROM server_secrets WHERE name = \(bind: name)").first()
        }.map { try $0.decode(column: "sealed_value", as: String.self) }
    }

    /// Stores `sealed` under `name` unless a value is already there (another instance won the race); `false` then.
    public func insert(named name: String, sealed: String, now: Int64) async throws -> Bool {
        try await database.withSession { db in
            try await db.raw("""
                INSERT INTO server_secrets (name, sealed_value, created_at) VALUES (\(bind: name), \(bind: sealed), \(bind: now))
                ON CONFLICT (name) DO NOTHING RETURNING name
                """).first() != nil
        }
    }

    /// Replaces the value only if it still is `old` (a re-seal racing another is harmless); `false` otherwise.
    public func replace(named name: String, from old: String, to new: String) async throws -> Bool {
        try await database.withSession { db in
            try await db.raw("""
                UPDATE server_secrets SET sealed_value = \(bind: new) WHERE name = \(bind: name) AND sealed_value = \(bind: old)
                RETURNING name
                """).first() != nil
        }
    }
}
