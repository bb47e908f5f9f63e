import LatchkeyCore
import LatchkeyCrypto
import Synchronization

/// Access tokens this instance has already verified, by their exact text, until they expire: a resource server
/// introspects the same token on every call, and an ES256 verification costs far more than the lookup.
///
/// Only successful verifications are kept, so garbage cannot fill it; it is cleared when full. Revocation is
/// checked separately on every request, so a cached token that is revoked is still reported inactive.
final class VerifiedTokenCache: Sendable {
    let codec: AccessTokenCodec
    let capacity: Int
    let entries = Mutex<[String: AccessTokenClaims]>([:])
    let metrics: CacheMetrics

    init(codec: AccessTokenCodec, capacity: Int = 10_000, metrics: CacheMetrics = .disabled) {
        self.codec = codec
        self.capacity = capacity
        self.metrics = metrics
    }

    func verify(_ token: String, now: Int64) -> AccessTokenClaims? {
        if let claims = entries.withLock({ $0[token] }) {
            metrics.hit()
            return claims.expiresAt > now ? claims : nil
        }
        // Garbage counts as a miss too: the ratio says how often a verification was spared.
        metrics.miss()
        guard let claims = codec.verify(token, now: now) else { return nil }
        entries.withLock { entries in
            if entries.count >= capacity { entries = entries.filter { $0.value.expiresAt > now } }
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[token] = claims
        }
        return claims
    }
}
