import Foundation

/// RFC 8707 resource indicators, normalized so equal resources compare equal (DESIGN §7):
/// lowercase scheme and host, default port dropped, no fragment, a trailing slash tolerated.
public struct ResourceIndicator: Hashable, Sendable, CustomStringConvertible {
    /// The normalized absolute URI.
    public let uri: String

    /// Normalizes `value` or throws `invalid_target` (RFC 8707 §2: absolute URI, no fragment).
    public init(_ value: String) throws {
        func reject(_ reason: String) -> OAuthError {
            OAuthError(.invalidTarget, "resource '\(RedirectURIPolicy.excerpt(value))' \(reason)")
        }
        guard value.utf8.count <= 2048 else { throw reject("is too long") }
        guard !value.unicodeScalars.contains("#") else { throw reject("must not contain a fragment") }
        guard URISyntax.hasOnlyURICharacters(value), let components = URLComponents(string: value),
              let scheme = components.scheme?.lowercased(), scheme == "https" || scheme == "http",
              let hostAndPort = URISyntax.hostAndPort(of: value),
              components.user == nil, components.password == nil
        else { throw reject("must be an absolute http(s) URI with a host") }
        var host = hostAndPort.host
        if host.unicodeScalars.contains(":") { host = "[\(host)]" }
        let defaultPort = scheme == "https" ? 443 : 80
        let port = hostAndPort.port.flatMap { $0 == defaultPort ? nil : ":\($0)" } ?? ""
        var path = components.percentEncodedPath
        if path.hasSuffix("/") { path.removeLast() }
        let query = components.percentEncodedQuery.map { "?\($0)" } ?? ""
        self.uri = "\(scheme)://\(host)\(port)\(path)\(query)"
    }

    public var description: String { uri }
}
