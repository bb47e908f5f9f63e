public import Foundation
#if canImport(FoundationNetworking)
public import FoundationNetworking
#endif

/// Where the verifier gets documents over HTTP (the AS metadata and the JWKS). Tests and embedders may supply their
/// own; `URLSessionKeySource` is the default.
public protocol KeySource: Sendable {
    /// The body of a `200` answer to GET `url`, and the `Cache-Control: max-age` it carried, if any.
    func fetch(_ url: String) async throws -> (body: Data, maxAge: Int?)
}

/// Fetches with `URLSession` (the shared one unless given another), a short timeout, and a size cap. The body must be
/// a `200`; the metadata must name the configured issuer, which is what ties the keys to it.
public struct URLSessionKeySource: KeySource {
    public let session: URLSession
    public let timeout: TimeInterval
    public let maxBytes: Int

    public init(session: URLSession = .shared, timeout: TimeInterval = 5, maxBytes: Int = 256 * 1024) {
        self.session = session
        self.timeout = timeout
        self.maxBytes = maxBytes
    }

    public func fetch(_ url: String) async throws -> (body: Data, maxAge: Int?) {
        guard let target = URL(string: url), target.scheme == "https" || target.scheme == "http" else {
            throw TokenVerificationError.keysUnavailable("not an http(s) URL: \(url)")
        }
        var request = URLRequest(url: target, timeoutInterval: timeout)
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        let (data, response) = try await session.data(for: request)
        guard let http = response as? HTTPURLResponse, http.statusCode == 200 else {
            throw TokenVerificationError.keysUnavailable("\(url) did not answer 200")
        }
        guard data.count <= maxBytes else { throw TokenVerificationError.keysUnavailable("\(url) answered more than \(maxBytes) bytes") }
        return (data, CacheControl.maxAge(http.value(forHTTPHeaderField: "Cache-Control")))
    }
}

enum CacheControl {
    /// `max-age=N` from a `Cache-Control` value; `no-store`/`no-cache` count as 0.
    static func maxAge(_ value: String?) -> Int? {
        guard let value else { return nil }
        var maxAge: Int?
        for directive in value.lowercased().split(separator: ",") {
            let parts = directive.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
            switch parts.first {
            case "no-store", "no-cache": return 0
            case "max-age": maxAge = parts.count == 2 ? Int(parts[1].trimmingCharacters(in: CharacterSet(charactersIn: "\" "))) : nil
            default: break
            }
        }
        return maxAge
    }
}
