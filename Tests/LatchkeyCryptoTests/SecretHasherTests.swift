import Foundation
import LatchkeyCore
import LatchkeyCrypto
import Testing

/// DESIGN §4: bearer secrets are stored as HMAC-SHA256(pepper, value).
struct SecretHasherTests {
    let hasher: SecretHasher

    init() throws {
        hasher = SecretHasher(pepper: SecretHasher.derivedPepper(try MasterKey(base64: MasterKeyTests.fixedBase64)))
    }

    @Test("hashes with HMAC-SHA256 under the derived pepper")
    func knownAnswer() {
        // Computed independently with Python: HMAC-SHA256(HKDF(master, "latchkey/pepper/v1"), secret), base64url.
        #expect(hasher.hash("client-secret-123") == "GRlqvSNQdapX_1KKZUimR6-5FNz8yi5vAQGbY3lnEG8")
    }

    @Test("is deterministic and depends on the secret")
    func deterministic() {
        #expect(hasher.hash("abc") == hasher.hash("abc"))
        #expect(hasher.hash("abc") != hasher.hash("abd"))
        #expect(hasher.hash("") != hasher.hash(" "))
    }

    @Test("a different pepper gives a different digest")
    func dependsOnPepper() {
        let other = SecretHasher(pepper: SecretHasher.derivedPepper(MasterKey.generate()))
        #expect(other.hash("abc") != hasher.hash("abc"))
        #expect(!other.verify("abc", against: hasher.hash("abc")))
    }

    @Test("digests are 43 base64url characters and do not contain the secret")
    func digestShape() {
        let secret = "s3cr3t-value-that-should-not-appear"
        let digest = hasher.hash(secret)
        #expect(digest.count == 43)
        #expect(Base64URL.decode(digest)?.count == 32)
        #expect(!digest.contains(secret))
    }

    @Test("verify accepts only the matching secret", arguments: [
        ("abc", true), ("abd", false), ("ab", false), ("abcd", false), ("ABC", false), ("", false),
    ])
    func verify(candidate: String, expected: Bool) {
        #expect(hasher.verify(candidate, against: hasher.hash("abc")) == expected)
    }

    @Test("verify rejects a truncated, extended or empty digest")
    func verifyRejectsMalformedDigest() {
        let digest = hasher.hash("abc")
        #expect(!hasher.verify("abc", against: String(digest.dropLast())))
        #expect(!hasher.verify("abc", against: digest + "A"))
        #expect(!hasher.verify("abc", against: ""))
        #expect(!hasher.verify("abc", against: "abc"))
    }
}
