import Foundation
public import Hummingbird
import LatchkeyCore
import NIOFoundationEssentialsCompat

/// RFC 9728 protected resource metadata for one MCP server, and the routes that serve it.
public struct ProtectedResourceMetadata: Codable, Sendable, Equatable {
    public var resource: String
    public var authorizationServers: [String]
    public var scopesSupported: [String]
    public var bearerMethodsSupported: [String]
    public var resourceName: String?

    public init(resource: String, authorizationServer: String, scopesSupported: [String], resourceName: String?) throws {
        self.resource = try ResourceIndicator(resource).uri
        self.authorizationServers = [try Issuer(authorizationServer).url]
        self.scopesSupported = scopesSupported
        self.bearerMethodsSupported = ["header"]
        self.resourceName = resourceName
    }

    enum CodingKeys: String, CodingKey {
        case resource
        case authorizationServers = "authorization_servers"
        case scopesSupported = "scopes_supported"
        case bearerMethodsSupported = "bearer_methods_supported"
        case resourceName = "resource_name"
    }

    /// RFC 9728 §3.1: the well-known segment goes between the host and the resource's path.
    public var wellKnownPaths: [String] {
        let path = Self.path(of: resource)
        let base = "/.well-known/oauth-protected-resource"
        return path.isEmpty || path == "/" ? [base] : [base + path, base]
    }

    /// The absolute URL of the metadata, for `WWW-Authenticate: Bearer resource_metadata="…"`.
    public var metadataURL: String {
        let path = Self.path(of: resource)
        let origin = String(resource.dropLast(path.count))
        return origin + "/.well-known/oauth-protected-resource" + (path == "/" ? "" : path)
    }

    static func path(of uri: String) -> String {
        guard let schemeEnd = uri.range(of: "://") else { return "" }
        let rest = uri[schemeEnd.upperBound...]
        guard let slash = rest.firstIndex(of: "/") else { return "" }
        return String(rest[slash...].prefix { $0 != "?" })
    }

    /// Serves the document at both well-known paths, encoded once.
    public func addRoutes<Context: RequestContext>(to router: Router<Context>) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let body = ByteBuffer(data: try encoder.encode(self))
        for path in wellKnownPaths {
            router.get(RouterPath(path)) { _, _ in
                Response(
                    status: .ok,
                    headers: [.contentType: "application/json", .cacheControl: "public, max-age=300", .accessControlAllowOrigin: "*"],
                    body: .init(byteBuffer: body)
                )
            }
        }
    }
}
