/// The registry's upkeep, beside `ClientStore`: when each client last got a token, which DCR clients may go
/// (`ClientRetention`), how many there are, and what each holds.
public protocol ClientRegistryStore: Sendable {
    /// Records that `clientID` got a token at `now`, unless a use after `now - granularity` is already recorded (so a
    /// busy client costs one write per `granularity`, whichever instance serves it). `true` when a row was written.
    func recordUse(clientID: String, now: Int64, granularity: Int64) async throws -> Bool
    /// How many clients of `kind` the registry holds.
    func count(kind: ClientKind) async throws -> Int
    /// DCR clients past `cutoffs`, by id after `cursor`, at most `limit`; never one of `protected`.
    func prunable(_ cutoffs: ClientRetention.Cutoffs, protected: Set<String>, after cursor: String?, limit: Int) async throws -> [RegisteredClient]
    /// Deletes those of `clientIDs` that are still DCR clients past `cutoffs` (a use since they were listed saves
    /// them), with every code, refresh token and approval issued to them, in one transaction; access tokens issued
    /// with those that are still live are revoked. Returns the ids deleted.
    func deletePrunable(_ clientIDs: [String], _ cutoffs: ClientRetention.Cutoffs) async throws -> [String]
    /// Active refresh-token families per client: those whose current token is neither rotated, revoked nor expired at
    /// `now`. Clients without one are absent.
    func activeFamilies(clientIDs: [String], now: Int64) async throws -> [String: Int]
}
