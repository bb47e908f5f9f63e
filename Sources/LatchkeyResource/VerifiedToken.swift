/// The claims of an access token that passed `TokenVerifier`, as handlers see them.
public struct VerifiedToken: Sendable, Equatable {
    public var subject: String
    public var clientID: String
    public var scopes: [String]
    public var audience: [String]
    public var issuer: String
    public var expiresAt: Int64
    public var tokenID: String?

    public init(subject: String, clientID: String, scopes: [String], audience: [String], issuer: String, expiresAt: Int64, tokenID: String?) {
        self.subject = subject
        self.clientID = clientID
        self.scopes = scopes
        self.audience = audience
        self.issuer = issuer
        self.expiresAt = expiresAt
        self.tokenID = tokenID
    }

    /// Whether a user stands behind the token. Latchkey's tokens without a user (`client_credentials`) carry the
    /// client as `sub` (RFC 9068 §2.2); a user's token carries the user's id, which is never a client id. A resource
    /// server must not treat a machine token as a user's authorization (docs/resource-servers.md).
    public var isUserToken: Bool { subject != clientID }

    public func hasScopes(_ required: [String]) -> Bool {
        required.allSatisfy(scopes.contains)
    }
}

/// Why a token was refused. The middleware turns these into RFC 6750 challenges; `description` is safe to send.
public enum TokenVerificationError: Error, Sendable, Equatable, CustomStringConvertible {
    case malformed
    case unsupportedAlgorithm(String)
    case wrongType
    case unknownKey
    case badSignature
    case wrongIssuer
    case wrongAudience
    case expired
    case notYetValid
    /// The authorization server's metadata or keys could not be fetched and none are cached.
    case keysUnavailable(String)

    public var description: String {
        switch self {
        case .malformed: "The access token is malformed"
        case .unsupportedAlgorithm(let alg): "The access token's algorithm \(alg.prefix(16)) is not accepted"
        case .wrongType: "The token is not an access token (typ must be at+jwt)"
        case .unknownKey: "The access token was signed by an unknown key"
        case .badSignature: "The access token's signature is invalid"
        case .wrongIssuer: "The access token was issued by another authorization server"
        case .wrongAudience: "The access token is not for this resource"
        case .expired: "The access token has expired"
        case .notYetValid: "The access token is not valid yet"
        case .keysUnavailable: "The authorization server's keys are unavailable"
        }
    }
}
