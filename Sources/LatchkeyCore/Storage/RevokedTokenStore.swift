/// Revoked access tokens, by `jti`, kept until they would have expired anyway (RFC 7009 §2, RFC 7662).
public protocol RevokedTokenStore: Sendable {
    func revoke(tokenID: String, expiresAt: Int64, now: Int64) async throws
    func isRevoked(tokenID: String) async throws -> Bool
    /// Unexpired revocations recorded at or after `since` (by any instance), as jti → exp.
    func revoked(since: Int64, now: Int64) async throws -> [String: Int64]
    /// Forgets revocations of tokens that have expired by `now`.
    /// Deletes up to `limit` revocations of tokens expired by `now`; returns how many.
    func prune(now: Int64, limit: Int) async throws -> Int
}
