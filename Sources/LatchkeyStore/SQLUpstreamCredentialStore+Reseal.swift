public import LatchkeyCore
import SQLKit

extension SQLUpstreamCredentialStore {
    /// Every connection of every user in (user, provider) order, `limit` at a time after `last`: how a master-key
    /// rotation walks the vault in small batches without holding anything open between them.
    public func page(after last: StoredUpstreamCredential?, limit: Int) async throws -> [StoredUpstreamCredential] {
        try await database.withReadSession { db in
            if let last {
                return try await db.raw("""
                    SELECT * FROM upstream_credentials
                    WHERE user_id > \(bind: last.userID) OR (user_id = \(bind: last.userID) AND provider_id > \(bind: last.providerID))
                    ORDER BY user_id, provider_id LIMIT \(bind: limit)
                    """).all()
            }
            return try await db.raw("SELECT * FROM upstream_credentials ORDER BY user_id, provider_id LIMIT \(bind: limit)").all()
        }.map(Self.decode)
    }

    /// Stores the re-sealed tokens only if the row still holds exactly `credential`'s sealed values (compare-and-swap,
    /// as `markNeedsReauth`): a reconnect or refresh written meanwhile is kept. `false` when the row changed or is gone.
    public func replaceSealed(_ credential: StoredUpstreamCredential, accessToken: String?, refreshToken: String?) async throws -> Bool {
        try await database.withSession { db in
            try await db.raw("""
                UPDATE upstream_credentials SET access_token = \(bind: accessToken), refresh_token = \(bind: refreshToken)
                WHERE user_id = \(bind: credential.userID) AND provider_id = \(bind: credential.providerID)
                    AND (access_token = \(bind: credential.accessToken) OR (access_token IS NULL AND \(bind: credential.accessToken) IS NULL))
                    AND (refresh_token = \(bind: credential.refreshToken) OR (refresh_token IS NULL AND \(bind: credential.refreshToken) IS NULL))
                RETURNING provider_id
                """).first() != nil
        }
    }
}
