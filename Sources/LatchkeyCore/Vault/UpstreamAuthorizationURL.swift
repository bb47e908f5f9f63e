import Foundation

/// The URL a connect sends the browser to (RFC 6749 §4.1.1 with PKCE S256, RFC 7636): Latchkey's own parameters,
/// then the provider's fixed extras (which may not override them — `UpstreamProvider` refuses that at start). A query
/// the endpoint already has is kept.
public enum UpstreamAuthorizationURL {
    public static func make(
        endpoint: String, provider: UpstreamProvider, redirectURI: String, state: String, codeChallenge: String
    ) throws(ProviderError) -> String {
        guard let components = URLComponents(string: endpoint), components.fragment == nil else {
            throw ProviderError("\(provider.id): the authorization endpoint is not a valid URL")
        }
        var pairs: [(String, String)] = [
            ("response_type", "code"), ("client_id", provider.clientID), ("redirect_uri", redirectURI), ("state", state),
            ("code_challenge", codeChallenge), ("code_challenge_method", "S256"),
        ]
        if !provider.scopes.isEmpty { pairs.append(("scope", provider.scopes.joined(separator: " "))) }
        pairs += provider.authorizationParameters.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        let query = FormEncoding.encode(pairs)
        // The endpoint's own query (from configuration or metadata) may not carry a parameter Latchkey sets: a second
        // `state` or `redirect_uri` would be ambiguous at the upstream.
        if let item = components.queryItems?.first(where: { UpstreamProvider.reservedAuthorizationParameters.contains($0.name) }) {
            throw ProviderError("\(provider.id): the authorization endpoint's query sets '\(item.name)', which Latchkey sets itself")
        }
        let existing = components.percentEncodedQuery.flatMap { $0.isEmpty ? nil : $0 }
        let base = endpoint.split(separator: "?", maxSplits: 1)[0]
        return base + "?" + (existing.map { $0 + "&" } ?? "") + query
    }
}
