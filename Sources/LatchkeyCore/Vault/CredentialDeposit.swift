/// `PUT /api/v1/user/credentials/{provider}`: tokens a front end got from the upstream itself, checked strictly —
/// an unknown member, a wrong type, an empty or over-long value is refused naming the field, and nothing is stored.
public struct CredentialDeposit: Sendable, Equatable {
    public var refreshToken: String
    public var accessToken: String?
    /// Seconds the access token lives, from now.
    public var expiresIn: Int64?
    public var scopes: [String]
    public var tokenType: String
    public var account: String?

    public static let members: Set<String> = ["refresh_token", "access_token", "expires_in", "scope", "token_type", "account"]
    /// Longer than any real token (Google's refresh tokens are ~100 characters, GitHub's under 100; JWTs a few KB).
    public static let maxTokenLength = 8192
    public static let maxShortLength = 256

    public init(_ body: JSONValue) throws {
        guard case .object(let fields) = body else { throw Self.invalid("the body must be a JSON object") }
        if let unknown = fields.keys.sorted().first(where: { !Self.members.contains($0) }) {
            throw Self.invalid("unknown member '\(RedirectURIPolicy.excerpt(unknown))'; the members are \(Self.members.sorted().joined(separator: ", "))")
        }
        /// `token`: RFC 6749 Appendix A `VSCHAR` (printable ASCII). Otherwise printable text without control or
        /// formatting characters (a right-to-left override could dress up the "connected as" label).
        func string(_ name: String, max: Int, token: Bool = false) throws -> String? {
            switch fields[name] {
            case nil, .null?: return nil
            case .string(let value)?:
                guard !value.isEmpty else { throw Self.invalid("\(name) must not be empty") }
                guard value.utf8.count <= max else { throw Self.invalid("\(name) is longer than \(max) bytes") }
                let printable = token
                    ? value.unicodeScalars.allSatisfy { (0x20...0x7E).contains($0.value) }
                    : value.unicodeScalars.allSatisfy { ![.control, .format, .lineSeparator, .paragraphSeparator].contains($0.properties.generalCategory) }
                guard printable else { throw Self.invalid("\(name) must not contain control characters") }
                return value
            default: throw Self.invalid("\(name) must be a string")
            }
        }
        guard let refreshToken = try string("refresh_token", max: Self.maxTokenLength, token: true) else {
            throw Self.invalid("refresh_token is required")
        }
        self.refreshToken = refreshToken
        self.accessToken = try string("access_token", max: Self.maxTokenLength, token: true)
        switch fields["expires_in"] {
        case nil, .null?:
            self.expiresIn = nil
        case .number(let number)?:
            guard number >= 0, number <= 31_536_000, number == number.rounded() else {
                throw Self.invalid("expires_in must be a whole number of seconds between 0 and 31536000")
            }
            self.expiresIn = Int64(number)
        case .string(let text)?:
            // Some upstreams send it as a numeric string (RFC 6749 says number); nothing else is accepted.
            guard (1...8).contains(text.utf8.count), text.utf8.allSatisfy({ (48...57).contains($0) }), let value = Int64(text), value <= 31_536_000 else {
                throw Self.invalid("expires_in must be a whole number of seconds between 0 and 31536000")
            }
            self.expiresIn = value
        default:
            throw Self.invalid("expires_in must be a whole number of seconds between 0 and 31536000")
        }
        if self.expiresIn != nil, accessToken == nil { throw Self.invalid("expires_in needs an access_token") }
        let scope = try string("scope", max: Self.maxTokenLength)
        self.scopes = try Scope.parse(scope)
        let tokenType = try string("token_type", max: 64) ?? "Bearer"
        // RFC 6749 §7.1: only Bearer tokens can be handed on as they are (a DPoP token is useless without its key).
        guard tokenType.lowercased() == "bearer" else { throw Self.invalid("token_type must be Bearer") }
        self.tokenType = "Bearer"
        self.account = try string("account", max: Self.maxShortLength)
    }

    static func invalid(_ description: String) -> OAuthError {
        OAuthError.invalidRequest(description)
    }
}
