import Testing
@testable import LatchkeyCore

/// One token, one byte string: ES256 signatures are accepted only with s in the lower half of the group order.
struct ES256SignatureTests {
    static let r = [UInt8](repeating: 0x11, count: 32)

    @Test("s at or below n/2 is canonical; above it, or a wrong length, is not")
    func canonical() {
        #expect(ES256Signature.isCanonical(Self.r + ES256Signature.halfOrder))
        #expect(ES256Signature.isCanonical(Self.r + [UInt8](repeating: 0, count: 31) + [1]))
        var above = ES256Signature.halfOrder
        above[31] += 1
        #expect(!ES256Signature.isCanonical(Self.r + above))
        #expect(!ES256Signature.isCanonical(Self.r + ES256Signature.order))
        #expect(!ES256Signature.isCanonical(Self.r))
    }

    @Test("a high s becomes n − s, which is low; a low s is left alone; r never changes")
    func normalize() {
        let s: [UInt8] = [0x01] + [UInt8](repeating: 0, count: 30) + [0x05]
        let low = Self.r + s
        #expect(ES256Signature.canonical(low) == low)
        // n − s computed independently: n − 0x0100…0005.
        var expected = ES256Signature.order
        expected[0] -= 0x01
        expected[31] -= 0x05
        let high = Self.r + expected
        #expect(!ES256Signature.isCanonical(high))
        #expect(ES256Signature.canonical(high) == low)
        #expect(ES256Signature.canonical(ES256Signature.canonical(high)) == low)
    }
}
