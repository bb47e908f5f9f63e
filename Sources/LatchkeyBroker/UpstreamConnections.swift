import Foundation
public import LatchkeyCore
public import LatchkeyCrypto
public import Logging

/// The user's side of the vault: connect (the redirect to the upstream and its callback) and disconnect.
///
/// A flow is bound to the user *and* the browser session that started it; its `state` is stored only as an HMAC and
/// consumed before anything else happens, so a replayed, stolen or another user's callback stores nothing.
public struct UpstreamConnections: Sendable {
    public let access: UpstreamAccess
    public var vault: Vault { access.vault }
    public var upstream: UpstreamClient { access.upstream }
    let flows: any UpstreamFlowStore
    let hasher: SecretHasher
    let sealer: Sealer
    /// `{issuer}/connections/callback`, built from the configured issuer, never a request's `Host`.
    public let redirectURI: String
    let clock: UnixClock
    let logger: Logger

    public init(
        access: UpstreamAccess, flows: any UpstreamFlowStore, hasher: SecretHasher, sealer: Sealer, redirectURI: String, clock: UnixClock,
        logger: Logger
    ) {
        self.access = access
        self.flows = flows
        self.hasher = hasher
        self.sealer = sealer
        self.redirectURI = redirectURI
        self.clock = clock
        self.logger = logger
    }

    /// Starts a connect: stores the flow and returns the upstream authorize URL to send the browser to.
    public func start(provider: UpstreamProvider, userID: String, sessionHash: String) async throws -> String {
        let endpoints = try await upstream.endpoints(for: provider)
        let state = RandomToken.generate(bytes: 32)
        let verifier = RandomToken.generate(bytes: 32)
        let stateHash = Self.stateHash(state, hasher: hasher)
        let time = clock.now()
        try await flows.create(UpstreamFlow(
            stateHash: stateHash, userID: userID, sessionHash: sessionHash, providerID: provider.id,
            codeVerifier: try sealer.seal(Data(verifier.utf8), aad: Self.verifierData(stateHash: stateHash, userID: userID)),
            createdAt: time, expiresAt: time + UpstreamFlow.lifetime
        ), maxPerUser: UpstreamFlow.maxPendingPerUser)
        return try UpstreamAuthorizationURL.make(
            endpoint: endpoints.authorization, provider: provider, redirectURI: redirectURI, state: state,
            codeChallenge: PKCEChallenge.s256(verifier)
        )
    }

    /// Completes a connect from the callback's query, for the signed-in browser (`nil` when nobody is signed in).
    public func complete(query: Substring, signedIn: (userID: String, sessionHash: String)?, providers: [UpstreamProvider]) async -> ConnectOutcome {
        let callback: UpstreamCallback
        do {
            callback = try UpstreamCallback(query: query)
        } catch {
            return .refused(.malformed, provider: nil)
        }
        // Every state Latchkey issues is 32 random bytes in base64url: anything else was never issued, and costs no
        // database write.
        guard Base64URL.looks32Bytes(callback.state) else {
            return .refused(.unknownState, provider: nil)
        }
        let flow: UpstreamFlow?
        do {
            // Consumed first, whoever presents it: a state works once, and a refused attempt burns it.
            flow = try await flows.consume(stateHash: Self.stateHash(callback.state, hasher: hasher))
        } catch {
            logger.error("could not read a pending connect flow", metadata: ["error": "\(error)"])
            return .refused(.storage, provider: nil)
        }
        guard let flow else { return .refused(.unknownState, provider: nil) }
        let provider = providers.first { $0.id == flow.providerID }
        guard let signedIn, flow.admits(userID: signedIn.userID, sessionHash: signedIn.sessionHash, now: clock.now()) else {
            let reason: ConnectRefusal = flow.expiresAt <= clock.now() ? .expired : .otherBrowser(startedBy: flow.userID, completedBy: signedIn?.userID)
            return .refused(reason, provider: provider)
        }
        guard let provider else { return .refused(.providerGone, provider: nil) }
        do {
            let endpoints = try await upstream.endpoints(for: provider)
            try callback.checkIssuer(expected: endpoints.issuer, required: endpoints.issRequired)
        } catch let error as UpstreamCallbackError {
            return .refused(error == .issuerMismatch ? .issuerMismatch : .issuerMissing, provider: provider)
        } catch let failure as UpstreamFailure {
            return .refused(.upstream(failure), provider: provider)
        } catch {
            return .refused(.storage, provider: provider)
        }
        let code: String
        switch callback.result {
        case .error(let error): return .refused(.denied(error), provider: provider)
        case .code(let value): code = value
        }
        let verifier: String
        do {
            let data = try sealer.open(flow.codeVerifier, aad: Self.verifierData(stateHash: flow.stateHash, userID: flow.userID))
            verifier = String(decoding: data, as: UTF8.self)
        } catch {
            return .refused(.storage, provider: provider)
        }
        do {
            let tokens = try await upstream.exchange(code: code, verifier: verifier, redirectURI: redirectURI, provider: provider)
            let account = await upstream.account(accessToken: tokens.accessToken, provider: provider)
            let stored = try await vault.connect(
                userID: flow.userID, providerID: provider.id,
                tokens: .init(accessToken: tokens.accessToken, refreshToken: tokens.refreshToken, tokenType: tokens.tokenType,
                              scopes: tokens.scopes, expiresIn: tokens.expiresIn),
                account: account
            )
            access.evict(userID: flow.userID, providerID: provider.id)
            return .connected(provider: provider, credential: stored)
        } catch let failure as UpstreamFailure {
            return .refused(.upstream(failure), provider: provider)
        } catch {
            logger.error("could not store a connection", metadata: ["provider": "\(provider.id)", "error": "\(error)"])
            return .refused(.storage, provider: provider)
        }
    }

