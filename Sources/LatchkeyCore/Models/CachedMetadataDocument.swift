/// A client metadata document as fetched and accepted, with what HTTP caching said about it.
public struct CachedMetadataDocument: Sendable, Equatable {
    /// The client id: the URL the document was fetched from.
    public var url: String
    /// The document's JSON as served (validated when fetched, and again when read, so a rule tightened since
    /// applies at once).
    public var body: String
    /// Validators for a conditional revalidation (RFC 9110 §13.1): `If-None-Match`, `If-Modified-Since`.
    public var etag: String?
    public var lastModified: String?
    /// Unix seconds.
    public var fetchedAt: Int64
    /// Until when the document is used without asking its host again.
    public var freshUntil: Int64
    /// Until when it is still used if its host fails to answer (RFC 5861 `stale-if-error`, bounded by Latchkey).
    public var staleUntil: Int64
    /// The last token issued to the client, to the hour; the store keeps it when the document is saved again.
    public var lastUsedAt: Int64?

    public init(
        url: String, body: String, etag: String?, lastModified: String?, fetchedAt: Int64, freshUntil: Int64, staleUntil: Int64,
        lastUsedAt: Int64? = nil
    ) {
        self.url = url
        self.body = body
        self.etag = etag
        self.lastModified = lastModified
        self.fetchedAt = fetchedAt
        self.freshUntil = freshUntil
        self.staleUntil = staleUntil
        self.lastUsedAt = lastUsedAt
    }
}
