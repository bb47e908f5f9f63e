import Crypto
public import Foundation
import JWTKit
import LatchkeyCore
import Synchronization

/// Verifies Latchkey's RFC 9068 access tokens for one resource server.
///
/// It finds `jwks_uri` through the authorization server's RFC 8414 metadata, caches the JWKS for its
/// `Cache-Control: max-age` (5 minutes when absent, at most an hour), refetches at most once per
/// `minimumRefetchInterval` when a token names an unknown `kid`, and keeps using the cached keys while the
/// authorization server is unreachable. Before any signature check it requires an accepted algorithm (ES256 by
/// default; `none` and the HMAC algorithms are never accepted), `typ` `at+jwt` and a `kid` the JWKS publishes — so an
/// unknown `kid` never falls back to another key. Then: exact `iss`, `aud` containing the resource, `exp`/`nbf`
/// within `leeway`. Verified tokens are kept until they expire, so repeated calls with one token skip ECDSA.
public final class TokenVerifier: Sendable {
    public struct Configuration: Sendable {
        public var issuer: String
        /// This resource server's URI (RFC 8707), normalized as Latchkey normalizes `resource`.
        public var resource: String
        public var algorithms: Set<String>
        public var leeway: Int64
        public var minimumRefetchInterval: Duration
        public var verifiedTokenCapacity: Int

        public init(
            issuer: String, resource: String, algorithms: Set<String> = ["ES256"], leeway: Int64 = 60,
            minimumRefetchInterval: Duration = .seconds(30), verifiedTokenCapacity: Int = 10_000
        ) throws {
            self.issuer = try Issuer(issuer).url
            self.resource = try ResourceIndicator(resource).uri
            // Never `none`, never a shared-secret algorithm: the keys are public.
            self.algorithms = algorithms.filter { $0 != "none" && !$0.uppercased().hasPrefix("HS") }
            self.leeway = leeway
            self.minimumRefetchInterval = minimumRefetchInterval
            self.verifiedTokenCapacity = verifiedTokenCapacity
        }

        /// RFC 8414 §3.1: the well-known segment goes between the host and the issuer's path.
        var metadataURL: String {
            guard let issuer = try? Issuer(issuer), !issuer.path.isEmpty else {
                return issuer + "/.well-known/oauth-authorization-server"
            }
            return String(issuer.url.dropLast(issuer.path.count)) + "/.well-known/oauth-authorization-server" + issuer.path
        }
    }

    struct Keys: Sendable {
        let collection: JWTKeyCollection
        let kids: Set<String>
        let freshUntil: ContinuousClock.Instant
    }

    public let configuration: Configuration
    let source: any KeySource
    let now: @Sendable () -> Int64
    let keys = Mutex<Keys?>(nil)
    let lastFetch = Mutex<ContinuousClock.Instant?>(nil)
    /// Verified tokens by the SHA-256 of the token: the map never holds a usable bearer token, and an entry is small.
    let verified = Mutex<[SHA256Digest: VerifiedToken]>([:])

