/// Fetched client metadata documents, shared by every instance on one database so a document is fetched once per
/// freshness period, not once per instance, and survives a restart while its host is down.
public protocol ClientMetadataDocumentStore: Sendable {
    func document(url: String) async throws -> CachedMetadataDocument?
    /// Inserts or replaces the document for its URL.
    func save(_ document: CachedMetadataDocument) async throws
    /// Documents ordered by URL, after `cursor` when given (`latchkey clients list`).
    func list(after cursor: String?, limit: Int) async throws -> [CachedMetadataDocument]
    /// `false` when there was nothing to delete.
    func delete(url: String) async throws -> Bool
    /// Deletes at most `limit` documents no longer usable even stale (`staleUntil` before `now`); returns how many.
    func deleteUnusable(now: Int64, limit: Int) async throws -> Int
    /// Deletes at most `limit` of the least recently fetched documents beyond the newest `keeping`; returns how many.
    func trim(keeping: Int, limit: Int) async throws -> Int
}
