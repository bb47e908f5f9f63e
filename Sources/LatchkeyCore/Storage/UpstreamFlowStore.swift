/// Pending connect flows (`UpstreamFlow`), keyed by the HMAC of their `state`.
public protocol UpstreamFlowStore: Sendable {
    /// Stores `flow`; the user's oldest pending flows beyond `maxPerUser` are deleted in the same transaction.
    func create(_ flow: UpstreamFlow, maxPerUser: Int) async throws
    /// Deletes and returns the flow for `stateHash`: single use, whoever presents it, before anything else happens.
    func consume(stateHash: String) async throws -> UpstreamFlow?
    /// Deletes flows that expired before `now`; returns how many.
    func deleteExpired(now: Int64) async throws -> Int
}
