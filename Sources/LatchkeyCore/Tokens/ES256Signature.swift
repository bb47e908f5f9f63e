/// The one accepted form of an ES256 signature (JWS `r || s`, 64 bytes): `s` in the lower half of the group order.
///
/// ECDSA signatures are malleable: if `(r, s)` verifies, so does `(r, n − s)`. Two byte strings for one token would
/// break anything keyed by the token's bytes (caches, revocation by hash, replay checks), so Latchkey signs only
/// low-S signatures and both its verifiers refuse high-S ones before checking the signature.
public enum ES256Signature {
    /// The order n of P-256, big-endian.
    static let order: [UInt8] = [
        0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        0xBC, 0xE6, 0xFA, 0xAD, 0xA7, 0x17, 0x9E, 0x84, 0xF3, 0xB9, 0xCA, 0xC2, 0xFC, 0x63, 0x25, 0x51,
    ]
    /// ⌊n / 2⌋, big-endian: the largest accepted `s`.
    static let halfOrder: [UInt8] = [
        0x7F, 0xFF, 0xFF, 0xFF, 0x80, 0x00, 0x00, 0x00, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        0xDE, 0x73, 0x7D, 0x56, 0xD3, 0x8B, 0xCF, 0x42, 0x79, 0xDC, 0xE5, 0x61, 0x7E, 0x31, 0x92, 0xA8,
    ]

    /// Whether `signature` is 64 bytes with `s ≤ n/2`.
    public static func isCanonical(_ signature: some Collection<UInt8>) -> Bool {
        guard signature.count == 64 else { return false }
        return !Self.greater(Array(signature.suffix(32)), than: halfOrder)
    }

    /// `signature` with `s` replaced by `n − s` when it is in the upper half; otherwise unchanged.
    public static func canonical(_ signature: [UInt8]) -> [UInt8] {
        guard signature.count == 64, !isCanonical(signature) else { return signature }
        return twin(signature)
    }

    /// The other signature that verifies for the same message: `(r, n − s)`, for a 64-byte `r || s` with `0 < s < n`.
    static func twin(_ signature: [UInt8]) -> [UInt8] {
        let s = Array(signature.suffix(32))
        var result = [UInt8](repeating: 0, count: 32)
        var borrow = 0
        for index in stride(from: 31, through: 0, by: -1) {
            var difference = Int(order[index]) - Int(s[index]) - borrow
            borrow = difference < 0 ? 1 : 0
            if difference < 0 { difference += 256 }
            result[index] = UInt8(difference)
        }
        return Array(signature.prefix(32)) + result
    }

    /// Big-endian comparison of two 32-byte numbers.
    static func greater(_ lhs: [UInt8], than rhs: [UInt8]) -> Bool {
        for (left, right) in zip(lhs, rhs) where left != right {
            return left > right
        }
        return false
    }
}
