import Foundation
import LatchkeyCore
import LatchkeyEgress
import Logging
import NIOCore
import Synchronization

/// Resolves URL client ids (Client ID Metadata Documents) to clients: from the shared cache while fresh, else by
/// fetching through `EgressClient` (https only, resolved addresses checked, no redirects, a few KB at most), with a
/// conditional request when a cached copy has validators, and the stale copy while the host fails to answer.
///
/// Anyone can make Latchkey fetch a URL by sending it as a `client_id` before authenticating, so fetching is
/// bounded: one fetch per URL at a time (callers share it), a failure is remembered for `failureMemory` seconds,
/// and new fetches are limited per host and in all (`fetchesPerHostPerMinute`, `fetchesPerMinute`) so Latchkey can
/// be neither a scanner nor a flood aimed at one site. Documents already cached keep working whatever the budget.
final class MetadataDocumentResolver: Sendable {
    let store: any ClientMetadataDocumentStore
    /// A document that moves where codes go or what a grant yields ends the approvals given to it.
    let consents: any ConsentStore
    let egress: EgressClient
    let policy: ClientRegistrationPolicy
    let settings: LatchkeyConfiguration.MetadataDocumentSettings
    let allowsLoopbackHTTP: Bool
    let freshness: MetadataDocumentFreshness
    let clock: UnixClock
    let logger: Logger

    static let failureMemory: Int64 = 60
    static let fetchesPerHostPerMinute = 10
    static let fetchesPerMinute = 120
    static let rememberedFailures = 1_000

    let flights = Mutex<[String: Task<RegisteredClient, any Error>]>([:])
    let failures = Mutex<[String: (error: ClientIDMetadataDocumentError, until: Int64)]>([:])
    let perHost = RateLimiter(limit: fetchesPerHostPerMinute)
    let overall = RateLimiter(limit: fetchesPerMinute)

    init(
        store: any ClientMetadataDocumentStore, consents: any ConsentStore, egress: EgressClient, policy: ClientRegistrationPolicy,
        settings: LatchkeyConfiguration.MetadataDocumentSettings, allowsLoopbackHTTP: Bool,
        freshness: MetadataDocumentFreshness = MetadataDocumentFreshness(), clock: UnixClock, logger: Logger
    ) {
        self.store = store
        self.consents = consents
        self.egress = egress
        self.policy = policy
        self.settings = settings
        self.allowsLoopbackHTTP = allowsLoopbackHTTP
        self.freshness = freshness
        self.clock = clock
        self.logger = logger
    }

    /// The client `url` names. Throws `ClientIDMetadataDocumentError` when it cannot be used, and store errors.
    func client(url: String) async throws -> RegisteredClient {
        guard settings.enabled else {
            throw ClientIDMetadataDocumentError.notAllowed("This server does not accept URL client ids; register the client instead.")
        }
        let host = try ClientIDMetadataDocument.validateURL(url, allowLoopbackHTTP: allowsLoopbackHTTP)
        guard settings.allowedHosts.isEmpty || settings.allowedHosts.contains(host) else {
            throw ClientIDMetadataDocumentError.notAllowed("This server does not accept clients whose metadata document is on \(host).")
        }
        let now = clock.now()
        let cached = try await store.document(url: url)
        if let cached, cached.freshUntil > now { return try client(from: cached) }
        if let failure = failures.withLock({ $0[url] }), failure.until > now {
            // Only the host's failure to answer earns the stale copy; a document it served and that broke a rule is
            // the client now, and stays refused.
            if case .fetchFailed = failure.error, let cached, cached.staleUntil > now { return try client(from: cached) }
            throw failure.error
        }
        let task = flights.withLock { flights in
            if let flight = flights[url] { return flight }
            let flight = Task {
                // Runs after the insertion below: that holds the lock this needs.
                defer { _ = self.flights.withLock { $0.removeValue(forKey: url) } }
                return try await self.refresh(url: url, host: host, cached: cached)
            }
            flights[url] = flight
            return flight
        }
        return try await task.value
    }

    /// Fetches (or revalidates) the document; on a failure to fetch, the stale copy while it lasts.
    func refresh(url: String, host: String, cached: CachedMetadataDocument?) async throws -> RegisteredClient {
        let now = clock.now()
        do {
            let entry = try await fetch(url: url, host: host, cached: cached, now: now)
            let client = try client(from: entry)
            // As for a registered client's RFC 7592 update: what the user approved was shown for the old document.
            if let cached, cached.body != entry.body, let previous = try? self.client(from: cached),
               Consent.isEnded(by: previous.metadata, becoming: client.metadata) {
                try await consents.revokeAll(clientID: url)
                logger.notice("a client metadata document changed its redirect URIs or grants; its approvals ended", metadata: [
                    "client_id": "\(ClientIDMetadataDocumentError.printable(url))",
                ])
            }
            try await store.save(entry)
            return client
        } catch is FetchBudgetExhausted {
            // Not the client's fault and not remembered against its URL: the next request may fetch.
            if let cached, cached.staleUntil > now { return try client(from: cached) }
            throw ClientIDMetadataDocumentError.fetchFailed("too many documents were fetched in the last minute; try again shortly")
        } catch let error as ClientIDMetadataDocumentError {
            if case .fetchFailed = error, let cached, cached.staleUntil > now {
                logger.warning("a client metadata document could not be refreshed; using the cached copy", metadata: [
                    "client_id": "\(ClientIDMetadataDocumentError.printable(url))", "reason": "\(error)", "stale_until": "\(cached.staleUntil)",
                ])
                remember(error, for: url, now: now)
                return try client(from: cached)
            }
            remember(error, for: url, now: now)
            logger.notice("refused a URL client id", metadata: ["client_id": "\(ClientIDMetadataDocumentError.printable(url))", "reason": "\(error)"])
            throw error
        }
    }

