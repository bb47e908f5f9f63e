/// Comparisons whose time does not depend on where two secrets differ.
public enum ConstantTime {
    /// Compares `a` and `b` byte by byte without an early exit. The length check comes first and
    /// leaks only the length, which for our fixed-size secrets and digests is public anyway.
    public static func equals(_ a: String, _ b: String) -> Bool {
        equals(Array(a.utf8), Array(b.utf8))
    }

    public static func equals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices {
            difference |= a[index] ^ b[index]
        }
        return difference == 0
    }
}
