public import LatchkeyCore
import SQLKit

/// `ConsentStore` over SQL. A grant reads and writes in one transaction so two approvals in parallel
/// keep the union of their scopes.
public struct SQLConsentStore: ConsentStore {
    let database: LatchkeyDatabase

    public init(database: LatchkeyDatabase) {
        self.database = database
    }

    public func consent(userID: String, clientID: String, audience: [String]) async throws -> Consent? {
        let key = Consent.audienceKey(audience)
        return try await database.withReadSession { db in
            try await db.raw("""
                SELECT * FROM consents WHERE user_id = \(bind: userID) AND client_id = \(bind: clientID) AND audience_key = \(bind: key)
                """).first()
        }.map(Self.decode)
    }

    public func grant(_ consent: Consent) async throws {
        let key = Consent.audienceKey(consent.audience)
        let lock = database.engine == .postgres ? " FOR UPDATE" : ""
        try await database.withTransaction { db in
            let existing = try await db.raw(SQLQueryString("""
                SELECT * FROM consents WHERE user_id = \(bind: consent.userID) AND client_id = \(bind: consent.clientID)
                    AND audience_key = \(bind: key)
                """) + SQLQueryString(lock)).first().map(Self.decode)
            if let existing {
                let merged = existing.merged(with: consent)
                try await db.raw("""
                    UPDATE consents SET scope = \(bind: merged.scopes.joined(separator: " ")), offline_access = \(bind: merged.offlineAccess),
                        redirect_targets = \(bind: merged.redirectTargets.joined(separator: " ")), updated_at = \(bind: merged.updatedAt)
                    WHERE user_id = \(bind: consent.userID) AND client_id = \(bind: consent.clientID) AND audience_key = \(bind: key)
                    """).run()
            } else {
                // ON CONFLICT: a parallel first approval on PostgreSQL (no row to lock yet) must not fail the user.
                try await db.raw("""
                    INSERT INTO consents (user_id, client_id, audience_key, audience, scope, offline_access, redirect_targets, created_at, updated_at)
                    VALUES (\(bind: consent.userID), \(bind: consent.clientID), \(bind: key), \(bind: consent.audience.joined(separator: " ")),
                        \(bind: consent.scopes.joined(separator: " ")), \(bind: consent.offlineAccess),
                        \(bind: consent.redirectTargets.joined(separator: " ")), \(bind: consent.createdAt), \(bind: consent.updatedAt))
                    ON CONFLICT (user_id, client_id, audience_key) DO NOTHING
                    """).run()
            }
        }
    }

    public func list(userID: String) async throws -> [Consent] {
        try await database.withReadSession { db in
            try await db.raw("SELECT * FROM consents WHERE user_id = \(bind: userID) ORDER BY updated_at DESC, client_id").all()
        }.map(Self.decode)
    }

    public func revoke(userID: String, clientID: String, audience: [String]) async throws -> Bool {
        let key = Consent.audienceKey(audience)
        return try await database.withSession { db in
            try await !db.raw("""
                DELETE FROM consents WHERE user_id = \(bind: userID) AND client_id = \(bind: clientID) AND audience_key = \(bind: key)
                RETURNING client_id
                """).all().isEmpty
        }
    }

    public func revokeAll(clientID: String) async throws {
        try await database.withSession { db in
            try await db.raw("DELETE FROM consents WHERE client_id = \(bind: clientID)").run()
        }
    }

    static func decode(_ row: any SQLRow) throws -> Consent {
        Consent(
            userID: try row.decode(column: "user_id", as: String.self),
            clientID: try row.decode(column: "client_id", as: String.self),
            audience: SQLLists.split(try row.decode(column: "audience", as: String.self)),
            scopes: SQLLists.split(try row.decode(column: "scope", as: String.self)),
            offlineAccess: try row.decode(column: "offline_access", as: Bool.self),
            redirectTargets: SQLLists.split(try row.decode(column: "redirect_targets", as: String.self)),
            createdAt: try row.decode(column: "created_at", as: Int64.self),
            updatedAt: try row.decode(column: "updated_at", as: Int64.self)
        )
    }
}
