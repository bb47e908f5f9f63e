import Foundation
import LatchkeyCrypto
import Testing

struct RandomTokenTests {
    static let base64URLAlphabet = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")

    @Test("32 bytes become 43 base64url characters", arguments: [(32, 43), (16, 22), (48, 64), (1, 2)])
    func length(bytes: Int, characters: Int) {
        let token = RandomToken.generate(bytes: bytes)
        #expect(token.count == characters)
        #expect(Base64URL.decode(token)?.count == bytes)
    }

    @Test("the default is 256 bits in the base64url alphabet without padding")
    func defaultToken() {
        let token = RandomToken.generate()
        #expect(token.count == 43)
        #expect(token.allSatisfy(Self.base64URLAlphabet.contains))
    }

    @Test("tokens do not repeat")
    func unique() {
        let tokens = (0..<200).map { _ in RandomToken.generate() }
        #expect(Set(tokens).count == tokens.count)
        // 8,600 random characters miss a given one of the 64 with probability (63/64)^8600 ≈ e^-134, so this
        // shows '-' and '_' are used and '+', '/' and '=' never are.
        #expect(Set(tokens.joined()) == Self.base64URLAlphabet)
    }

    @Test("hex identifiers are lowercase, 2 characters per byte, and unique")
    func hex() {
        let id = RandomToken.hex()
        #expect(id.count == 32)
        #expect(id.allSatisfy { "0123456789abcdef".contains($0) })
        #expect(RandomToken.hex(bytes: 8).count == 16)
        let ids = (0..<200).map { _ in RandomToken.hex() }
        #expect(Set(ids).count == ids.count)
    }
}

/// RFC 4648 §5 base64url without padding.
struct Base64URLTests {
    @Test("encodes the RFC 4648 §10 vectors without padding", arguments: [
        ("", ""), ("f", "Zg"), ("fo", "Zm8"), ("foo", "Zm9v"), ("foob", "Zm9vYg"), ("fooba", "Zm9vYmE"), ("foobar", "Zm9vYmFy"),
    ])
    func vectors(plain: String, encoded: String) {
        #expect(Base64URL.encode(Data(plain.utf8)) == encoded)
        #expect(Base64URL.decode(encoded) == Data(plain.utf8))
    }

    @Test("uses - and _ where base64 uses + and /")
    func urlAlphabet() {
        #expect(Base64URL.encode(Data([0xFB, 0xFF, 0xBF])) == "-_-_")
        #expect(Base64URL.decode("-_-_") == Data([0xFB, 0xFF, 0xBF]))
    }

    @Test("round-trips every length from 0 to 64 bytes")
    func roundTrip() {
        for count in 0...64 {
            let data = Data((0..<count).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 251) })
            let encoded = Base64URL.encode(data)
            #expect(!encoded.contains("=") && !encoded.contains("+") && !encoded.contains("/"))
            #expect(Base64URL.decode(encoded) == data)
        }
    }

    @Test("rejects characters outside the base64url alphabet and impossible lengths", arguments: [
        "+_-_", "-/-_", "Zg==", "Zm9v=", "Zm 9v", "Zm9v\n", "Zm9vé", "Zm9v٣", "Ｚｍ９ｖ", "Z", "Zm9vY",
    ])
    func rejects(text: String) {
        #expect(Base64URL.decode(text) == nil)
    }
}
