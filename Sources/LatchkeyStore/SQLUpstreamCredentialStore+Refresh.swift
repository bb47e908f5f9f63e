public import LatchkeyCore
import SQLKit

/// Refresh coordination (`UpstreamRefreshStore`): a lease so one instance refreshes a connection at a time, and
/// writes that land only over the version that was read.
extension SQLUpstreamCredentialStore: UpstreamRefreshStore {
    public func acquireRefreshLease(_ credential: StoredUpstreamCredential, owner: String, until: Int64, now: Int64) async throws -> Bool {
        try await database.withSession { db in
            try await db.raw("""
                UPDATE upstream_credentials SET refresh_lease_owner = \(bind: owner), refresh_lease_until = \(bind: until)
                WHERE user_id = \(bind: credential.userID) AND provider_id = \(bind: credential.providerID)
                    AND version = \(bind: credential.version) AND (refresh_lease_until IS NULL OR refresh_lease_until < \(bind: now))
                RETURNING provider_id
                """).first() != nil
        }
    }

    public func writeRefreshed(_ credential: StoredUpstreamCredential, expectedVersion: Int64) async throws -> Bool {
        try await database.withSession { db in
            try await db.raw("""
                UPDATE upstream_credentials SET access_token = \(bind: credential.accessToken), refresh_token = \(bind: credential.refreshToken),
                    token_type = \(bind: credential.tokenType), scope = \(bind: credential.scopes.joined(separator: " ")),
                    access_token_expires_at = \(bind: credential.accessTokenExpiresAt), refreshed_at = \(bind: credential.refreshedAt),
                    status = \(bind: credential.status.rawValue), last_error = \(bind: credential.lastError),
                    version = version + 1, refresh_lease_owner = NULL, refresh_lease_until = NULL
                WHERE user_id = \(bind: credential.userID) AND provider_id = \(bind: credential.providerID) AND version = \(bind: expectedVersion)
                RETURNING provider_id
                """).first() != nil
        }
    }

    public func releaseRefreshLease(_ credential: StoredUpstreamCredential, owner: String, lastError: String?) async throws {
        try await database.withSession { db in
            try await db.raw("""
                UPDATE upstream_credentials SET refresh_lease_owner = NULL, refresh_lease_until = NULL, last_error = \(bind: lastError)
                WHERE user_id = \(bind: credential.userID) AND provider_id = \(bind: credential.providerID)
                    AND version = \(bind: credential.version) AND refresh_lease_owner = \(bind: owner)
                """).run()
        }
    }
}
