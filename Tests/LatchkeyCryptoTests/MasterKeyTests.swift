import Crypto
import Foundation
import LatchkeyCrypto
import Testing

/// DESIGN §4: a 32-byte base64 master key; purpose keys via HKDF-SHA256 with a fixed label.
struct MasterKeyTests {
    /// Bytes 0x00…0x1f.
    static let fixedBase64 = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="

    static func bytes(_ key: SymmetricKey) -> Data { key.withUnsafeBytes { Data($0) } }

    static func hex(_ key: SymmetricKey) -> String { bytes(key).map { String(format: "%02x", $0) }.joined() }

    @Test("parses base64 and ignores surrounding whitespace", arguments: [
        MasterKeyTests.fixedBase64, "  \(MasterKeyTests.fixedBase64)\n", "\t\(MasterKeyTests.fixedBase64)\r\n",
    ])
    func parsesBase64(text: String) throws {
        let key = try MasterKey(base64: text)
        #expect(key.base64 == Self.fixedBase64)
        #expect(key.version == Self.fixedVersion)
    }

    /// Computed independently with Python: HMAC-SHA256(0x00…0x1f, "latchkey/key-id/v1"), first 4 bytes big-endian, top bit cleared.
    static let fixedVersion = 249_391_820

    @Test("derives its version from the key: never the legacy 1, different for different keys")
    func derivedVersion() throws {
        let keys = (0..<50).map { _ in MasterKey.generate() }
        #expect(keys.allSatisfy { $0.version > 1 && $0.version <= Int(Int32.max) })
        #expect(Set(keys.map(\.version)).count == keys.count)
        #expect(try MasterKey(base64: keys[0].base64).version == keys[0].version)
    }

    @Test("a key ring refuses a previous key that is the current one or listed twice")
    func ringRefusesRepeats() throws {
        let current = MasterKey.generate()
        let old = MasterKey.generate()
        #expect(try MasterKeyRing(current: current, previous: [old]).all.map(\.version) == [current.version, old.version])
        #expect(throws: MasterKeyError.previousIsCurrent(2)) { try MasterKeyRing(current: current, previous: [old, current]) }
        #expect(throws: MasterKeyError.previousListedTwice(2)) { try MasterKeyRing(current: current, previous: [old, old]) }
        // No key material in the messages.
        #expect(!MasterKeyError.previousIsCurrent(1).description.contains(current.base64))
    }

    @Test("rejects a key that is not 32 bytes", arguments: [0, 1, 16, 31, 33, 64])
    func rejectsWrongLength(count: Int) {
        let text = Data(repeating: 7, count: count).base64EncodedString()
        let error = #expect(throws: MasterKeyError.self) { try MasterKey(base64: text) }
        #expect(error == .wrongLength(count))
        #expect(throws: MasterKeyError.wrongLength(count)) { try MasterKey(bytes: Data(repeating: 7, count: count)) }
    }

    @Test("rejects text that is not base64", arguments: [
        "not base64!",
        "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8",  // missing padding
        String(repeating: "-_", count: 22) + "=",  // base64url alphabet
        "AAECAwQFBgcICQoL DA0ODxAREhMUFRYXGBkaGxwdHh8=",
        "ÄAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
    ])
    func rejectsNonBase64(text: String) {
        #expect(throws: MasterKeyError.notBase64) { try MasterKey(base64: text) }
    }

    @Test("errors explain how to generate a key")
    func errorDescriptions() {
        #expect(MasterKeyError.wrongLength(16).description.contains("32 bytes, found 16"))
        #expect(MasterKeyError.notBase64.description.contains("openssl rand -base64 32"))
    }

    @Test("purpose keys are HKDF-SHA256 of the DESIGN §4 labels", arguments: [
        (MasterKey.Purpose.signingKeys, "9024768c778916304b1960636b2a4ca0968371d46d446426aa36ce80a0a11a52"),
        (.upstream, "0739ea9a943247d9191ba83a8b04975b6eb11e0169ba9b3131986ce83a2e475c"),
        (.pepper, "6b871ac4a49811d1e33e95264a2b8db6186b825ca4541c27da0d7692665b9ab8"),
    ])
    func derivesKnownAnswers(purpose: MasterKey.Purpose, expectedHex: String) throws {
        // Expected values computed independently with Python `cryptography` (HKDF, SHA-256, no salt).
        let key = try MasterKey(base64: Self.fixedBase64)
        #expect(Self.hex(key.derive(purpose)) == expectedHex)
    }

    @Test("derivation is deterministic, differs per purpose and per master key")
    func derivationSeparation() throws {
        let key = try MasterKey(base64: Self.fixedBase64)
        let again = try MasterKey(base64: Self.fixedBase64)
        let other = MasterKey.generate()
        let purposes: [MasterKey.Purpose] = [.signingKeys, .upstream, .pepper]
        let derived = purposes.map { Self.bytes(key.derive($0)) }
        #expect(derived == purposes.map { Self.bytes(again.derive($0)) })
        #expect(Set(derived).count == purposes.count)
        let masterBytes = try #require(Data(base64Encoded: Self.fixedBase64))
        #expect(!derived.contains(masterBytes))
        for purpose in purposes {
            #expect(Self.bytes(other.derive(purpose)) != Self.bytes(key.derive(purpose)))
            #expect(key.derive(purpose).bitCount == 256)
        }
    }

    @Test("generated keys are 32 random bytes that round-trip through base64")
    func generates() throws {
        let first = MasterKey.generate()
        let second = MasterKey.generate()
        #expect(first.base64 != second.base64)
        #expect(Data(base64Encoded: first.base64)?.count == 32)
        #expect(try MasterKey(base64: first.base64).base64 == first.base64)
    }
}
