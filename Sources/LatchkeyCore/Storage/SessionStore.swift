/// Browser sessions, keyed by the HMAC of the cookie value.
public protocol SessionStore: Sendable {
    func create(_ session: BrowserSession) async throws
    func session(idHash: String) async throws -> BrowserSession?
    /// Records activity, for the idle timeout.
    func touch(idHash: String, now: Int64) async throws
    func delete(idHash: String) async throws
    /// Ends every session of a user (disabled, or password changed).
    func deleteAll(userID: String) async throws
    /// Removes sessions past `idleBefore` or their absolute end.
    /// Deletes up to `limit` sessions ended by `now` or idle since before `idleBefore`; returns how many.
    func prune(now: Int64, idleBefore: Int64, limit: Int) async throws -> Int
}

/// Remembered approvals, one per (user, client, audience).
public protocol ConsentStore: Sendable {
    func consent(userID: String, clientID: String, audience: [String]) async throws -> Consent?
    /// Remembers an approval; what was already approved for the same key is kept (`Consent.merged(with:)`).
    func grant(_ consent: Consent) async throws
    func list(userID: String) async throws -> [Consent]
    /// `false` when there was nothing to forget.
    func revoke(userID: String, clientID: String, audience: [String]) async throws -> Bool
    /// Forgets every approval of a client (its redirect URIs or grants changed).
    func revokeAll(clientID: String) async throws
}
