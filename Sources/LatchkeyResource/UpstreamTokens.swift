import Crypto
public import Foundation
import LatchkeyCore
import Synchronization

/// Gets a user's upstream access token (GitHub's, say) from Latchkey's vault by RFC 8693 token exchange, for an MCP
/// server acting for that user.
///
/// The MCP server authenticates as its confidential client (`client_secret_basic`, RFC 6749 §2.3.1) and presents the
/// user's Latchkey access token, the one the MCP client sent it, as the subject token; `audience` names the provider.
/// Answers are cached per (SHA-256 of the subject token, provider) until the upstream token's expiry minus
/// `expiryMargin` (or half its remaining life, if that is less), and never past the subject token's own expiry when the caller gives it; concurrent calls for one
/// key share one request. After the upstream API refused a token with `401`, call again with `forceRefresh: true`:
/// Latchkey then refreshes it once even if it looked fresh, and the answer replaces the cached one.
///
/// Never send the subject token itself to the upstream (token passthrough), and never the upstream token to the MCP
/// client.
public final class UpstreamTokens: Sendable {
    public static let tokenExchangeGrant = "urn:ietf:params:oauth:grant-type:token-exchange"
    public static let accessTokenType = "urn:ietf:params:oauth:token-type:access_token"

    public let tokenEndpoint: URL
    public let clientID: String
    /// Seconds before the upstream token's expiry at which a cached answer is no longer handed out.
    public let expiryMargin: Int64
    /// How long an answer without `expires_in` is cached, in seconds.
    public let unknownLifetimeCache: Int64
    /// The most cache entries kept; past it, expired entries go, and if that is not enough, all of them.
    public let capacity: Int

    let authorization: String
    let transport: any TokenExchangeTransport
    let now: @Sendable () -> Int64

    struct Key: Hashable, Sendable {
        var subject: SHA256Digest
        var provider: String
    }

    struct Entry: Sendable {
        var token: UpstreamAccessToken
        var until: Int64
        /// The flight that fetched it: an older flight finishing later never overwrites a newer answer.
        var flight: UInt64
    }

    struct Flight: Sendable {
        var id: UInt64
        var forced: Bool
        var task: Task<UpstreamAccessToken, any Error>
    }

    struct State: Sendable {
        var entries: [Key: Entry] = [:]
        var flights: [Key: Flight] = [:]
        var nextFlight: UInt64 = 1
    }

    let state = Mutex(State())

    enum Step {
        case hit(UpstreamAccessToken)
        case join(Flight)
        case start(Flight)
    }

