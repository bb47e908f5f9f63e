import LatchkeyCore
import LatchkeyCrypto

extension LatchkeyRuntime {
    /// Development mode only: creates the user `demo` with a random password the first time, and returns that
    /// password so it can be shown once. `nil` when the user already exists (its password is not known).
    public func createDemoUserIfMissing() async throws -> String? {
        guard configuration.dev, !configuration.production else { return nil }
        guard try await users.user(username: "demo") == nil else { return nil }
        let password = RandomToken.generate(bytes: 12)
        let now = Self.now()
        do {
            try await users.create(User(
                id: RandomToken.hex(bytes: 16), username: "demo", passwordHash: try await passwords.hash(password),
                disabled: false, createdAt: now, updatedAt: now
            ))
        } catch UserError.exists {
            return nil  // another instance created it first
        }
        return password
    }
}
