import Foundation
public import LatchkeyCore
import LatchkeyCrypto
public import Logging
import Synchronization

/// An upstream access token handed to an MCP server (by token exchange). Never a refresh token.
public struct UpstreamAccessToken: Sendable, Equatable {
    public var token: String
    public var tokenType: String
    public var expiresAt: Int64?
    public var scopes: [String]
}

/// Why no upstream access token was handed out.
public enum UpstreamAccessError: Error, Sendable, Equatable {
    /// The user must connect (again): not connected, or the upstream refused the refresh token.
    case connectionRequired(CredentialStatus)
    /// The upstream is failing (5xx, a timeout, an unusable answer) or another instance's refresh did not finish:
    /// the connection is unchanged; retry after the given seconds.
    case unavailable(retryAfter: Int)
}

/// Hands out each connection's upstream access token, refreshing it when it has less than `margin` seconds left
/// (half its life, for a token issued for less than two margins).
///
/// Refreshes of one connection happen once across instances: callers on one instance share one in-flight
/// refresh; instances take a lease on the row (`UpstreamRefreshStore`), and the others wait for the version it
/// writes. The rotated refresh token is written back — compare-and-swap on the version — before the new access
/// token is handed out, so a disconnect or re-deposit during a refresh wins and nothing is cached from it.
public final class UpstreamAccess: Sendable {
    public let vault: Vault
    public let upstream: UpstreamClient
    let refreshes: any UpstreamRefreshStore
    let state: UpstreamAccessState
    let clock: UnixClock
    let logger: Logger
    let metrics: UpstreamMetrics
    /// Seconds an access token must have left to be handed out as it is.
    public static let margin: Int64 = 60
    /// Long enough for one token request (the egress deadline is 20 s) and the write-back with its retries, with
    /// room to spare: a lease that ran out mid-refresh would let another instance send the same refresh token,
    /// which an upstream with reuse detection punishes by revoking the grant. Endpoints are resolved before it.
    static let leaseSeconds: Int64 = 90
    /// A forced refresh is honoured at most this often per connection: a token the upstream refuses right after it
    /// was issued will not be fixed by another refresh, and an MCP server in a 401 loop must not hammer the upstream.
    static let forcedRefreshInterval: Int64 = 10

    public init(
        vault: Vault, upstream: UpstreamClient, refreshes: any UpstreamRefreshStore, state: UpstreamAccessState, clock: UnixClock, logger: Logger,
        metrics: UpstreamMetrics = .disabled
    ) {
        self.vault = vault
        self.upstream = upstream
        self.refreshes = refreshes
        self.state = state
        self.clock = clock
        self.logger = logger
        self.metrics = metrics
    }

    /// The user's access token for `provider`. `forceRefresh`: the upstream refused the token handed out, so refresh
    /// even if it looks fresh — unless `refusedTokenHash` (base64url SHA-256 of the refused token) shows the stored
    /// token is already a newer one, which is then the answer: many callers reporting one 401 cause one refresh.
    public func accessToken(
        userID: String, provider: UpstreamProvider, forceRefresh: Bool = false, refusedTokenHash: String? = nil
    ) async throws -> UpstreamAccessToken {
        let key = UpstreamAccessState.Key(userID: userID, providerID: provider.id, force: forceRefresh, refused: refusedTokenHash)
        let now = clock.now()
        if !forceRefresh {
            if let cached = state.cached(key, now: now) {
                metrics.cacheHit()
                return cached
            }
            metrics.cacheMiss()
        }
        if let wait = state.backoff(key, now: now) { throw UpstreamAccessError.unavailable(retryAfter: wait) }
        let task = state.flight(key) { [self] in
            try await self.resolve(userID: userID, provider: provider, force: forceRefresh, refused: refusedTokenHash, key: key)
        }
        return try await task.value
    }

    /// Forgets what this instance cached for the connection (after a connect, deposit or disconnect).
    public func evict(userID: String, providerID: String) {
        state.evict(userID: userID, providerID: providerID)
    }

