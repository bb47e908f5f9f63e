/// RFC 6749 §3.3 scope values: space-delimited tokens, compared as sets.
public enum Scope {
    /// The tokens of `scope`, de-duplicated in order; `invalid_scope` for characters §3.3 does not allow.
    public static func parse(_ scope: String?) throws -> [String] {
        guard let scope else { return [] }
        var tokens: [String] = []
        for token in scope.split(separator: " ", omittingEmptySubsequences: true).map(String.init) {
            guard isValidToken(token) else {
                throw OAuthError(.invalidScope, "scope '\(RedirectURIPolicy.excerpt(token))' is not a valid scope token")
            }
            if !tokens.contains(token) { tokens.append(token) }
        }
        return tokens
    }

    /// RFC 6749 §3.3: `scope-token = 1*( %x21 / %x23-5B / %x5D-7E )`.
    public static func isValidToken(_ token: String) -> Bool {
        !token.isEmpty && token.unicodeScalars.allSatisfy { $0.value == 0x21 || (0x23...0x5B).contains($0.value) || (0x5D...0x7E).contains($0.value) }
    }

    /// A client's registered `scope` (less any the server no longer supports), or every scope the server supports:
    /// the ceiling for `client_credentials`, the default for an authorization request that names no scope.
    public static func allowed(for client: RegisteredClient, supported: [String]) -> [String] {
        client.metadata.scope.map { $0.split(separator: " ").map(String.init).filter(supported.contains) } ?? supported
    }

    /// `requested` if every token is in `allowed`, else `invalid_scope` naming the first that is not.
    public static func require(_ requested: [String], within allowed: [String], reason: String = "is not allowed for this client") throws -> [String] {
        if let extra = requested.first(where: { !allowed.contains($0) }) {
            throw OAuthError(.invalidScope, "scope '\(RedirectURIPolicy.excerpt(extra))' \(reason)")
        }
        return requested
    }
}
