public import Foundation
import LatchkeyCore
public import LatchkeyResource

/// How the demo MCP server is set up: which authorization server it trusts and which URI it answers to.
public struct DemoConfiguration: Sendable {
    /// The scope every protected route needs.
    public static let toolsScope = "mcp:tools"
    /// The extra scope `write_note` needs: a token without it gets `403 insufficient_scope` (the step-up).
    public static let writeScope = "demo:write"
    /// What Latchkey's `resources` entry for the demo lists, and the demo's protected-resource metadata publishes.
    public static let scopes = [toolsScope, writeScope, "offline_access"]

    /// Latchkey's issuer URL.
    public var issuer: String
    /// The MCP endpoint's URI as clients use it (RFC 8707 `resource`, the tokens' `aud`), e.g. `http://127.0.0.1:8081/mcp`.
    public var resource: String
    public var host: String
    public var port: Int
    /// `Host` header values `/mcp` accepts (`*` matches any port), against DNS rebinding. Defaults to the resource's
    /// authority, plus the loopback names when the resource is on loopback.
    public var allowedHosts: [String]
    public var resourceName: String
    /// How long one `/mcp` request may take before its MCP server is stopped and the request answered with an error.
    public var requestTimeout: Duration = .seconds(10)
    /// The RFC 9728 document the demo publishes.
    public let metadata: ProtectedResourceMetadata
    /// How `upstream_profile` gets upstream tokens from Latchkey's vault; without it the tool is not offered.
    public var upstreamExchange: UpstreamExchange?

    /// The demo MCP server's side of the vault's token exchange (RFC 8693).
    public struct UpstreamExchange: Sendable {
        /// Latchkey's token endpoint, `{issuer}/token`.
        public var tokenEndpoint: URL
        /// The demo's confidential client at Latchkey (`client_secret_basic`): the `client_id` of its `resources` entry.
        public var clientID: String
        public var clientSecret: String
        /// The provider's id in Latchkey (the exchange's `audience`), e.g. `demo-cloud`.
        public var provider: String
        /// The provider's name, as the tool's answers say it.
        public var providerName: String
        /// Where the provider's API is: `upstream_profile` calls `{apiBaseURL}/api/profile`.
        public var apiBaseURL: URL

        public init(tokenEndpoint: URL, clientID: String, clientSecret: String, provider: String, providerName: String = "Demo Cloud", apiBaseURL: URL) {
            self.tokenEndpoint = tokenEndpoint
            self.clientID = clientID
            self.clientSecret = clientSecret
            self.provider = provider
            self.providerName = providerName
            self.apiBaseURL = apiBaseURL
        }
    }

    public init(issuer: String, resource: String, host: String = "127.0.0.1", port: Int, allowedHosts: [String]? = nil,
                resourceName: String = "Latchkey demo MCP server", upstreamExchange: UpstreamExchange? = nil) throws {
        self.issuer = try Issuer(issuer).url
        self.resource = try ResourceIndicator(resource).uri
        self.host = host
        self.port = port
        self.resourceName = resourceName
        self.upstreamExchange = upstreamExchange
        self.allowedHosts = allowedHosts ?? Self.defaultHosts(for: self.resource)
        self.metadata = try ProtectedResourceMetadata(
            resource: self.resource, authorizationServer: self.issuer, scopesSupported: Self.scopes, resourceName: resourceName
        )
    }

    /// Where the metadata is, for `WWW-Authenticate`.
    public var metadataURL: String { metadata.metadataURL }

    /// Browser origins `/mcp` accepts: the allowed hosts over http or https. Clients that send no `Origin` pass.
    public var allowedOrigins: [String] {
        allowedHosts.flatMap { ["http://\($0)", "https://\($0)"] }
    }

    /// The routes' path: the resource's path (`/mcp` unless configured otherwise).
    public var mcpPath: String {
        let path = URLComponents(string: resource)?.path ?? ""
        return path.isEmpty ? "/" : path
    }

    static func defaultHosts(for resource: String) -> [String] {
        guard let components = URLComponents(string: resource), let host = components.host else { return [] }
        let port = components.port ?? (components.scheme == "https" ? 443 : 80)
        var hosts = [components.port == nil ? host : "\(host):\(port)"]
        if ["127.0.0.1", "localhost", "::1", "[::1]"].contains(host) {
            hosts += ["127.0.0.1:\(port)", "localhost:\(port)", "[::1]:\(port)"]
        }
        return Array(Set(hosts)).sorted()
    }
}
