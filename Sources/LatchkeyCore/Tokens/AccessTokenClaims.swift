/// The claims of a Latchkey access token, an RFC 9068 JWT (`typ: at+jwt`).
///
/// Dates are integer seconds (RFC 7519 NumericDate); `aud` is the resource the token is for (RFC 8707).
public struct AccessTokenClaims: Codable, Sendable, Equatable {
    public var issuer: String
    public var subject: String
    public var audience: [String]
    public var clientID: String
    public var scope: String?
    public var issuedAt: Int64
    public var expiresAt: Int64
    public var tokenID: String
    public var authTime: Int64?

    public init(
        issuer: String, subject: String, audience: [String], clientID: String, scope: String?,
        issuedAt: Int64, expiresAt: Int64, tokenID: String, authTime: Int64? = nil
    ) {
        self.issuer = issuer
        self.subject = subject
        self.audience = audience
        self.clientID = clientID
        self.scope = scope
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
        self.tokenID = tokenID
        self.authTime = authTime
    }

    enum CodingKeys: String, CodingKey {
        case issuer = "iss"
        case subject = "sub"
        case audience = "aud"
        case clientID = "client_id"
        case scope
        case issuedAt = "iat"
        case expiresAt = "exp"
        case tokenID = "jti"
        case authTime = "auth_time"
    }

    /// RFC 7519 §4.1.3 allows `aud` as one string or an array; one audience is written as a string.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(issuer, forKey: .issuer)
        try container.encode(subject, forKey: .subject)
        if audience.count == 1 {
            try container.encode(audience[0], forKey: .audience)
        } else {
            try container.encode(audience, forKey: .audience)
        }
        try container.encode(clientID, forKey: .clientID)
        try container.encodeIfPresent(scope, forKey: .scope)
        try container.encode(issuedAt, forKey: .issuedAt)
        try container.encode(expiresAt, forKey: .expiresAt)
        try container.encode(tokenID, forKey: .tokenID)
        try container.encodeIfPresent(authTime, forKey: .authTime)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        issuer = try container.decode(String.self, forKey: .issuer)
        subject = try container.decode(String.self, forKey: .subject)
        if let single = try? container.decode(String.self, forKey: .audience) {
            audience = [single]
        } else {
            audience = try container.decode([String].self, forKey: .audience)
        }
        clientID = try container.decode(String.self, forKey: .clientID)
        scope = try container.decodeIfPresent(String.self, forKey: .scope)
        issuedAt = try container.decode(Int64.self, forKey: .issuedAt)
        expiresAt = try container.decode(Int64.self, forKey: .expiresAt)
        tokenID = try container.decode(String.self, forKey: .tokenID)
        authTime = try container.decodeIfPresent(Int64.self, forKey: .authTime)
    }
}
