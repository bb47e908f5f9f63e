/// The audit trail: an append-only chain of security events (`AuditChain`), pruned from its start by retention.
public protocol AuditTrailStore: Sendable {
    /// Chains `entries` after the newest row, in this order, in one transaction that excludes every other append
    /// (any instance): the chain never forks and seqs never repeat or skip.
    func append(_ entries: [AuditEntry]) async throws
    /// The anchor (where the chain starts) and the head (the newest row), as stored.
    func chainState() async throws -> (anchor: AuditAnchor, head: AuditHead)
    /// Up to `limit` rows after `seq`, oldest first: for walking the chain.
    func records(after seq: Int64, limit: Int) async throws -> [AuditRecord]
    /// Rows matching `query`, newest first.
    func list(_ query: AuditQuery) async throws -> [AuditRecord]
    /// Deletes up to `limit` of the oldest rows recorded before `cutoff` (stopping at the first newer one) and moves
    /// the anchor to the last deleted row, in one transaction. Returns how many were deleted.
    func prune(recordedBefore cutoff: Int64, limit: Int) async throws -> Int
}

/// Which rows `AuditTrailStore.list` returns.
public struct AuditQuery: Sendable, Equatable {
    public var userID: String?
    /// Unix seconds; rows recorded at or after.
    public var since: Int64?
    /// Only these event names; all when `nil`.
    public var events: [String]?
    public var limit: Int

    public init(userID: String? = nil, since: Int64? = nil, events: [String]? = nil, limit: Int = 100) {
        self.userID = userID
        self.since = since
        self.events = events
        self.limit = limit
    }
}