    /// One GET, conditional when `cached` has validators; the new cache entry, or why not.
    func fetch(url: String, host: String, cached: CachedMetadataDocument?, now: Int64) async throws -> CachedMetadataDocument {
        // The budget is for documents never seen: revalidating a stored one, or fetching from a host the operator
        // named, is never refused for it — else anyone could lock out a known client by spending its host's budget.
        let operatorHost = settings.allowedHosts.contains(host) || settings.trustedHosts.contains(host)
        if cached == nil, !operatorHost {
            guard perHost.check(host, now: now) == nil, overall.check("all", now: now) == nil else { throw FetchBudgetExhausted() }
        }
        var headers = [("Accept", "application/json")]
        if let cached {
            if let etag = cached.etag { headers.append(("If-None-Match", etag)) }
            if let modified = cached.lastModified { headers.append(("If-Modified-Since", modified)) }
        }
        let response: EgressClient.Response
        do {
            response = try await egress.send(EgressClient.Request(url: url, headers: headers))
        } catch let error as EgressError {
            throw ClientIDMetadataDocumentError.fetchFailed(error.description)
        }
        let lifetime = freshness.lifetime(
            cacheControl: response.header("Cache-Control"), expires: response.header("Expires").flatMap(HTTPDate.parse),
            date: response.header("Date").flatMap(HTTPDate.parse) ?? now
        )
        if response.status == 304, let cached {
            return freshness.entry(
                url: url, body: cached.body, etag: Self.validator(response.header("ETag")) ?? cached.etag,
                lastModified: Self.validator(response.header("Last-Modified")) ?? cached.lastModified, lifetime: lifetime, now: now
            )
        }
        guard response.status == 200 else { throw ClientIDMetadataDocumentError.fetchFailed("the host answered \(response.status)") }
        let contentType = response.header("Content-Type")?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased()
        if let contentType, contentType != "application/json", !contentType.hasSuffix("+json") {
            // A login wall or a bot challenge page: the host's trouble, not a new document.
            throw ClientIDMetadataDocumentError.fetchFailed("the host answered \(contentType), not JSON")
        }
        let body = String(buffer: response.body)
        guard JSONNesting.isWithin(8, response.body.readableBytesView),
              (try? JSONDecoder().decode(JSONValue.self, from: Data(body.utf8))) != nil
        else { throw ClientIDMetadataDocumentError.fetchFailed("the host's answer is not JSON") }
        return freshness.entry(
            url: url, body: body, etag: Self.validator(response.header("ETag")), lastModified: Self.validator(response.header("Last-Modified")),
            lifetime: lifetime, now: now
        )
    }

    /// A validator worth storing and sending back: short and printable ASCII, else none (the document is then
    /// fetched whole next time, which costs at most 5 KB).
    static func validator(_ value: String?) -> String? {
        guard let value, (1...256).contains(value.utf8.count), value.utf8.allSatisfy({ (0x20...0x7E).contains($0) }) else { return nil }
        return value
    }

    /// The client a cached document describes, validated now (rules may have changed since it was fetched).
    func client(from entry: CachedMetadataDocument) throws -> RegisteredClient {
        guard let document = try? JSONDecoder().decode(JSONValue.self, from: Data(entry.body.utf8)) else {
            throw ClientIDMetadataDocumentError.invalidDocument("is not JSON")
        }
        let metadata = try ClientIDMetadataDocument.metadata(from: document, url: entry.url, policy: policy, allowsKeyBasedAuthentication: true)
        return ClientIDMetadataDocument.client(url: entry.url, metadata: metadata, fetchedAt: entry.fetchedAt)
    }

    func remember(_ error: ClientIDMetadataDocumentError, for url: String, now: Int64) {
        failures.withLock { failures in
            if failures.count >= Self.rememberedFailures { failures = failures.filter { $0.value.until > now } }
            if failures.count >= Self.rememberedFailures { failures.removeAll(keepingCapacity: true) }
            failures[url] = (error, now + Self.failureMemory)
        }
    }

    struct FetchBudgetExhausted: Error, Equatable {}

    /// Forgets a remembered failure, so the next request fetches again (after the operator fixed something).
    func forget(_ url: String) {
        _ = failures.withLock { $0.removeValue(forKey: url) }
    }
}
