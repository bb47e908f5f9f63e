public import LatchkeyCore

/// The audit trail as the `latchkey audit` commands read it.
extension LatchkeyRuntime {
    /// Rows newest first. `user` is a username, else a user id (a deleted user's rows keep the id).
    public func auditRecords(user: String?, since: Int64?, limit: Int) async throws -> [AuditRecord] {
        var userID: String?
        if let user {
            if let name = try? User.normalizeUsername(user), let found = try await users.user(username: name) {
                userID = found.id
            } else {
                userID = user
            }
        }
        return try await auditTrail.list(AuditQuery(userID: userID, since: since, limit: limit))
    }

    /// Writes the security events queued so far (tests; `shutdown` does it too).
    public func flushAuditTrail() async {
        await audit.flush()
    }

    /// Walks the whole chain from its anchor, a page at a time (`AuditChainVerifier`). `expectedHead`: a head the
    /// operator recorded earlier, outside the database; the trail must still reach it with the same MAC.
    public func verifyAuditTrail(expectedHead: AuditHead? = nil, pageSize: Int = 1000) async throws -> AuditVerification {
        await audit.flush()
        let (anchor, storedHead) = try await auditTrail.chainState()
        var verifier = AuditChainVerifier(chain: auditChain, anchor: anchor, expectedHead: expectedHead)
        var page = try await auditTrail.records(after: anchor.seq, limit: pageSize)
        while verifier.problem == nil, !page.isEmpty {
            let next = page.count == pageSize ? try await auditTrail.records(after: page[page.count - 1].seq, limit: pageSize) : []
            verifier.check(page, lookahead: next)
            page = next
        }
        verifier.finish(storedHead: storedHead)
        return AuditVerification(anchor: anchor, verified: verifier.count, last: verifier.last, storedHead: storedHead, problem: verifier.problem)
    }
}

/// What `verifyAuditTrail` found.
public struct AuditVerification: Sendable {
    /// Where the walk started: the last pruned row (seq 0 before any pruning).
    public let anchor: AuditAnchor
    /// Rows whose MAC checked, from the anchor on.
    public let verified: Int
    /// The last row that checked (the anchor when none did): record it outside the database to detect truncation later.
    public let last: AuditHead
    /// The head the store keeps.
    public let storedHead: AuditHead
    /// The first break, or `nil` when the whole chain checked.
    public let problem: AuditChainVerifier.Problem?
}
