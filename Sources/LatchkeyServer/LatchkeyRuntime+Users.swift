public import LatchkeyCore
import LatchkeyCrypto

/// The account operations the CLI and `--dev` perform, with the grants each one must end.
extension LatchkeyRuntime {
    /// Creates an enabled user; throws `UserError` for a bad name, a weak password or a taken name.
    @discardableResult
    public func createUser(username: String, password: String) async throws -> User {
        let name = try User.normalizeUsername(username)
        try PasswordHasher.checkStrength(password)
        let now = clock.now()
        let user = User(
            id: RandomToken.hex(bytes: 16), username: name, passwordHash: try await passwords.hash(password),
            disabled: false, createdAt: now, updatedAt: now
        )
        try await users.create(user)
        return user
    }

    /// Disables or enables a user. Disabling ends their grants now, not when their tokens expire: every refresh
    /// family (and the access tokens issued with them) is revoked and every browser session ends.
    public func setUserDisabled(username: String, _ disabled: Bool) async throws {
        let name = try User.normalizeUsername(username)
        guard try await users.setDisabled(username: name, disabled, now: clock.now()),
              let user = try await users.user(username: name)
        else { throw UserError.notFound(name) }
        if disabled { try await endGrants(of: user) }
        events.record(
            disabled ? .userDisabled(username: name, userID: user.id) : .userEnabled(username: name, userID: user.id), origin: .operatorCommand
        )
    }

    /// Sets a new password. It ends the grants made under the old one: refresh families and browser sessions.
    public func setPassword(username: String, _ password: String) async throws {
        let name = try User.normalizeUsername(username)
        try PasswordHasher.checkStrength(password)
        let hash = try await passwords.hash(password)
        guard try await users.setPasswordHash(username: name, hash, now: clock.now()),
              let user = try await users.user(username: name)
        else { throw UserError.notFound(name) }
        try await endGrants(of: user)
    }

    func endGrants(of user: User) async throws {
        let now = clock.now()
        try await refreshTokens.revokeAll(userID: user.id, now: now)
        try await sessions.deleteAll(userID: user.id)
        try await revocations.sync(now: now)
    }

    /// Development mode only: creates the user `demo` with a random password the first time, and returns that
    /// password so it can be shown once. `nil` when the user already exists (its password is not known).
    public func createDemoUserIfMissing() async throws -> String? {
        guard configuration.dev, !configuration.production else { return nil }
        guard try await users.user(username: "demo") == nil else { return nil }
        let password = RandomToken.generate(bytes: 12)
        do {
            try await createUser(username: "demo", password: password)
        } catch UserError.exists {
            return nil  // another instance created it first
        }
        return password
    }
}

extension LatchkeyRuntime {
    /// `latchkey demo` only: gives the user `demo` a new random password (creating the user if missing) and returns
    /// it, so every run can print a password that works. Setting it ends the previous run's grants and sessions.
    /// Refused outside development mode.
    public func resetDemoUserPassword() async throws -> String {
        guard configuration.dev, !configuration.production else {
            throw ConfigurationError("the demo user exists only in development mode (--dev on a loopback issuer)")
        }
        let password = RandomToken.generate(bytes: 12)
        if try await users.user(username: "demo") == nil {
            try await createUser(username: "demo", password: password)
        } else {
            try await setPassword(username: "demo", password)
        }
        return password
    }
}
