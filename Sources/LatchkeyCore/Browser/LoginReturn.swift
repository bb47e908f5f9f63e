/// Where the login form may send the browser afterwards: only this server's authorization request or account
/// page, so the login form can never be used as an open redirector (RFC 9700 §4.11).
public struct LoginReturn: Sendable, Equatable {
    public let authorizePath: String
    public let accountPath: String

    public init(authorizePath: String, accountPath: String) {
        self.authorizePath = authorizePath
        self.accountPath = accountPath
    }

    /// `candidate` if it is `<authorizePath>?…` or exactly `accountPath` (and holds no line breaks); else the account page.
    public func target(_ candidate: String?) -> String {
        guard let candidate, candidate.hasPrefix(authorizePath + "?") || candidate == accountPath,
              !candidate.unicodeScalars.contains("\r"), !candidate.unicodeScalars.contains("\n")
        else { return accountPath }
        return candidate
    }
}
