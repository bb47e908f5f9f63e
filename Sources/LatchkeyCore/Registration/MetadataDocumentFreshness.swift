import Foundation

/// How long a fetched client metadata document is used (RFC 9111 `Cache-Control`), within Latchkey's bounds: at
/// least `minimum` (a document that says `no-store` would otherwise be fetched on every request, which its host
/// and Latchkey both pay for), at most `maximum` (a client's redirect URIs and name must not stay stale for days),
/// and then `staleIfError` more while its host fails to answer — Claude's document has answered datacenter fetches
/// with a 403 and with an HTML page, and a client whose logins all break for that is worse than one a day old.
public struct MetadataDocumentFreshness: Sendable, Equatable {
    public var minimum: Int64
    public var maximum: Int64
    public var staleIfError: Int64

    public init(minimum: Int64 = 300, maximum: Int64 = 86_400, staleIfError: Int64 = 86_400) {
        self.minimum = minimum
        self.maximum = maximum
        self.staleIfError = staleIfError
    }

    /// Seconds the answer may be used as fresh: `max-age` (or `s-maxage`, which a shared cache — this is one —
    /// prefers), else `Expires` minus `date` (the answer's `Date`, or the time it arrived), else `minimum`; clamped
    /// to the bounds.
    public func lifetime(cacheControl: String?, expires: Int64?, date: Int64) -> Int64 {
        var maxAge: Int64?
        var sharedMaxAge: Int64?
        for directive in (cacheControl ?? "").split(separator: ",") {
            let parts = directive.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            guard let name = parts.first else { continue }
            let value = parts.count == 2 ? Int64(parts[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))) : nil
            switch name {
            case "max-age": maxAge = value
            case "s-maxage": sharedMaxAge = value
            case "no-store", "no-cache": return minimum
            default: continue
            }
        }
        let declared = sharedMaxAge ?? maxAge ?? expires.map { $0 - date }
        return min(maximum, max(minimum, declared ?? minimum))
    }

    /// The cache entry for a document fetched at `now`.
    public func entry(
        url: String, body: String, etag: String?, lastModified: String?, lifetime: Int64, now: Int64
    ) -> CachedMetadataDocument {
        CachedMetadataDocument(
            url: url, body: body, etag: etag, lastModified: lastModified, fetchedAt: now,
            freshUntil: now + lifetime, staleUntil: now + lifetime + staleIfError
        )
    }
}
