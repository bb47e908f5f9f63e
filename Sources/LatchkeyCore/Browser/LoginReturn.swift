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
        if candidate.hasPrefix(connectionsPath + "/"), candidate.hasSuffix("/connect") {
            let id = candidate.dropFirst(connectionsPath.count + 1).dropLast("/connect".count)
            if UpstreamProvider.isValidID(String(id)) { return candidate }
        }
        return accountPath
    }
}