    func resolve(
        userID: String, provider: UpstreamProvider, force: Bool, refused: String?, key: UpstreamAccessState.Key
    ) async throws -> UpstreamAccessToken {
        var rereadAfterInvalidGrant = false
        var force = force
        // A refresh whose write-back failed earlier (the database was down): its rotated refresh token is the only
        // valid one now, so it is stored before anything else is read or refreshed.
        if let pending = state.pendingWrite(userID: userID, providerID: provider.id) {
            _ = try await refreshes.writeRefreshed(pending.credential, expectedVersion: pending.expectedVersion)
            state.clearPendingWrite(userID: userID, providerID: provider.id)
        }
        // A few rounds: after waiting for another instance's refresh, or after an invalid_grant that a newer row explains.
        for _ in 0..<4 {
            guard let credential = try await vault.credential(for: userID, providerID: provider.id) else {
                throw UpstreamAccessError.connectionRequired(.notConnected)
            }
            let stored = credential.stored
            let now = clock.now()
            if stored.status == .needsReauth { throw UpstreamAccessError.connectionRequired(.needsReauth) }
            // Forced: the stored token is the refused one (or the caller could not say which it had), and it was not
            // issued moments ago.
            let refusedIsStored = force && (refused == nil || refused == credential.accessToken.map(PKCEChallenge.s256))
                && (stored.refreshedAt ?? stored.connectedAt) <= now - Self.forcedRefreshInterval
            let freshUntil = stored.accessTokenFreshUntil(margin: Self.margin)
            if let access = credential.accessToken, freshUntil.map({ $0 > now }) ?? true, !refusedIsStored {
                let token = UpstreamAccessToken(token: access, tokenType: stored.tokenType, expiresAt: stored.accessTokenExpiresAt, scopes: stored.scopes)
                state.store(key, token, freshUntil: freshUntil, now: now)
                return token
            }
            guard let refreshToken = credential.refreshToken else { throw UpstreamAccessError.connectionRequired(.needsReauth) }
            // Discovery first, outside the lease: the lease then covers one token request and the write-back.
            do {
                _ = try await upstream.endpoints(for: provider)
            } catch {
                metrics.refresh(provider: provider.id, .failed)
                throw UpstreamAccessError.unavailable(retryAfter: state.failed(key, now: clock.now()))
            }
            guard try await refreshes.acquireRefreshLease(stored, owner: state.owner, until: now + Self.leaseSeconds, now: now) else {
                // Another instance is refreshing (or the row just changed): wait for a new version, then look again.
                try await waitForChange(of: stored)
                // What the other instance wrote is the refresh this call wanted.
                force = false
                continue
            }
            let answer: UpstreamTokenResponse
            do {
                answer = try await upstream.refresh(refreshToken, scopes: stored.scopes, provider: provider)
            } catch .rejected(let code, _) where code == "invalid_grant" && !rereadAfterInvalidGrant {
                // Another instance may have rotated the token between our read and our lease: read once more.
                rereadAfterInvalidGrant = true
                try await refreshes.releaseRefreshLease(stored, owner: state.owner, lastError: nil)
                if let newer = try await vault.store.credential(userID: userID, providerID: provider.id), newer.version != stored.version {
                    force = false
                    continue
                }
                try await needsReauth(stored, code: "invalid_grant", provider: provider)
            } catch .rejected(let code, _) where code == "invalid_grant" || code == "invalid_client" || code == "unauthorized_client" {
                try await needsReauth(stored, code: code ?? "invalid_grant", provider: provider)
            } catch {
                // Transient: the connection stays as it is; callers back off.
                logger.warning("an upstream refresh failed; the connection is unchanged", metadata: [
                    "provider": "\(provider.id)", "user_id": "\(userID)", "reason": "\(error.description)",
                ])
                try? await refreshes.releaseRefreshLease(stored, owner: state.owner, lastError: error.code)
                metrics.refresh(provider: provider.id, .failed)
                let wait = state.failed(key, now: clock.now())
                throw UpstreamAccessError.unavailable(retryAfter: wait)
            }
            if let token = try await writeBack(answer, over: credential, provider: provider, key: key) {
                metrics.refresh(provider: provider.id, .refreshed)
                return token
            }
            // The row changed while refreshing (a re-deposit, a reconnect, or it is gone): look again.
            metrics.refresh(provider: provider.id, .discarded)
            force = false
        }
        throw UpstreamAccessError.unavailable(retryAfter: 1)
    }