    /// Disconnects: the local row goes first (a failing upstream never keeps a user connected), then the refresh
    /// token — or the access token when there is none — is revoked at the upstream (RFC 7009) when it can be.
    public func disconnect(userID: String, provider: UpstreamProvider) async throws -> DisconnectOutcome {
        guard let deleted = try await vault.store.delete(userID: userID, providerID: provider.id) else {
            return DisconnectOutcome(deleted: false, revocation: .notAttempted)
        }
        access.evict(userID: userID, providerID: provider.id)
        // What was deleted is what is revoked; a value that does not open cannot be revoked (and is gone anyway).
        let refresh = deleted.refreshToken.flatMap { try? vault.open($0, .refreshToken, userID: userID, providerID: provider.id) }
        let access = deleted.accessToken.flatMap { try? vault.open($0, .accessToken, userID: userID, providerID: provider.id) }
        let token: (String, VaultField)? = refresh.map { ($0, .refreshToken) } ?? access.map { ($0, .accessToken) }
        guard let (value, field) = token else { return DisconnectOutcome(deleted: true, revocation: .notAttempted) }
        do {
            let revoked = try await upstream.revoke(token: value, hint: field, provider: provider)
            return DisconnectOutcome(deleted: true, revocation: revoked ? .revoked : .notAttempted)
        } catch {
            return DisconnectOutcome(deleted: true, revocation: .failed(error))
        }
    }

    static func stateHash(_ state: String, hasher: SecretHasher) -> String {
        hasher.hash("upstream-state:" + state)
    }

    static func verifierData(stateHash: String, userID: String) -> String {
        "latchkey-flow/v1|\(stateHash.utf8.count):\(stateHash)|\(userID.utf8.count):\(userID)|code_verifier"
    }
}

/// How a callback ended.
public enum ConnectOutcome: Sendable {
    case connected(provider: UpstreamProvider, credential: StoredUpstreamCredential)
    /// Nothing was stored. `provider` when the flow named one that is still configured.
    case refused(ConnectRefusal, provider: UpstreamProvider?)
}

/// Why a callback stored nothing.
public enum ConnectRefusal: Sendable, Equatable {
    /// Not an authorization response (no `state`, a repeated parameter, neither code nor error).
    case malformed
    /// No pending flow has this `state`: never issued, already used, or forgotten (expired and pruned, or one of too many).
    case unknownState
    case expired
    /// Another user, or the same user in another browser, presented the flow.
    case otherBrowser(startedBy: String, completedBy: String?)
    /// The flow's provider is no longer configured.
    case providerGone
    case issuerMismatch
    case issuerMissing
    /// The upstream sent an error (an allowlisted RFC 6749 code, or `nil`).
    case denied(String?)
    case upstream(UpstreamFailure)
    /// The database could not be read or written.
    case storage

    /// The RFC 6749 code to show and log.
    public var code: String {
        switch self {
        case .malformed, .unknownState, .expired, .otherBrowser, .issuerMismatch, .issuerMissing: "invalid_request"
        case .providerGone, .storage: "server_error"
        case .denied(let code): code ?? "server_error"
        case .upstream(let failure): failure.code
        }
    }
}

/// What a disconnect did.
public struct DisconnectOutcome: Sendable {
    public enum Revocation: Sendable {
        case notAttempted
        case revoked
        case failed(UpstreamFailure)
    }

    public var deleted: Bool
    public var revocation: Revocation
}
