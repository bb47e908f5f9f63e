public import LatchkeyCore
import SQLKit

/// `UpstreamCredentialStore` over SQL: one row per (user, provider), always addressed by both ids with `=` and bound
/// parameters, so no id (one holding `:`, `|` or `%`) can reach another user's rows.
public struct SQLUpstreamCredentialStore: UpstreamCredentialStore {
    let database: LatchkeyDatabase

    public init(database: LatchkeyDatabase) {
        self.database = database
    }

    public func put(_ credential: StoredUpstreamCredential) async throws {
        try await database.withSession { db in
            try await db.raw("""
                INSERT INTO upstream_credentials (user_id, provider_id, access_token, refresh_token, token_type, scope, account,
                    access_token_expires_at, connected_at, refreshed_at, status, last_error)
                VALUES (\(bind: credential.userID), \(bind: credential.providerID), \(bind: credential.accessToken), \(bind: credential.refreshToken),
                    \(bind: credential.tokenType), \(bind: credential.scopes.joined(separator: " ")), \(bind: credential.account),
                    \(bind: credential.accessTokenExpiresAt), \(bind: credential.connectedAt), \(bind: credential.refreshedAt),
                    \(bind: credential.status.rawValue), \(bind: credential.lastError))
                ON CONFLICT (user_id, provider_id) DO UPDATE SET access_token = excluded.access_token, refresh_token = excluded.refresh_token,
                    token_type = excluded.token_type, scope = excluded.scope, account = excluded.account,
                    access_token_expires_at = excluded.access_token_expires_at, connected_at = excluded.connected_at,
                    refreshed_at = excluded.refreshed_at, status = excluded.status, last_error = excluded.last_error,
                    version = upstream_credentials.version + 1, refresh_lease_owner = NULL, refresh_lease_until = NULL
                """).run()
        }
    }

    public func credential(userID: String, providerID: String) async throws -> StoredUpstreamCredential? {
        try await database.withReadSession { db in
            try await db.raw("SELECT * FROM upstream_credentials WHERE user_id = \(bind: userID) AND provider_id = \(bind: providerID)").first()
        }.map(Self.decode)
    }

    public func list(userID: String) async throws -> [StoredUpstreamCredential] {
        try await database.withReadSession { db in
            try await db.raw("SELECT * FROM upstream_credentials WHERE user_id = \(bind: userID) ORDER BY provider_id").all()
        }.map(Self.decode)
    }

    public func markNeedsReauth(_ credential: StoredUpstreamCredential) async throws -> Bool {
        try await database.withSession { db in
            try await db.raw("""
                UPDATE upstream_credentials SET status = \(bind: StoredUpstreamCredential.Status.needsReauth.rawValue)
                WHERE user_id = \(bind: credential.userID) AND provider_id = \(bind: credential.providerID)
                    AND (access_token = \(bind: credential.accessToken) OR (access_token IS NULL AND \(bind: credential.accessToken) IS NULL))
                    AND (refresh_token = \(bind: credential.refreshToken) OR (refresh_token IS NULL AND \(bind: credential.refreshToken) IS NULL))
                RETURNING provider_id
                """).first() != nil
        }
    }

    public func delete(userID: String, providerID: String) async throws -> StoredUpstreamCredential? {
        try await database.withSession { db in
            try await db.raw("""
                DELETE FROM upstream_credentials WHERE user_id = \(bind: userID) AND provider_id = \(bind: providerID) RETURNING *
                """).first()
        }.map(Self.decode)
    }

    static func decode(_ row: any SQLRow) throws -> StoredUpstreamCredential {
        StoredUpstreamCredential(
            userID: try row.decode(column: "user_id", as: String.self),
            providerID: try row.decode(column: "provider_id", as: String.self),
            accessToken: try row.decode(column: "access_token", as: String?.self),
            refreshToken: try row.decode(column: "refresh_token", as: String?.self),
            tokenType: try row.decode(column: "token_type", as: String.self),
            scopes: SQLLists.split(try row.decode(column: "scope", as: String.self)),
            account: try row.decode(column: "account", as: String?.self),
            accessTokenExpiresAt: try row.decode(column: "access_token_expires_at", as: Int64?.self),
            connectedAt: try row.decode(column: "connected_at", as: Int64.self),
            refreshedAt: try row.decode(column: "refreshed_at", as: Int64?.self),
            // An unknown status (a newer binary wrote it) asks the user to connect again rather than guess.
            status: StoredUpstreamCredential.Status(rawValue: try row.decode(column: "status", as: String.self)) ?? .needsReauth,
            lastError: try row.decode(column: "last_error", as: String?.self),
            version: try row.decode(column: "version", as: Int64.self)
        )
    }
}