    /// Seals and writes the refreshed tokens over the version that was read — before anything is handed out. A
    /// database error is retried; a row that changed meanwhile (disconnected, re-deposited) wins, and the new tokens
    /// are neither stored nor handed out.
    func writeBack(
        _ answer: UpstreamTokenResponse, over credential: Vault.Credential, provider: UpstreamProvider, key: UpstreamAccessState.Key
    ) async throws -> UpstreamAccessToken? {
        var stored = credential.stored
        let now = clock.now()
        stored.accessToken = try vault.seal(answer.accessToken, .accessToken, userID: stored.userID, providerID: provider.id)
        // An answer without a new refresh token keeps the old one (RFC 6749 §6).
        if let rotated = answer.refreshToken {
            stored.refreshToken = try vault.seal(rotated, .refreshToken, userID: stored.userID, providerID: provider.id)
        }
        stored.tokenType = answer.tokenType
        stored.scopes = answer.scopes
        stored.accessTokenExpiresAt = answer.expiresIn.map { now + $0 }
        stored.refreshedAt = now
        stored.status = .connected
        stored.lastError = nil
        var written = false
        for attempt in 0..<3 {
            do {
                written = try await refreshes.writeRefreshed(stored, expectedVersion: credential.stored.version)
                break
            } catch where attempt < 2 {
                logger.warning("could not store a refreshed upstream token; retrying", metadata: ["provider": "\(provider.id)", "error": "\(error)"])
                try await Task.sleep(for: .milliseconds(100 << attempt))
            } catch {
                // The upstream has rotated: losing the new refresh token would lose the connection. Keep it (sealed)
                // until the next call for this connection stores it; hand nothing out meanwhile.
                state.keepPendingWrite(stored, expectedVersion: credential.stored.version)
                metrics.refresh(provider: provider.id, .writeFailed)
                retryPendingWrite(userID: stored.userID, providerID: provider.id)
                logger.error("could not store a refreshed upstream token; kept in memory until it can be", metadata: [
                    "provider": "\(provider.id)", "user_id": "\(stored.userID)", "error": "\(error)",
                ])
                throw UpstreamAccessError.unavailable(retryAfter: 1)
            }
        }
        // Disconnected or replaced while refreshing: that decision stands, and nothing from this refresh is kept.
        guard written else { return nil }
        state.succeeded(key)
        let token = UpstreamAccessToken(token: answer.accessToken, tokenType: answer.tokenType, expiresAt: stored.accessTokenExpiresAt, scopes: answer.scopes)
        state.store(
            UpstreamAccessState.Key(userID: stored.userID, providerID: provider.id, force: false), token,
            freshUntil: stored.accessTokenFreshUntil(margin: Self.margin), now: now
        )
        return token
    }

    /// Keeps trying to store a pending write-back, once a second for most of the lease, so the rotated refresh
    /// token reaches the database even if no call for this connection comes to this instance (the lease keeps other
    /// instances from refreshing meanwhile).
    func retryPendingWrite(userID: String, providerID: String) {
        Task { [self] in
            for _ in 0..<Int(Self.leaseSeconds - 10) {
                try await Task.sleep(for: .seconds(1))
                guard let pending = state.pendingWrite(userID: userID, providerID: providerID) else { return }
                if (try? await refreshes.writeRefreshed(pending.credential, expectedVersion: pending.expectedVersion)) != nil {
                    state.clearPendingWrite(userID: userID, providerID: providerID)
                    return
                }
            }
        }
    }

    func needsReauth(_ stored: StoredUpstreamCredential, code: String, provider: UpstreamProvider) async throws -> Never {
        var failed = stored
        failed.status = .needsReauth
        failed.lastError = code
        metrics.refresh(provider: provider.id, .needsReauth)
        _ = try await refreshes.writeRefreshed(failed, expectedVersion: stored.version)
        logger.notice("the upstream refused a refresh; the user must connect again", metadata: [
            "provider": "\(provider.id)", "user_id": "\(stored.userID)", "reason": "\(code)",
        ])
        throw UpstreamAccessError.connectionRequired(.needsReauth)
    }

    /// Polls until the row's version changes or the other holder's lease must have ended.
    func waitForChange(of stored: StoredUpstreamCredential) async throws {
        let deadline = clock.now() + Self.leaseSeconds + 1
        while clock.now() < deadline {
            try await Task.sleep(for: .milliseconds(50))
            guard let current = try await vault.store.credential(userID: stored.userID, providerID: stored.providerID) else { return }
            if current.version != stored.version { return }
        }
    }
}

/// What `UpstreamAccess` keeps in memory on one instance, shared by every route that uses the vault: opened access
/// tokens for a few seconds, the refreshes in flight, and the back-off after upstream failures.
public final class UpstreamAccessState: Sendable {
    struct Key: Hashable, Sendable {
        var userID: String
        var providerID: String
        var force: Bool
        /// A forced call joins only a flight about the same refused token.
        var refused: String? = nil
    }

