/// A local account that can log in and approve clients.
public struct User: Sendable, Equatable {
    /// Stable, opaque; the `sub` of tokens issued for this user.
    public var id: String
    /// Lowercase; unique.
    public var username: String
    /// bcrypt.
    public var passwordHash: String
    public var disabled: Bool
    public var createdAt: Int64
    public var updatedAt: Int64

    public init(id: String, username: String, passwordHash: String, disabled: Bool, createdAt: Int64, updatedAt: Int64) {
        self.id = id
        self.username = username
        self.passwordHash = passwordHash
        self.disabled = disabled
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// Usernames are 1–64 characters of letters, digits and `._@-`, compared without case.
    public static func normalizeUsername(_ raw: String) throws -> String {
        let name = raw.lowercased()
        guard (1...64).contains(name.utf8.count),
              name.utf8.allSatisfy({ $0.isASCIIAlphanumeric || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "@") || $0 == UInt8(ascii: "-") })
        else {
            throw UserError.invalidUsername
        }
        return name
    }
}

public enum UserError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidUsername
    case weakPassword
    case exists(String)
    case notFound(String)

    public var description: String {
        switch self {
        case .invalidUsername: "a username is 1–64 characters of letters, digits, '.', '_', '@' and '-'"
        case .weakPassword: "a password must be 8 to 72 bytes (bcrypt ignores anything longer)"
        case .exists(let name): "a user named \(name) already exists"
        case .notFound(let name): "there is no user named \(name)"
        }
    }
}

extension UInt8 {
    var isASCIIAlphanumeric: Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(self) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(self)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self)
    }
}

extension User {
    /// RFC 6749 §10.4: a disabled or deleted user gets no more tokens, from a code or a refresh token.
    public static func requireMayReceiveTokens(_ user: User?) throws {
        guard let user, !user.disabled else {
            throw OAuthError(.invalidGrant, "The user who authorized this grant can no longer sign in")
        }
    }
}
