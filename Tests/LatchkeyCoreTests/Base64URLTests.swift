import Foundation
import LatchkeyCore
import Testing

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

    @Test("the 32-byte shape: 43 alphabet characters, nothing else")
    func looks32Bytes() {
        #expect(Base64URL.looks32Bytes(Base64URL.encode(Data(repeating: 0xFB, count: 32))))
        #expect(Base64URL.looks32Bytes(String(repeating: "-", count: 22) + String(repeating: "_", count: 21)))
        for text in [String(repeating: "a", count: 42), String(repeating: "a", count: 44), String(repeating: "a", count: 42) + "=",
                     String(repeating: "a", count: 42) + "+", String(repeating: "a", count: 42) + ".", String(repeating: "a", count: 41) + "é"] {
            #expect(!Base64URL.looks32Bytes(text), "\(text)")
        }
    }
}
