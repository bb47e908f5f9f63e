public import LatchkeyCore
import SQLKit

/// `ClientRegistryStore` over the same table: last use, pruning and counts.
extension SQLClientStore: ClientRegistryStore {
    public func recordUse(clientID: String, now: Int64, granularity: Int64) async throws -> Bool {
        // A URL client id is no row of the registry: its use is kept beside its metadata document.
        if ClientIDMetadataDocument.isURL(clientID) {
            return try await database.withSession { db in
                try await !db.raw("""
                    UPDATE client_metadata_documents SET last_used_at = \(bind: now)
                    WHERE url = \(bind: clientID) AND (last_used_at IS NULL OR last_used_at < \(bind: now - granularity))
                    RETURNING url
                    """).all().isEmpty
            }
        }
        return try await database.withSession { db in
            try await !db.raw("""
                UPDATE clients SET last_used_at = \(bind: now)
                WHERE client_id = \(bind: clientID) AND (last_used_at IS NULL OR last_used_at < \(bind: now - granularity))
                RETURNING client_id
                """).all().isEmpty
        }
    }

    public func count(kind: ClientKind) async throws -> Int {
        try await database.withReadSession { db in
            try await db.raw("SELECT COUNT(*) AS n FROM clients WHERE kind = \(bind: kind.rawValue)").first()?.decode(column: "n", as: Int.self) ?? 0
        }
    }

    public func prunable(
        _ cutoffs: ClientRetention.Cutoffs, protected: Set<String>, after cursor: String?, limit: Int
    ) async throws -> [RegisteredClient] {
        guard let condition = Self.prunableCondition(cutoffs) else { return [] }
        let exclusion: SQLQueryString = protected.isEmpty ? "" : " AND client_id NOT IN (\(binds: protected.sorted()))"
        let query = "SELECT * FROM clients WHERE client_id > \(bind: cursor ?? "") AND " + condition + exclusion
        let rows = try await database.withReadSession { db in
            try await db.raw(query + " ORDER BY client_id LIMIT \(bind: limit)").all()
        }
        return try rows.map(Self.decode)
    }

    public func deletePrunable(_ clientIDs: [String], _ cutoffs: ClientRetention.Cutoffs) async throws -> [String] {
        guard !clientIDs.isEmpty, let condition = Self.prunableCondition(cutoffs) else { return [] }
        let now = cutoffs.now
        return try await database.withTransaction { db in
            // The condition again: a client used since it was listed is kept.
            let deleted = try await db.raw(
                "DELETE FROM clients WHERE client_id IN (\(binds: clientIDs)) AND " + condition + " RETURNING client_id"
            ).all().map { try $0.decode(column: "client_id", as: String.self) }
            guard !deleted.isEmpty else { return [] }
            let ids: SQLQueryString = "client_id IN (\(binds: deleted))"
            // An idle client's access tokens expired long ago (idle TTL ≥ 7 days, tokens ≤ 1 day); a token issued
            // between the listing and now is revoked all the same, so no token of a deleted client stays usable.
            for table in ["refresh_tokens", "authorization_codes"] {
                try await db.raw("""
                    INSERT INTO revoked_access_tokens (token_id, expires_at, revoked_at)
                    SELECT DISTINCT access_token_id, access_token_expires_at, \(bind: now) FROM \(ident: table)
                    WHERE \(ids) AND access_token_id IS NOT NULL AND access_token_expires_at > \(bind: now)
                    ON CONFLICT (token_id) DO NOTHING
                    """).run()
            }
            // Everything that names a client id: refresh families (with their code and access-token links), codes,
            // remembered approvals.
            for table in ["refresh_tokens", "authorization_codes", "consents"] {
                try await db.raw("DELETE FROM \(ident: table) WHERE \(ids)").run()
            }
            return deleted
        }
    }

    public func activeFamilies(clientIDs: [String], now: Int64) async throws -> [String: Int] {
        guard !clientIDs.isEmpty else { return [:] }
        let rows = try await database.withReadSession { db in
            try await db.raw("""
                SELECT client_id, COUNT(DISTINCT family_id) AS families FROM refresh_tokens
                WHERE client_id IN (\(binds: clientIDs)) AND rotated_at IS NULL AND revoked_at IS NULL
                    AND expires_at > \(bind: now) AND family_expires_at > \(bind: now)
                GROUP BY client_id
                """).all()
        }
        var counts: [String: Int] = [:]
        for row in rows {
            counts[try row.decode(column: "client_id", as: String.self)] = try row.decode(column: "families", as: Int.self)
        }
        return counts
    }

    /// `ClientRetention.reason(for:now:)` as SQL; `nil` when both halves of the rule are off.
    static func prunableCondition(_ cutoffs: ClientRetention.Cutoffs) -> SQLQueryString? {
        var parts: [SQLQueryString] = []
        if let before = cutoffs.unusedIssuedBefore {
            parts.append("(last_used_at IS NULL AND issued_at < \(bind: before))")
        }
        if let before = cutoffs.idleLastUsedBefore {
            parts.append("last_used_at < \(bind: before)")
        }
        guard let first = parts.first else { return nil }
        let either = parts.dropFirst().reduce(first) { $0 + " OR " + $1 }
        // Never a client someone can still use: a live refresh token or code means its last use may simply not be
        // recorded yet (recording is asynchronous), and deleting it would cut off those users.
        let now = cutoffs.now
        let live: SQLQueryString = """
             AND NOT EXISTS (SELECT 1 FROM refresh_tokens r WHERE r.client_id = clients.client_id AND r.revoked_at IS NULL
                AND r.rotated_at IS NULL AND r.expires_at > \(bind: now))
             AND NOT EXISTS (SELECT 1 FROM authorization_codes c WHERE c.client_id = clients.client_id AND c.expires_at > \(bind: now))
            """
        return "kind = \(bind: ClientKind.dynamic.rawValue) AND (" + either + ")" + live
    }
}
