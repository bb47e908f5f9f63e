import Foundation
import LatchkeyCore
import LatchkeyCrypto
import Testing

/// DESIGN §4: AES-256-GCM, random 96-bit nonce, AAD binds the row and field, `v1.<keyVersion>.<nonce>.<ciphertext>`.
struct SealerTests {
    let masterKey: MasterKey
    let sealer: Sealer
    let aad = "user-1|github|refresh_token"

    init() throws {
        masterKey = try MasterKey(base64: MasterKeyTests.fixedBase64)
        sealer = Sealer(masterKey: masterKey, purpose: .upstream)
    }

    /// `sealed` with `transform` applied to the decoded part at `index` (2 = nonce, 3 = ciphertext+tag).
    func rewrite(_ sealed: String, part index: Int, _ transform: (inout Data) -> Void) throws -> String {
        var parts = sealed.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        var data = try #require(Base64URL.decode(parts[index]))
        transform(&data)
        parts[index] = Base64URL.encode(data)
        return parts.joined(separator: ".")
    }

    @Test("round-trips values of any length", arguments: [0, 1, 15, 16, 17, 1000])
    func roundTrip(length: Int) throws {
        let plaintext = Data((0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        #expect(try sealer.open(sealer.seal(plaintext, aad: aad), aad: aad) == plaintext)
    }

    @Test("writes v1.<keyVersion>.<12-byte nonce>.<ciphertext + 16-byte tag>")
    func format() throws {
        let sealed = try sealer.seal(Data("hello".utf8), aad: aad)
        let parts = sealed.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        #expect(parts.count == 4)
        #expect(parts[0] == "v1")
        #expect(parts[1] == String(masterKey.version))
        #expect(Base64URL.decode(parts[2])?.count == 12)
        #expect(Base64URL.decode(parts[3])?.count == 5 + 16)
        #expect(!sealed.contains("hello"))
    }

    @Test("stamps the master key version")
    func stampsVersion() throws {
        let sealed = try sealer.seal(Data("x".utf8), aad: aad)
        #expect(sealed.hasPrefix("v1.\(MasterKeyTests.fixedVersion)."))
        #expect(Sealer.keyVersion(of: sealed) == MasterKeyTests.fixedVersion)
        #expect(!sealer.needsReseal(sealed))
    }

    @Test("opens a value sealed independently with the derived upstream key")
    func knownAnswer() throws {
        // Sealed with Python `cryptography` AESGCM under HKDF(master, "latchkey/upstream/v1"), nonce 0x64…0x6f.
        let sealed = "v1.1.ZGVmZ2hpamtsbW5v.L02HQPPVh8Bcz9O5kQQprZEaff-jFvRInneN0cFAFe8SAZp4lbY"
        #expect(try sealer.open(sealed, aad: aad) == Data("upstream refresh token".utf8))
    }

    @Test("uses a fresh nonce for every seal")
    func freshNonce() throws {
        let plaintext = Data("same".utf8)
        let sealed = try (0..<50).map { _ in try sealer.seal(plaintext, aad: aad) }
        let nonces = sealed.map { $0.split(separator: ".")[2] }
        #expect(Set(nonces).count == sealed.count)
    }

    @Test("a value moved to another row or field does not open", arguments: [
        "user-2|github|refresh_token",
        "user-1|gitlab|refresh_token",
        "user-1|github|access_token",
        "user-1|github|refresh_token ",
        "",
    ])
    func wrongAAD(otherAAD: String) throws {
        let sealed = try sealer.seal(Data("token".utf8), aad: aad)
        #expect(throws: SealerError.authenticationFailed) { try sealer.open(sealed, aad: otherAAD) }
    }

    @Test("swapping ciphertexts between two rows fails both ways")
    func swappedRows() throws {
        let rowA = try sealer.seal(Data("token-a".utf8), aad: "user-a|github|refresh_token")
        let rowB = try sealer.seal(Data("token-b".utf8), aad: "user-b|github|refresh_token")
        #expect(throws: SealerError.authenticationFailed) { try sealer.open(rowB, aad: "user-a|github|refresh_token") }
        #expect(throws: SealerError.authenticationFailed) { try sealer.open(rowA, aad: "user-b|github|refresh_token") }
    }

    @Test("any flipped bit in the nonce, ciphertext or tag fails", arguments: [
        (2, 0), (2, 11), (3, 0), (3, 4), (3, 5), (3, 20),
    ])
    func tampered(part: Int, byte: Int) throws {
        let sealed = try sealer.seal(Data("hello".utf8), aad: aad)
        let tampered = try rewrite(sealed, part: part) { $0[$0.startIndex + byte] ^= 0x01 }
        #expect(throws: SealerError.authenticationFailed) { try sealer.open(tampered, aad: aad) }
    }

    @Test("a truncated or extended body fails")
    func truncatedOrExtended() throws {
        let sealed = try sealer.seal(Data("hello".utf8), aad: aad)
        let shorter = try rewrite(sealed, part: 3) { $0.removeLast() }
        let longer = try rewrite(sealed, part: 3) { $0.append(0) }
        let tagOnly = try rewrite(sealed, part: 3) { $0.removeFirst(5) }
        #expect(throws: SealerError.authenticationFailed) { try sealer.open(shorter, aad: aad) }
        #expect(throws: SealerError.authenticationFailed) { try sealer.open(longer, aad: aad) }
        #expect(throws: SealerError.authenticationFailed) { try sealer.open(tagOnly, aad: aad) }
    }

    @Test("malformed values are rejected as malformed", arguments: [
        "",
        "v1",
        "v1.1.ZGVmZ2hpamtsbW5v",
        "v1.1.ZGVmZ2hpamtsbW5v.L02HQPPVh8Bcz9O5kQQprZEaff-jFvRInneN0cFAFe8SAZp4lbY.extra",
        "v2.1.ZGVmZ2hpamtsbW5v.L02HQPPVh8Bcz9O5kQQprZEaff-jFvRInneN0cFAFe8SAZp4lbY",
        "V1.1.ZGVmZ2hpamtsbW5v.L02HQPPVh8Bcz9O5kQQprZEaff-jFvRInneN0cFAFe8SAZp4lbY",
        "v1.one.ZGVmZ2hpamtsbW5v.L02HQPPVh8Bcz9O5kQQprZEaff-jFvRInneN0cFAFe8SAZp4lbY",
        "v1..ZGVmZ2hpamtsbW5v.L02HQPPVh8Bcz9O5kQQprZEaff-jFvRInneN0cFAFe8SAZp4lbY",
        "v1.1.ZGVm+2hpamtsbW5v.L02HQPPVh8Bcz9O5kQQprZEaff-jFvRInneN0cFAFe8SAZp4lbY",
        "v1.1.ZGVmZ2hpamtsbW5v.L02HQPPVh8Bcz9O5kQQprZEaff/jFvRInneN0cFAFe8SAZp4lbY",
        "v1.1.ZGVmZ2hpamtsbW5v.L02HQPPVh8Bcz9O5kQQprZEaff-jFvRInneN0cFAFe8SAZp4lbY=",
        "v1.1.ZGVmZ2hpamtsbW5v.",
        "v1.1.ZGVmZ2hpamtsbW5v.L02HQPPVh8Bcz9O5kQQp",
        "upstream refresh token",
    ])
    func malformed(sealed: String) {
        #expect(throws: SealerError.malformed) { try sealer.open(sealed, aad: aad) }
    }

    @Test("a nonce of the wrong size does not open", arguments: ["", "ZGVmZ2hp", "ZGVmZ2hpamtsbW5vcA"])
    func wrongNonceSize(nonce: String) {
        let sealed = "v1.1.\(nonce).L02HQPPVh8Bcz9O5kQQprZEaff-jFvRInneN0cFAFe8SAZp4lbY"
        #expect(throws: SealerError.self) { try sealer.open(sealed, aad: aad) }
    }

    @Test("another master key cannot open the value, even with the stamp rewritten to its version")
    func otherMasterKey() throws {
        let sealed = try sealer.seal(Data("token".utf8), aad: aad)
        let otherKey = MasterKey.generate()
        let other = Sealer(masterKey: otherKey, purpose: .upstream)
        let restamped = "v1.\(otherKey.version)." + sealed.split(separator: ".", maxSplits: 2)[2]
        #expect(throws: SealerError.authenticationFailed) { try other.open(restamped, aad: aad) }
    }

    @Test("a key for another purpose cannot open the value")
    func otherPurpose() throws {
        let sealed = try sealer.seal(Data("token".utf8), aad: aad)
        let signing = Sealer(masterKey: masterKey, purpose: .signingKeys)
        #expect(throws: SealerError.authenticationFailed) { try signing.open(sealed, aad: aad) }
    }

    @Test("a value sealed under a key the ring does not hold is reported as such")
    func unknownKeyVersion() throws {
        let sealed = try sealer.seal(Data("token".utf8), aad: aad)
        let other = Sealer(masterKey: MasterKey.generate(), purpose: .upstream)
        #expect(throws: SealerError.unknownKeyVersion(masterKey.version)) { try other.open(sealed, aad: aad) }
    }

    @Test("a ring seals with the current key and opens values sealed with a previous one")
    func ringOpensPrevious() throws {
        let current = MasterKey.generate()
        let ring = Sealer(keys: try MasterKeyRing(current: current, previous: [masterKey]), purpose: .upstream)
        let old = try sealer.seal(Data("old".utf8), aad: aad)
        #expect(try ring.open(old, aad: aad) == Data("old".utf8))
        #expect(ring.needsReseal(old))
        let new = try ring.seal(Data("new".utf8), aad: aad)
        #expect(Sealer.keyVersion(of: new) == current.version)
        #expect(!ring.needsReseal(new))
        // Re-sealing moves a value to the current key, so the current key alone opens it.
        let resealed = try #require(try ring.reseal(old, aad: aad))
        #expect(try ring.reseal(resealed, aad: aad) == nil)
        #expect(try Sealer(masterKey: current, purpose: .upstream).open(resealed, aad: aad) == Data("old".utf8))
        #expect(throws: SealerError.unknownKeyVersion(current.version)) { try sealer.open(new, aad: aad) }
    }

    @Test("a legacy value (version 1) opens with whichever held key sealed it, current or previous")
    func legacyVersion() throws {
        // The known-answer value was sealed under the fixed key with the legacy stamp.
        let legacy = "v1.1.ZGVmZ2hpamtsbW5v.L02HQPPVh8Bcz9O5kQQprZEaff-jFvRInneN0cFAFe8SAZp4lbY"
        let other = MasterKey.generate()
        let asPrevious = Sealer(keys: try MasterKeyRing(current: other, previous: [masterKey]), purpose: .upstream)
        let asCurrent = Sealer(keys: try MasterKeyRing(current: masterKey, previous: [other]), purpose: .upstream)
        #expect(try asPrevious.open(legacy, aad: aad) == Data("upstream refresh token".utf8))
        #expect(try asCurrent.open(legacy, aad: aad) == Data("upstream refresh token".utf8))
        #expect(asCurrent.needsReseal(legacy))
        // No held key sealed it: authentication fails, never a crash.
        #expect(throws: SealerError.authenticationFailed) { try Sealer(masterKey: other, purpose: .upstream).open(legacy, aad: aad) }
        #expect(throws: SealerError.authenticationFailed) { try asPrevious.open(legacy, aad: "another row") }
    }
}
