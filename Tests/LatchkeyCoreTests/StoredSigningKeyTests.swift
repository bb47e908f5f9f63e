import LatchkeyCore
import Testing

/// DESIGN §4: the JWKS publishes the active key, the next key, and retired keys until their last token expires.
struct StoredSigningKeyTests {
    func key(_ status: StoredSigningKey.Status, publishUntil: Int64? = nil) -> StoredSigningKey {
        StoredSigningKey(kid: "k", algorithm: "ES256", status: status, sealedPrivateKey: "", publicJWK: "{}", createdAt: 0, publishUntil: publishUntil)
    }

    @Test("active and next keys are always published", arguments: [StoredSigningKey.Status.active, .next])
    func activeAndNextPublished(status: StoredSigningKey.Status) {
        #expect(key(status).isPublished(at: 1_000))
    }

    @Test("a retired key is published until, not including, its publishUntil", arguments: [
        (Int64(999), true), (1_000, false), (1_001, false),
    ])
    func retiredPublishedUntil(now: Int64, published: Bool) {
        #expect(key(.retired, publishUntil: 1_000).isPublished(at: now) == published)
    }

    @Test("a retired key without publishUntil is not published")
    func retiredWithoutDeadline() {
        #expect(!key(.retired).isPublished(at: 0))
    }
}
