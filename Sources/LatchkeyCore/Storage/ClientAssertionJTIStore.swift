/// The `jti`s of client assertions already used, so each assertion authenticates once (RFC 7523 §3 item 7), on every
/// instance sharing the store. Keyed by the client and a digest of the `jti`.
public protocol ClientAssertionJTIStore: Sendable {
    /// Records a use of `jtiHash` by `clientID`, remembered until `expiresAt`. `false` when it is already recorded
    /// and not yet expired at `now`: a replay. One atomic statement, so of two concurrent uses exactly one wins.
    func recordUse(jtiHash: String, clientID: String, expiresAt: Int64, now: Int64) async throws -> Bool
    /// Deletes at most `limit` records that expired by `now`; returns how many.
    func prune(now: Int64, limit: Int) async throws -> Int
}
