public import Foundation

/// An upstream's RFC 8414 authorization server metadata, as far as the vault uses it.
public struct UpstreamMetadata: Sendable, Equatable {
    public var issuer: String
    public var authorizationEndpoint: String
    public var tokenEndpoint: String
    public var revocationEndpoint: String?
    public var userinfoEndpoint: String?
    /// RFC 9207: the upstream sends `iss` with its authorization responses, so the callback must check it.
    public var issParameterSupported: Bool

    /// RFC 8414 §3.1: the well-known segment goes between the host and the issuer's path.
    public static func metadataURL(forIssuer issuer: String) -> String? {
        guard var components = URLComponents(string: issuer), components.query == nil, components.fragment == nil else { return nil }
        let path = components.path == "/" ? "" : components.path
        components.path = "/.well-known/oauth-authorization-server" + path
        return components.string
    }

    /// OpenID Connect Discovery §4: `/.well-known/openid-configuration` appended to the issuer — what providers that
    /// publish no RFC 8414 document (Google) serve.
    public static func openIDConfigurationURL(forIssuer issuer: String) -> String? {
        guard let components = URLComponents(string: issuer), components.query == nil, components.fragment == nil else { return nil }
        return (issuer.hasSuffix("/") ? String(issuer.dropLast()) : issuer) + "/.well-known/openid-configuration"
    }

    /// Parses a metadata document. RFC 8414 §3.3: its `issuer` must be identical to the issuer it was fetched for,
    /// or the document is refused (a mix-up of two servers). Bodies nesting deeper than 8 levels are refused unparsed.
    public init(json: Data, expectedIssuer: String) throws {
        guard JSONNesting.isWithin(8, json),
              let object = try? JSONSerialization.jsonObject(with: json) as? [String: Any]
        else { throw ProviderError("the metadata document is not a JSON object") }
        guard let issuer = object["issuer"] as? String, issuer == expectedIssuer else {
            throw ProviderError("the metadata's issuer is not exactly \(expectedIssuer) (RFC 8414 §3.3)")
        }
        func endpoint(_ name: String) throws -> String? {
            guard let value = object[name] else { return nil }
            guard let text = value as? String, UpstreamProvider.isEndpoint(text, allowsHTTP: expectedIssuer.lowercased().hasPrefix("http:")) else {
                throw ProviderError("the metadata's \(name) is not an https URL")
            }
            return text
        }
        guard let authorization = try endpoint("authorization_endpoint"), let token = try endpoint("token_endpoint") else {
            throw ProviderError("the metadata names no authorization_endpoint or token_endpoint")
        }
        self.issuer = issuer
        self.authorizationEndpoint = authorization
        self.tokenEndpoint = token
        self.revocationEndpoint = try endpoint("revocation_endpoint")
        self.userinfoEndpoint = try endpoint("userinfo_endpoint")
        self.issParameterSupported = (object["authorization_response_iss_parameter_supported"] as? Bool) ?? false
    }
}
