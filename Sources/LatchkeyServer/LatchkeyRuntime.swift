import LatchkeyBroker
import LatchkeyEgress
import NIOCore
public import LatchkeyCore
public import LatchkeyCrypto
public import LatchkeyStore
public import Logging

/// The opened store, keys and secrets the server and the operator commands share.
public struct LatchkeyRuntime: Sendable {
    public let configuration: LatchkeyConfiguration
    public let database: LatchkeyDatabase
    /// Registered clients and URL client ids (Client ID Metadata Documents), cached for `client-cache-ttl`.
    public let clients: any ClientStore
    /// The fetched client metadata documents (`clients` reads them; maintenance prunes them).
    public let metadataDocuments: any ClientMetadataDocumentStore
    /// Last use, pruning and counts of the same registry.
    public let clientRegistry: any ClientRegistryStore
    /// Queues each client's last use off the token endpoint's path; `buildApplication` runs it.
    let clientUses: ClientUseRecorder
    public let revokedTokens: any RevokedTokenStore
    /// The revoked jtis mirrored in memory (see `RevocationList`).
    let revocations: RevocationList
    public let users: any UserStore
    public let codes: any AuthorizationCodeStore
    public let refreshTokens: any RefreshTokenStore
    public let sessions: any SessionStore
    public let consents: any ConsentStore
    /// The `jti`s of client assertions already used (`private_key_jwt`), shared by every instance.
    public let clientAssertionJTIs: any ClientAssertionJTIStore
    /// Clients' public keys (`jwks_uri` fetched and cached), shared by every route of this instance.
    let clientKeys: ClientKeyCache
    /// The vault's rows (sealed upstream tokens).
    public let upstreamCredentials: any UpstreamCredentialStore
    /// Pending connect flows of the vault.
    public let upstreamFlows: any UpstreamFlowStore
    /// Refresh leases and write-backs of the vault's rows.
    let upstreamRefreshes: any UpstreamRefreshStore
    /// What the vault keeps in memory on this instance, shared by every route: opened tokens for seconds, refreshes
    /// in flight, back-off, discovered provider metadata.
    let upstreamAccessState = UpstreamAccessState()
    let upstreamDiscovery = DiscoveryCache()
    /// Seals and opens vault values: AES-256-GCM under the upstream purpose key.
    let upstreamSealer: Sealer
    /// The master key and the previous ones still read (`master-key-previous`).
    let masterKeys: MasterKeyRing
    public let passwords: PasswordHasher
    public let signingKeys: SigningKeys
    public let hasher: SecretHasher
    public let logger: Logger
    /// The one clock every service and controller reads.
    public let clock: UnixClock
    /// This runtime's metrics: a Prometheus registry of its own when `metrics-listen` is set, else a no-op.
    public let metrics: LatchkeyMetrics
    /// The audit trail's rows (`latchkey audit`, the account page).
    public let auditTrail: any AuditTrailStore
    /// Queues security events to `auditTrail`; `buildApplication` runs it, `shutdown` flushes it.
    let audit: AuditRecorder
    /// The chain rule and keys, for `latchkey audit verify`.
    let auditChain: AuditChain

    /// Browser sessions as every page and the credentials API read them.
    var browserSessions: BrowserSessions {
        BrowserSessions(
            store: sessions, users: users, hasher: hasher,
            policy: SessionPolicy(
                idleLifetime: Int64(configuration.sessionIdleLifetime), absoluteLifetime: Int64(configuration.sessionAbsoluteLifetime)
            ),
            secureCookies: configuration.issuer.isHTTPS, clock: clock
        )
    }

    /// The credential vault over this runtime's store and key.
    var vault: Vault { Vault(store: upstreamCredentials, sealer: upstreamSealer, logger: logger, clock: clock) }

    /// The vault's upstream access over this runtime. Reads the providers' client secrets, so it throws naming a
    /// missing one.
    func upstreamAccess() throws -> UpstreamAccess {
        let secrets = try ProviderSecrets.load(configuration.providers)
        let client = UpstreamClient(
            egress: EgressClient(
                configuration: .init(policy: configuration.egress, additionalTrustRootsFile: configuration.egressCAFile),
                metrics: EgressMetrics(factory: metrics.factory, purpose: "upstream")
            ),
            secrets: secrets.secrets, discovery: upstreamDiscovery, clock: clock
        )
        return UpstreamAccess(
            vault: vault, upstream: client, refreshes: upstreamRefreshes, state: upstreamAccessState, clock: clock, logger: logger,
            metrics: UpstreamMetrics(factory: metrics.factory)
        )
    }

    /// Resolves URL client ids: documents fetched through egress with a small size cap and short timeouts (a
    /// browser is waiting at /authorize), shared through `store`.
    static func metadataDocumentResolver(
        _ configuration: LatchkeyConfiguration, store: any ClientMetadataDocumentStore, consents: any ConsentStore, logger: Logger,
        clock: UnixClock, metrics: LatchkeyMetrics
    ) -> MetadataDocumentResolver {
        var policy = configuration.registrationPolicy
        // Not behind the initial access token: machine clients only where the operator allowed them for anyone.
        policy.allowsClientCredentials = configuration.registration.allowClientCredentials
        // Not the operator's allowed private networks: those are for their identity providers, and anyone can name a
        // client id URL — on an internal address it would be a probe of the internal network.
        let egress = EgressClient(configuration: .init(
            policy: EgressAddressPolicy(allowedNetworks: [], allowsLoopback: configuration.egress.allowsLoopback), connectTimeout: .seconds(3), readTimeout: .seconds(5), deadline: .seconds(8),
            maxResponseBytes: ClientIDMetadataDocument.maxDocumentBytes, additionalTrustRootsFile: configuration.egressCAFile
        ), metrics: EgressMetrics(factory: metrics.factory, purpose: "client_metadata"))
        return MetadataDocumentResolver(
            store: store, consents: consents, egress: egress, policy: policy, settings: configuration.metadataDocuments,
            allowsLoopbackHTTP: configuration.egress.allowsLoopback, clock: clock, logger: logger
        )
    }

