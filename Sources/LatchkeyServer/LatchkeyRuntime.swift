import Foundation
import LatchkeyCore
import LatchkeyCrypto
import LatchkeyStore
import Logging

/// The opened store, keys and secrets the server and the operator commands share.
public struct LatchkeyRuntime: Sendable {
    public let configuration: LatchkeyConfiguration
    public let database: LatchkeyDatabase
    public let clients: any ClientStore
    public let revokedTokens: any RevokedTokenStore
    /// The revoked jtis mirrored in memory (see `RevocationList`).
    let revocations: RevocationList
    public let users: any UserStore
    public let codes: any AuthorizationCodeStore
    public let refreshTokens: any RefreshTokenStore
    public let sessions: any SessionStore
    public let consents: any ConsentStore
    public let passwords: PasswordHasher
    public let signingKeys: SigningKeys
    public let hasher: SecretHasher
    public let logger: Logger

    /// Opens the database, applies pending migrations, loads the master key and the signing keys
    /// (creating the first ones on a new database).
    public static func open(_ configuration: LatchkeyConfiguration, logger: Logger) async throws -> LatchkeyRuntime {
        let database = try LatchkeyDatabase(location: configuration.database, logger: logger)
        do {
            try await Migrator(database: database).migrate()
            let masterKey = try MasterKeyLoader.load(configuration, logger: logger)
            let signingKeys = SigningKeys(store: SQLSigningKeyStore(database: database), masterKey: masterKey)
            try await signingKeys.bootstrap(now: Self.now())
            let revokedTokens = SQLRevokedTokenStore(database: database)
            let revocations = RevocationList(store: revokedTokens)
            try await revocations.sync(now: Self.now())
            return LatchkeyRuntime(
                configuration: configuration,
                database: database,
                clients: ClientCache(base: SQLClientStore(database: database), ttl: .seconds(configuration.clientCacheTTL)),
                revokedTokens: revokedTokens,
                revocations: revocations,
                users: SQLUserStore(database: database),
                codes: SQLAuthorizationCodeStore(database: database),
                refreshTokens: SQLRefreshTokenStore(database: database),
                sessions: SQLSessionStore(database: database),
                consents: SQLConsentStore(database: database),
                passwords: PasswordHasher(),
                signingKeys: signingKeys,
                hasher: SecretHasher(masterKey: masterKey),
                logger: logger
            )
        } catch {
            try? await database.shutdown()
            throw error
        }
    }

    public func shutdown() async throws {
        try await database.shutdown()
    }

    /// Unix seconds.
    @Sendable public static func now() -> Int64 { Int64(Date().timeIntervalSince1970) }
}