    struct Entry: Sendable {
        var token: UpstreamAccessToken
        var until: Int64
    }

    struct Backoff: Sendable {
        var failures: Int
        var until: Int64
    }

    /// An opened token is kept at most this long, so a disconnect on another instance is seen within it.
    static let cacheSeconds: Int64 = 5
    static let capacity = 10_000
    /// This instance's name on a refresh lease.
    let owner = RandomToken.generate(bytes: 12)
    let entries = Mutex<[Key: Entry]>([:])
    let flights = Mutex<[Key: Task<UpstreamAccessToken, any Error>]>([:])
    let backoffs = Mutex<[Key: Backoff]>([:])
    /// Refreshed rows whose write-back failed, by connection: stored first by the next call (`UpstreamAccess.resolve`).
    let pendingWrites = Mutex<[Key: (credential: StoredUpstreamCredential, expectedVersion: Int64)]>([:])

    public init() {}

    func keepPendingWrite(_ credential: StoredUpstreamCredential, expectedVersion: Int64) {
        pendingWrites.withLock {
            $0[Key(userID: credential.userID, providerID: credential.providerID, force: false)] = (credential, expectedVersion)
        }
    }

    func pendingWrite(userID: String, providerID: String) -> (credential: StoredUpstreamCredential, expectedVersion: Int64)? {
        pendingWrites.withLock { $0[Key(userID: userID, providerID: providerID, force: false)] }
    }

    func clearPendingWrite(userID: String, providerID: String) {
        _ = pendingWrites.withLock { $0.removeValue(forKey: Key(userID: userID, providerID: providerID, force: false)) }
    }

    func cached(_ key: Key, now: Int64) -> UpstreamAccessToken? {
        entries.withLock { entries in
            guard let entry = entries[key], entry.until > now else { return nil }
            return entry.token
        }
    }

    /// Caches `token` for a few seconds, never past `freshUntil` (when it stops being handed out as it is).
    func store(_ key: Key, _ token: UpstreamAccessToken, freshUntil: Int64?, now: Int64) {
        let until = min(now + Self.cacheSeconds, freshUntil ?? .max)
        guard until > now else { return }
        entries.withLock { entries in
            if entries.count >= Self.capacity { entries = entries.filter { $0.value.until > now } }
            if entries.count >= Self.capacity { entries.removeAll(keepingCapacity: true) }
            entries[Key(userID: key.userID, providerID: key.providerID, force: false)] = Entry(token: token, until: until)
        }
    }

    func evict(userID: String, providerID: String) {
        _ = entries.withLock { $0.removeValue(forKey: Key(userID: userID, providerID: providerID, force: false)) }
        _ = backoffs.withLock { $0.removeValue(forKey: Key(userID: userID, providerID: providerID, force: false)) }
    }

    /// The task for `key`: the one in flight, or a new one running `body`. Callers of one key share its result.
    func flight(_ key: Key, _ body: @escaping @Sendable () async throws -> UpstreamAccessToken) -> Task<UpstreamAccessToken, any Error> {
        flights.withLock { flights in
            if let running = flights[key] { return running }
            let task = Task { [weak self] in
                defer { self?.flights.withLock { _ = $0.removeValue(forKey: key) } }
                return try await body()
            }
            flights[key] = task
            return task
        }
    }

    /// Seconds to wait when the connection's upstream failed recently, else `nil`.
    func backoff(_ key: Key, now: Int64) -> Int? {
        backoffs.withLock { backoffs in
            guard let entry = backoffs[Key(userID: key.userID, providerID: key.providerID, force: false)], entry.until > now else { return nil }
            return Int(entry.until - now)
        }
    }

    /// Records a transient failure: 1, 2, 4 … up to 60 seconds before the next attempt. Returns the wait.
    func failed(_ key: Key, now: Int64) -> Int {
        backoffs.withLock { backoffs in
            let plain = Key(userID: key.userID, providerID: key.providerID, force: false)
            let failures = (backoffs[plain]?.failures ?? 0) + 1
            let wait = min(60, 1 << min(failures - 1, 6))
            if backoffs.count >= Self.capacity { backoffs = backoffs.filter { $0.value.until > now } }
            backoffs[plain] = Backoff(failures: failures, until: now + Int64(wait))
            return wait
        }
    }

    func succeeded(_ key: Key) {
        _ = backoffs.withLock { $0.removeValue(forKey: Key(userID: key.userID, providerID: key.providerID, force: false)) }
    }
}
