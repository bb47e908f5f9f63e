/// Where the login form may send the browser afterwards: only this server's authorization request, account page,
/// connections page or a provider's connect page, so the login form can never be used as an open redirector
/// (RFC 9700 §4.11).
public struct LoginReturn: Sendable, Equatable {
    public let authorizePath: String
    public let accountPath: String
    public let connectionsPath: String

    public init(authorizePath: String, accountPath: String, connectionsPath: String) {
        self.authorizePath = authorizePath
        self.accountPath = accountPath
        self.connectionsPath = connectionsPath
    }

    /// `candidate` if it is `<authorizePath>?…`, exactly `accountPath` or `connectionsPath`, or
    /// `<connectionsPath>/<provider id>/connect` (and holds no line breaks); else the account page.
    public func target(_ candidate: String?) -> String {
        guard let candidate, !candidate.unicodeScalars.contains("\r"), !candidate.unicodeScalars.contains("\n") else { return accountPath }
        if candidate.hasPrefix(authorizePath + "?") || candidate == accountPath || candidate == connectionsPath { return candidate }
        // A connect page, possibly with the `for` link an MCP server handed out (base64url and a dot, nothing else).
        let parts = candidate.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        let path = parts[0]
        if path.hasPrefix(connectionsPath + "/"), path.hasSuffix("/connect") {
            let id = path.dropFirst(connectionsPath.count + 1).dropLast("/connect".count)
            let query = parts.count == 2 ? parts[1] : nil
            let linkOK = query.map { query in
                query.hasPrefix("for=") && query.utf8.count <= 2100
                    && query.utf8.dropFirst(4).allSatisfy { Base64URL.isAlphabet($0) || $0 == UInt8(ascii: ".") }
            } ?? true
            if UpstreamProvider.isValidID(String(id)), linkOK { return candidate }
        }
        return accountPath
    }
}
