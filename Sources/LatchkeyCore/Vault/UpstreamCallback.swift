/// What an upstream's redirect to `/connections/callback` carries (RFC 6749 §4.1.2, RFC 9207), parsed strictly: a
/// repeated parameter or a missing `state` is no answer at all. Nothing here is trusted until the flow that `state`
/// names has been found and consumed.
public struct UpstreamCallback: Sendable, Equatable {
    public enum Result: Sendable, Equatable {
        case code(String)
        /// The upstream's error code when it is an allowlisted one, `nil` for anything else: its text is never shown.
        case error(String?)
    }

    public var state: String
    public var result: Result
    /// RFC 9207 `iss`, when sent.
    public var issuer: String?

    public static let maxStateLength = 512

    public init(query: Substring) throws(UpstreamCallbackError) {
        guard let parameters = try? FormParameters(parsing: query) else { throw .malformed }
        guard let state = parameters["state"], state.utf8.count <= Self.maxStateLength else { throw .malformed }
        self.state = state
        self.issuer = parameters["iss"]
        if let error = parameters["error"] {
            self.result = .error(UpstreamErrorCode.authorization.contains(error) ? error : nil)
        } else if let code = parameters["code"], UpstreamValue.isToken(code) {
            self.result = .code(code)
        } else {
            throw .malformed
        }
    }

    /// RFC 9207 §2.4: when the upstream's issuer is known, an `iss` that differs is a mix-up and refused; a missing
    /// one is refused when the upstream said it always sends one. Without a known issuer there is nothing to compare.
    public func checkIssuer(expected: String?, required: Bool) throws(UpstreamCallbackError) {
        guard let expected else { return }
        if let issuer {
            guard issuer == expected else { throw .issuerMismatch }
        } else if required {
            throw .issuerMissing
        }
    }
}

public enum UpstreamCallbackError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No `state`, a repeated parameter, neither `code` nor `error`.
    case malformed
    case issuerMismatch
    case issuerMissing

    public var description: String {
        switch self {
        case .malformed: "the callback does not carry a usable authorization response"
        case .issuerMismatch: "the callback's iss is not the provider's issuer (RFC 9207)"
        case .issuerMissing: "the callback has no iss although the provider always sends one (RFC 9207)"
        }
    }
}
