import Foundation
public import LatchkeyCore
public import LatchkeyCrypto
public import Logging

/// Each user's upstream tokens, sealed at rest (DESIGN §4): AES-256-GCM under the upstream purpose key, associated
/// data = user | provider | field (`VaultField`), the key version inside the sealed value. The only place tokens
/// are sealed or opened; pages, the JSON API and (next) token exchange go through it.
public struct Vault: Sendable {
    public let store: any UpstreamCredentialStore
    let sealer: Sealer
    let logger: Logger
    let clock: UnixClock

    public init(store: any UpstreamCredentialStore, sealer: Sealer, logger: Logger, clock: UnixClock) {
        self.store = store
        self.sealer = sealer
        self.logger = logger
        self.clock = clock
    }

    /// Tokens as an upstream (or a deposit) handed them over.
    public struct Tokens: Sendable {
        public var accessToken: String?
        public var refreshToken: String?
        public var tokenType: String
        public var scopes: [String]
        /// Seconds the access token lives, from now.
        public var expiresIn: Int64?

        public init(accessToken: String?, refreshToken: String?, tokenType: String, scopes: [String], expiresIn: Int64?) {
            self.accessToken = accessToken
            self.refreshToken = refreshToken
            self.tokenType = tokenType
            self.scopes = scopes
            self.expiresIn = expiresIn
        }
    }

    /// A connection with its tokens opened, for the code that uses them (refresh, token exchange).
    public struct Credential: Sendable {
        public var stored: StoredUpstreamCredential
        public var accessToken: String?
        public var refreshToken: String?
    }

    /// Stores (or replaces) the user's connection to `providerID`.
    public func connect(userID: String, providerID: String, tokens: Tokens, account: String?) async throws -> StoredUpstreamCredential {
        let time = clock.now()
        let credential = StoredUpstreamCredential(
            userID: userID, providerID: providerID,
            accessToken: try tokens.accessToken.map { try seal($0, .accessToken, userID: userID, providerID: providerID) },
            refreshToken: try tokens.refreshToken.map { try seal($0, .refreshToken, userID: userID, providerID: providerID) },
            tokenType: tokens.tokenType, scopes: tokens.scopes, account: account,
            accessTokenExpiresAt: tokens.expiresIn.map { time + $0 }, connectedAt: time
        )
        try await store.put(credential)
        return credential
    }

    /// The connection with its tokens opened; `nil` when the user has not connected the provider. A value that does
    /// not open (an unknown key version, a row moved between users, providers or fields) makes the connection
    /// `needs_reauth` — logged, never a crash and never a server error for the user.
    public func credential(for userID: String, providerID: String) async throws -> Credential? {
        guard let stored = try await store.credential(userID: userID, providerID: providerID) else { return nil }
        return try await opened(stored)
    }

    /// The user's connections as a status page shows them: each row's values are opened (and not kept), so a row that
    /// no longer opens shows `needs_reauth` now rather than at its next use.
    public func connections(of userID: String) async throws -> [StoredUpstreamCredential] {
        var rows: [StoredUpstreamCredential] = []
        for stored in try await store.list(userID: userID) {
            rows.append(stored.status == .needsReauth ? stored : try await opened(stored).stored)
        }
        return rows
    }

    func opened(_ stored: StoredUpstreamCredential) async throws -> Credential {
        var stored = stored
        let userID = stored.userID, providerID = stored.providerID
        do {
            let access = try stored.accessToken.map { try open($0, .accessToken, userID: userID, providerID: providerID) }
            let refresh = try stored.refreshToken.map { try open($0, .refreshToken, userID: userID, providerID: providerID) }
            return Credential(stored: stored, accessToken: access, refreshToken: refresh)
        } catch let error as SealerError {
            logger.warning("a vault value did not open; the connection needs the user to connect again", metadata: [
                "provider": "\(providerID)", "user_id": "\(userID)", "reason": "\(error)",
            ])
            // Only the status changes, and only if nothing was written meanwhile: a reconnect racing this read keeps
            // its fresh tokens, and the sealed values stay for a key that comes back (a rolling deploy, a restored file).
            _ = try await store.markNeedsReauth(stored)
            stored.status = .needsReauth
            return Credential(stored: stored, accessToken: nil, refreshToken: nil)
        }
    }

    func seal(_ token: String, _ field: VaultField, userID: String, providerID: String) throws -> String {
        try sealer.seal(Data(token.utf8), aad: field.associatedData(userID: userID, providerID: providerID))
    }

    func open(_ sealed: String, _ field: VaultField, userID: String, providerID: String) throws -> String {
        let data = try sealer.open(sealed, aad: field.associatedData(userID: userID, providerID: providerID))
        guard let token = String(data: data, encoding: .utf8) else { throw SealerError.malformed }
        return token
    }
}