    /// Where security events go (`SecurityLog`): the log, the audit trail and the security events counter.
    public var events: SecurityLog { SecurityLog(logger: logger, audit: audit, metrics: metrics) }

    /// Opens the database, applies pending migrations, loads the master key and the signing keys
    /// (creating the first ones on a new database).
    ///
    /// `metrics` defaults to a registry of its own when `metrics-listen` is set, and to no metrics otherwise.
    public static func open(
        _ configuration: LatchkeyConfiguration, logger: Logger, clock: UnixClock = .system, metrics: LatchkeyMetrics? = nil
    ) async throws -> LatchkeyRuntime {
        let metrics = metrics ?? (configuration.metricsListen == nil ? .disabled : .prometheus())
        let database = try LatchkeyDatabase(location: configuration.database, logger: logger, metrics: metrics.factory)
        do {
            try await Migrator(database: database).migrate()
            let masterKeys = try MasterKeyLoader.load(configuration, logger: logger)
            // Before the signing keys exist: on an upgraded database the pepper derives from the key that opens them.
            let hasher = try await ServerPepper.load(database: database, keys: masterKeys, now: clock.now())
            let signingKeys = SigningKeys(store: SQLSigningKeyStore(database: database), keys: masterKeys)
            try await signingKeys.bootstrap(now: clock.now())
            let revokedTokens = SQLRevokedTokenStore(database: database)
            let metadataDocuments = SQLClientMetadataDocumentStore(database: database)
            let consents = SQLConsentStore(database: database)
            let revocations = RevocationList(store: revokedTokens)
            try await revocations.sync(now: clock.now())
            let registry = SQLClientStore(database: database)
            let auditChain = AuditChain(keys: AuditKeys(ring: masterKeys))
            let auditTrail = SQLAuditTrailStore(database: database, chain: auditChain)
            return LatchkeyRuntime(
                configuration: configuration,
                database: database,
                clients: ClientCache(
                    base: MetadataDocumentClients(base: registry, resolver: metadataDocumentResolver(
                        configuration, store: metadataDocuments, consents: consents, logger: logger, clock: clock, metrics: metrics
                    )),
                    ttl: .seconds(configuration.clientCacheTTL), metrics: metrics.cache("client")
                ),
                metadataDocuments: metadataDocuments,
                clientRegistry: registry,
                clientUses: ClientUseRecorder(store: registry, clock: clock, logger: logger),
                revokedTokens: revokedTokens,
                revocations: revocations,
                users: SQLUserStore(database: database),
                codes: SQLAuthorizationCodeStore(database: database),
                refreshTokens: SQLRefreshTokenStore(database: database),
                sessions: SQLSessionStore(database: database),
                consents: consents,
                clientAssertionJTIs: SQLClientAssertionJTIStore(database: database),
                // A jwks_uri is chosen by whoever registers (or publishes a metadata document): never the operator's
                // allowed private networks, which are for their identity providers.
                clientKeys: ClientKeyCache(
                    fetch: ClientKeyCache.fetching(through: EgressClient(configuration: .init(
                        policy: EgressAddressPolicy(allowedNetworks: [], allowsLoopback: configuration.egress.allowsLoopback),
                        readTimeout: .seconds(5), deadline: .seconds(10), maxResponseBytes: ClientKeyCache.maxDocumentBytes,
                        additionalTrustRootsFile: configuration.egressCAFile
                    ), metrics: EgressMetrics(factory: metrics.factory, purpose: "client_jwks"))),
                    clock: clock, metrics: metrics.cache("client_jwks")
                ),
                upstreamCredentials: SQLUpstreamCredentialStore(database: database),
                upstreamFlows: SQLUpstreamFlowStore(database: database),
                upstreamRefreshes: SQLUpstreamCredentialStore(database: database),
                upstreamSealer: Sealer(keys: masterKeys, purpose: .upstream),
                masterKeys: masterKeys,
                passwords: PasswordHasher(),
                signingKeys: signingKeys,
                hasher: hasher,
                logger: logger,
                clock: clock,
                metrics: metrics,
                auditTrail: auditTrail,
                audit: AuditRecorder(store: auditTrail, clock: clock, logger: logger),
                auditChain: auditChain
            )
        } catch {
            try? await database.shutdown()
            throw error
        }
    }

    public func shutdown() async throws {
        // Events recorded since the last write (a command's, or a server's last requests) reach the trail first.
        await audit.flush()
        try await database.shutdown()
    }

    /// Counts and re-seals the values sealed under the master key (`latchkey master-key status`, `rotate`).
    public var masterKeyRotation: MasterKeyRotation { MasterKeyRotation(database: database, keys: masterKeys) }

    /// Rotates the signing keys (`latchkey keys rotate`): the next key becomes active, the active one stays published
    /// for `retiredPublishFor` seconds so tokens it signed still verify.
    public func rotateSigningKey(retiredPublishFor: Int64) async throws {
        try await signingKeys.rotate(now: clock.now(), retiredPublishFor: retiredPublishFor)
        events.record(.signingKeyRotated(keyID: signingKeys.activeKeyID ?? "-"), origin: .operatorCommand)
    }
}
