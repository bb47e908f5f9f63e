import Foundation

/// The issuer identifier (RFC 8414 §2): an `https` URL (or `http` on loopback in development)
/// with no query or fragment. Kept byte-for-byte as configured, since clients compare it exactly.
public struct Issuer: Sendable, Equatable, CustomStringConvertible {
    public let url: String
    /// The path component without a trailing slash, e.g. `/t1`, or empty.
    public let path: String
    public let isLoopback: Bool
    public let isHTTPS: Bool

    public init(_ url: String) throws {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
              components.host?.isEmpty == false
        else {
            throw IssuerError("issuer '\(url)' is not an absolute URL")
        }
        guard scheme == "https" || scheme == "http" else { throw IssuerError("issuer must use https (or http on loopback)") }
        guard components.query == nil, components.fragment == nil, !url.unicodeScalars.contains("?"), !url.unicodeScalars.contains("#") else {
            throw IssuerError("issuer must not have a query or fragment (RFC 8414 §2)")
        }
        guard components.user == nil, components.password == nil else { throw IssuerError("issuer must not contain user information") }
        guard !url.hasSuffix("/") else { throw IssuerError("issuer must not end with '/'; write '\(url.dropLast())'") }
        guard URISyntax.hasOnlyURICharacters(url), let hostAndPort = URISyntax.hostAndPort(of: url) else {
            throw IssuerError("issuer '\(url)' needs a plain host name or address and a port in 1...65535")
        }
        // Routes are mounted under the path as written, so it must need no decoding or normalization.
        let segments = components.percentEncodedPath.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        guard !components.percentEncodedPath.unicodeScalars.contains("%"), !segments.contains(where: { $0.isEmpty || $0 == "." || $0 == ".." }) else {
            throw IssuerError("issuer path must not contain empty, '.' or '..' segments or percent-encoding")
        }
        self.url = url
        self.path = components.path
        self.isHTTPS = scheme == "https"
        self.isLoopback = RedirectURIPolicy.isLoopback(hostAndPort.host)
    }

    public var description: String { url }

    /// An endpoint URL under the issuer, e.g. `endpoint("/token")`.
    public func endpoint(_ path: String) -> String { url + path }

    /// `scheme://host[:port]` as a browser serializes it in `Origin` (RFC 6454 §6.1): scheme and host in lower case,
    /// the default port left out.
    public var origin: String {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(), let host = components.host else {
            return String(url.utf8.dropLast(path.utf8.count)) ?? url
        }
        let bare = host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host
        let shownHost = bare.unicodeScalars.contains(":") ? "[\(bare.lowercased())]" : bare.lowercased()
        let defaultPort = scheme == "https" ? 443 : 80
        let port = components.port.map { $0 == defaultPort ? "" : ":\($0)" } ?? ""
        return "\(scheme)://\(shownHost)\(port)"
    }
}

public struct IssuerError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