    public init(configuration: Configuration, source: any KeySource = URLSessionKeySource(), now: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }) {
        self.configuration = configuration
        self.source = source
        self.now = now
    }

    public func verify(_ token: String) async throws -> VerifiedToken {
        let time = now()
        guard token.utf8.count <= 8192 else { throw TokenVerificationError.malformed }
        let key = SHA256.hash(data: Data(token.utf8))
        if let hit = verified.withLock({ $0[key] }) {
            guard hit.expiresAt + configuration.leeway > time else { throw TokenVerificationError.expired }
            return hit
        }
        let header = try Self.header(of: token)
        guard configuration.algorithms.contains(header.alg) else { throw TokenVerificationError.unsupportedAlgorithm(header.alg) }
        guard ["at+jwt", "application/at+jwt"].contains(header.typ?.lowercased() ?? "") else { throw TokenVerificationError.wrongType }
        guard let kid = header.kid else { throw TokenVerificationError.unknownKey }
        if header.alg == "ES256" {
            // One token, one byte string: a malleated (high-S) twin of a valid signature is refused (ES256Signature).
            guard let signature = token.split(separator: ".").last.flatMap({ Base64URL.decode(String($0)) }),
                  ES256Signature.isCanonical(signature)
            else { throw TokenVerificationError.badSignature }
        }
        var current = try await currentKeys()
        if !current.kids.contains(kid) {
            // A rotation may have published a new key since the last fetch; ask again, but not more often than allowed.
            guard let refreshed = try? await fetchKeys(force: true), refreshed.kids.contains(kid) else {
                throw TokenVerificationError.unknownKey
            }
            current = refreshed
        }
        let claims: AccessTokenPayload
        do {
            claims = try await current.collection.verify(token, as: AccessTokenPayload.self)
        } catch {
            throw TokenVerificationError.badSignature
        }
        return try check(claims, now: time, key: key)
    }

    func check(_ claims: AccessTokenPayload, now time: Int64, key: SHA256Digest) throws -> VerifiedToken {
        guard claims.iss == configuration.issuer else { throw TokenVerificationError.wrongIssuer }
        let audience = claims.aud.values
        guard audience.contains(where: { (try? ResourceIndicator($0).uri) == configuration.resource }) else {
            throw TokenVerificationError.wrongAudience
        }
        guard Int64(claims.exp) + configuration.leeway > time else { throw TokenVerificationError.expired }
        if let nbf = claims.nbf, Int64(nbf) - configuration.leeway > time { throw TokenVerificationError.notYetValid }
        let verifiedToken = VerifiedToken(
            subject: claims.sub, clientID: claims.client_id ?? "", scopes: claims.scope.map { $0.split(separator: " ").map(String.init) } ?? [],
            audience: audience, issuer: claims.iss, expiresAt: Int64(claims.exp), tokenID: claims.jti
        )
        verified.withLock { cache in
            if cache.count >= configuration.verifiedTokenCapacity {
                cache = cache.filter { $0.value.expiresAt > time }
                if cache.count >= configuration.verifiedTokenCapacity { cache.removeAll(keepingCapacity: true) }
            }
            cache[key] = verifiedToken
        }
        return verifiedToken
    }

    /// The cached keys while fresh; otherwise a fetch, falling back to the stale keys if the fetch fails.
    func currentKeys() async throws -> Keys {
        if let cached = keys.withLock({ $0 }), cached.freshUntil > .now { return cached }
        do {
            return try await fetchKeys(force: false)
        } catch {
            if let stale = keys.withLock({ $0 }) { return stale }
            throw error
        }
    }

    /// Fetches metadata and JWKS. A forced fetch (unknown `kid`) happens at most once per `minimumRefetchInterval`.
    func fetchKeys(force: Bool) async throws -> Keys {
        if force {
            let allowed = lastFetch.withLock { last -> Bool in
                if let last, last.duration(to: .now) < configuration.minimumRefetchInterval { return false }
                last = .now
                return true
            }
            guard allowed, true else {
                if let cached = keys.withLock({ $0 }) { return cached }
                throw TokenVerificationError.keysUnavailable("refetch not allowed yet")
            }
        } else {
            lastFetch.withLock { $0 = .now }
        }
        let (metadataBody, _) = try await source.fetch(configuration.metadataURL)
        guard let metadata = try? JSONDecoder().decode(Metadata.self, from: metadataBody), metadata.issuer == configuration.issuer else {
            throw TokenVerificationError.keysUnavailable("the metadata at \(configuration.metadataURL) does not name issuer \(configuration.issuer)")
        }
        let (jwksBody, maxAge) = try await source.fetch(metadata.jwks_uri)
        guard let jwks = try? JSONDecoder().decode(JWKS.self, from: jwksBody) else {
            throw TokenVerificationError.keysUnavailable("the JWKS at \(metadata.jwks_uri) is not valid")
        }
        let collection = JWTKeyCollection()
        var kids: Set<String> = []
        for jwk in jwks.keys {
            // Only keys with a kid, for an accepted algorithm: nothing else can be selected.
            guard let kid = jwk.keyIdentifier?.string, let alg = jwk.algorithm?.rawValue, configuration.algorithms.contains(alg) else { continue }
            do {
                _ = try await collection.add(jwk: jwk, isDefault: false)
                kids.insert(kid)
            } catch {
                continue
            }
        }
        let seconds = min(max(maxAge ?? 300, 0), 3600)
        let fresh = Keys(collection: collection, kids: kids, freshUntil: .now + .seconds(seconds))
        keys.withLock { $0 = fresh }
        return fresh
    }

    struct Metadata: Decodable {
        var issuer: String
        var jwks_uri: String
    }

    struct Header: Decodable {
        var alg: String
        var typ: String?
        var kid: String?
    }

    static func header(of token: String) throws -> Header {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        // The header is read before any signature check: keep its parse cheap (JSONNesting).
        guard parts.count == 3, let data = Base64URL.decode(String(parts[0])), JSONNesting.isWithin(4, data), let header = try? JSONDecoder().decode(Header.self, from: data) else {
            throw TokenVerificationError.malformed
        }
        return header
    }
}

/// The claims the verifier reads; the checks are done by `TokenVerifier.check` with its leeway.
struct AccessTokenPayload: JWTPayload {
    var iss: String
    var sub: String
    var aud: Audience
    var exp: Double
    var nbf: Double?
    var scope: String?
    var client_id: String?
    var jti: String?

    func verify(using algorithm: some JWTAlgorithm) async throws {}

    /// RFC 7519 §4.1.3: one string or an array.
    struct Audience: Codable, Sendable {
        var values: [String]

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let one = try? container.decode(String.self) {
                values = [one]
            } else {
                values = try container.decode([String].self)
            }
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(values)
        }
    }
}
