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
    public static let maxTokenLength = UpstreamValue.maxTokenLength
    public static let maxShortLength = UpstreamValue.maxLabelLength

    public init(_ body: JSONValue) throws {
        guard case .object(let fields) = body else { throw Self.invalid("the body must be a JSON object") }
        if let unknown = fields.keys.sorted().first(where: { !Self.members.contains($0) }) {
            throw Self.invalid("unknown member '\(RedirectURIPolicy.excerpt(unknown))'; the members are \(Self.members.sorted().joined(separator: ", "))")
        }
        /// `token`: `UpstreamValue.isToken`; otherwise `UpstreamValue.isPrintable`.
        func string(_ name: String, max: Int, token: Bool = false) throws -> String? {
            switch fields[name] {
            case nil, .null?: return nil
            case .string(let value)?:
                guard !value.isEmpty else { throw Self.invalid("\(name) must not be empty") }
                guard value.utf8.count <= max else { throw Self.invalid("\(name) is longer than \(max) bytes") }
                guard token ? UpstreamValue.isToken(value) : UpstreamValue.isPrintable(value) else {
                    throw Self.invalid("\(name) must not contain control characters")
                }
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
        case let value?:
            guard let seconds = UpstreamValue.lifetime(value) else {
                throw Self.invalid("expires_in must be a whole number of seconds between 0 and \(UpstreamValue.maxLifetime)")
            }
            self.expiresIn = seconds
        }
        if self.expiresIn != nil, accessToken == nil { throw Self.invalid("expires_in needs an access_token") }
        let scope = try string("scope", max: Self.maxTokenLength)
        self.scopes = try Scope.parse(scope)
        guard let tokenType = UpstreamValue.bearerType(try string("token_type", max: 64)) else {
            throw Self.invalid("token_type must be Bearer")
        }
        self.tokenType = tokenType
        self.account = try string("account", max: Self.maxShortLength)
    }

    static func invalid(_ description: String) -> OAuthError {
        OAuthError.invalidRequest(description)
    }
}
