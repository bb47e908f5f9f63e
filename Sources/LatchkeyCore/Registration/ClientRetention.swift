/// Which clients the registry removes (issue 13 §3): DCR clients that never got a token within `unusedTTL` of
/// registering, and DCR clients whose last token is older than `idleTTL`. The operator's clients and every client the
/// configuration names (a resource's `client_id`, `introspection-clients`) are never removed, whatever their kind.
///
/// The store runs the same rule in SQL (`cutoffs`); `reason(for:now:)` is the rule itself, for the dry run and tests.
public struct ClientRetention: Sendable, Equatable {
    /// Seconds a new client may go without its first token; 0 never removes a client for that.
    public var unusedTTL: Int64
    /// Seconds a client may go without a token once it had one; 0 never removes a client for that.
    public var idleTTL: Int64
    /// Kept whatever their kind or use: named in the configuration, so removing one would break a resource.
    public var protectedClientIDs: Set<String>

    public init(unusedTTL: Int64, idleTTL: Int64, protectedClientIDs: Set<String>) {
        self.unusedTTL = unusedTTL
        self.idleTTL = idleTTL
        self.protectedClientIDs = protectedClientIDs
    }

    public enum Reason: Sendable, Equatable {
        /// No token since it registered at `registeredAt`.
        case neverUsed(registeredAt: Int64)
        /// No token since `lastUsedAt`.
        case idle(lastUsedAt: Int64)
    }

    /// Why `client` goes at `now`, or `nil` when it stays.
    public func reason(for client: RegisteredClient, now: Int64) -> Reason? {
        guard client.kind == .dynamic, !protectedClientIDs.contains(client.clientID) else { return nil }
        let cutoffs = cutoffs(now: now)
        switch client.lastUsedAt {
        case nil:
            guard let before = cutoffs.unusedIssuedBefore, client.issuedAt < before else { return nil }
            return .neverUsed(registeredAt: client.issuedAt)
        case let lastUsedAt?:
            guard let before = cutoffs.idleLastUsedBefore, lastUsedAt < before else { return nil }
            return .idle(lastUsedAt: lastUsedAt)
        }
    }

    /// The rule as two instants: a DCR client never used and issued before `unusedIssuedBefore`, or last used before
    /// `idleLastUsedBefore`, goes (`nil`: that half of the rule is off).
    public struct Cutoffs: Sendable, Equatable {
        public var unusedIssuedBefore: Int64?
        public var idleLastUsedBefore: Int64?
        /// When the cutoffs were taken; deleting also revokes the access tokens still live then.
        public var now: Int64
    }

    public func cutoffs(now: Int64) -> Cutoffs {
        Cutoffs(
            unusedIssuedBefore: unusedTTL > 0 ? now - unusedTTL : nil,
            idleLastUsedBefore: idleTTL > 0 ? now - idleTTL : nil,
            now: now
        )
    }
}
