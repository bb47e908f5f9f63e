import LatchkeyCrypto
import Testing

/// DESIGN §5 and §7: every secret comparison is constant time and length-checked.
struct ConstantTimeTests {
    @Test("compares strings exactly", arguments: [
        ("secret", "secret", true),
        ("", "", true),
        ("secret", "secreT", false),
        ("secret", "Secret", false),
        ("secret", "secre", false),
        ("secret", "secrets", false),
        ("", "a", false),
        ("a", "", false),
        ("é", "e\u{301}", false),  // same Character, different bytes
        ("\u{0}", "", false),
    ])
    func strings(a: String, b: String, expected: Bool) {
        #expect(ConstantTime.equals(a, b) == expected)
        #expect(ConstantTime.equals(b, a) == expected)
    }

    @Test("compares byte arrays exactly", arguments: [
        ([UInt8](), [UInt8](), true),
        ([1, 2, 3], [1, 2, 3], true),
        ([1, 2, 3], [1, 2, 4], false),
        ([0, 2, 3], [1, 2, 3], false),
        ([1, 2, 3], [1, 2], false),
        ([0], [], false),
        ([0x80], [0x00], false),
    ])
    func bytes(a: [UInt8], b: [UInt8], expected: Bool) {
        #expect(ConstantTime.equals(a, b) == expected)
        #expect(ConstantTime.equals(b, a) == expected)
    }
}
