/// The claims of a client assertion (RFC 7523 §3), read with their JSON types checked; whether they are acceptable
/// is `ClientAssertionPolicy`'s decision. Dates are NumericDates (RFC 7519 §2), truncated to whole seconds.
public struct ClientAssertionClaims: Sendable, Equatable {
    public var issuer: String?
    public var subject: String?
    public var audience: [String]
    public var expiresAt: Int64?
    public var notBefore: Int64?
    public var issuedAt: Int64?
    public var tokenID: String?

    public init(
        issuer: String?, subject: String?, audience: [String], expiresAt: Int64?, notBefore: Int64? = nil, issuedAt: Int64? = nil,
        tokenID: String?
    ) {
        self.issuer = issuer
        self.subject = subject
        self.audience = audience
        self.expiresAt = expiresAt
        self.notBefore = notBefore
        self.issuedAt = issuedAt
        self.tokenID = tokenID
    }

    init(_ claims: [String: JSONValue]) throws {
        func string(_ name: String) throws -> String? {
            switch claims[name] {
            case nil: return nil
            case .string(let value)?: return value
            default: throw ClientAssertion.malformed("\(name) is not a string")
            }
        }
        func date(_ name: String) throws -> Int64? {
            switch claims[name] {
            case nil: return nil
            // Far beyond any real date, and inside Int64 for the arithmetic that follows.
            case .number(let value)? where value.isFinite && abs(value) < 1e13: return Int64(value.rounded(.down))
            default: throw ClientAssertion.malformed("\(name) is not a NumericDate")
            }
        }
        // RFC 7519 §4.1.3: one string or an array of strings.
        switch claims["aud"] {
        case nil: audience = []
        case .string(let value)?: audience = [value]
        case .array(let values)?:
            audience = try values.map { value in
                guard case .string(let text) = value else { throw ClientAssertion.malformed("aud is not a string or an array of strings") }
                return text
            }
        default: throw ClientAssertion.malformed("aud is not a string or an array of strings")
        }
        issuer = try string("iss")
        subject = try string("sub")
        tokenID = try string("jti")
        expiresAt = try date("exp")
        notBefore = try date("nbf")
        issuedAt = try date("iat")
    }
}