    /// - Parameters:
    ///   - tokenEndpoint: Latchkey's token endpoint, `{issuer}/token`.
    ///   - clientID: this MCP server's client at Latchkey (the `client_id` of its `resources` entry).
    ///   - clientSecret: that client's secret.
    public init(
        tokenEndpoint: URL, clientID: String, clientSecret: String,
        transport: any TokenExchangeTransport = URLSessionTokenExchangeTransport(),
        expiryMargin: Int64 = 30, unknownLifetimeCache: Int64 = 60, capacity: Int = 10_000,
        now: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }
    ) {
        self.tokenEndpoint = tokenEndpoint
        self.clientID = clientID
        // RFC 6749 §2.3.1: the id and the secret are form-encoded before they are joined and base64-encoded.
        self.authorization = "Basic " + Data((FormEncoding.encode(clientID) + ":" + FormEncoding.encode(clientSecret)).utf8).base64EncodedString()
        self.transport = transport
        self.expiryMargin = expiryMargin
        self.unknownLifetimeCache = unknownLifetimeCache
        self.capacity = max(capacity, 1)
        self.now = now
    }

    /// `provider`'s access token for the user whose Latchkey access token is `subjectToken`.
    ///
    /// - Parameters:
    ///   - subjectToken: the user's Latchkey access token, exactly as the MCP client presented it.
    ///   - provider: the provider's id in Latchkey (`audience`).
    ///   - subjectExpiresAt: the subject token's `exp` (`VerifiedToken.expiresAt`), if known: nothing is cached past it.
    ///   - forceRefresh: the upstream answered `401` to the token this returned; ask Latchkey to refresh it.
    public func accessToken(
        for subjectToken: String, provider: String, subjectExpiresAt: Int64? = nil, forceRefresh: Bool = false
    ) async throws(UpstreamTokensError) -> UpstreamAccessToken {
        let key = Key(subject: SHA256.hash(data: Data(subjectToken.utf8)), provider: provider)
        let time = now()
        let step = state.withLock { state -> Step in
            // The token the upstream refused is the one this cache handed out: Latchkey refreshes only if it still
            // holds that one (another caller's refresh may already have replaced it).
            let refused = forceRefresh ? state.entries[key]?.token.token : nil
            if !forceRefresh, let entry = state.entries[key] {
                if entry.until > time { return .hit(entry.token) }
                state.entries[key] = nil
            }
            // A plain call joins any request under way; a forced one only a forced one (the other may hand out the
            // token the upstream just refused).
            if let flight = state.flights[key], flight.forced || !forceRefresh { return .join(flight) }
            let id = state.nextFlight
            state.nextFlight += 1
            let task = Task { [self] in
                try await exchange(subjectToken, provider: provider, forceRefresh: forceRefresh, refused: refused)
            }
            let flight = Flight(id: id, forced: forceRefresh, task: task)
            state.flights[key] = flight
            return .start(flight)
        }
        let flight: Flight
        switch step {
        case .hit(let token): return token
        case .join(let joined): flight = joined
        case .start(let started): flight = started
        }
        let result = await flight.task.result
        if case .start = step { finish(flight, key: key, result: result, subjectExpiresAt: subjectExpiresAt) }
        switch result {
        case .success(let token): return token
        case .failure(let error as UpstreamTokensError): throw error
        case .failure: throw .temporarilyUnavailable(retryAfter: nil)
        }
    }

    /// Records a flight's answer: caches a success (unless a newer flight already did), drops the entry a forced
    /// flight was meant to replace when it failed, and clears the flight.
    func finish(_ flight: Flight, key: Key, result: Result<UpstreamAccessToken, any Error>, subjectExpiresAt: Int64?) {
        let time = now()
        state.withLock { state in
            if state.flights[key]?.id == flight.id { state.flights[key] = nil }
            switch result {
            case .success(let token):
                // Half the remaining life when that is less than the margin: a short-lived token is still reused.
                var until = token.expiresAt.map { $0 - min(expiryMargin, max(0, $0 - time) / 2) } ?? time + unknownLifetimeCache
                if let subjectExpiresAt { until = min(until, subjectExpiresAt) }
                guard until > time, (state.entries[key]?.flight ?? 0) < flight.id else { return }
                if state.entries[key] == nil, state.entries.count >= capacity {
                    state.entries = state.entries.filter { $0.value.until > time }
                    if state.entries.count >= capacity { state.entries.removeAll(keepingCapacity: true) }
                }
                state.entries[key] = Entry(token: token, until: until, flight: flight.id)
            case .failure:
                if flight.forced, (state.entries[key]?.flight ?? 0) < flight.id { state.entries[key] = nil }
            }
        }
    }

    /// How many answers are cached (for tests and metrics).
    public var cachedCount: Int { state.withLock { $0.entries.count } }

    /// One token-exchange request and its answer, classified.
    func exchange(
        _ subjectToken: String, provider: String, forceRefresh: Bool, refused: String? = nil
    ) async throws(UpstreamTokensError) -> UpstreamAccessToken {
        var form = [
            ("grant_type", Self.tokenExchangeGrant),
            ("subject_token", subjectToken),
            ("subject_token_type", Self.accessTokenType),
            ("audience", provider),
            ("requested_token_type", Self.accessTokenType),
        ]
        if forceRefresh { form.append(("latchkey_force_refresh", "true")) }
        if forceRefresh, let refused {
            form.append(("latchkey_refused_token_sha256", Base64URL.encode(Data(SHA256.hash(data: Data(refused.utf8))))))
        }
        let headers = [
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json",
            "Authorization": authorization,
        ]
        let response: TokenExchangeResponse
        do {
            response = try await transport.post(tokenEndpoint, headers: headers, body: Data(FormEncoding.encode(form).utf8))
        } catch {
            // Latchkey could not be reached; nothing about the user or the grant is known to be wrong.
            throw .temporarilyUnavailable(retryAfter: nil)
        }
        return try TokenExchangeAnswer.read(response, provider: provider, now: now())
    }
}
