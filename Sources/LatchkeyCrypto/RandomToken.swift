import Crypto
import Foundation
import LatchkeyCore

/// Unguessable identifiers and secrets from the system CSPRNG.
public enum RandomToken {
    /// `bytes` random bytes as base64url without padding (32 bytes = 256 bits → 43 characters).
    public static func generate(bytes: Int = 32) -> String {
        let key = SymmetricKey(size: SymmetricKeySize(bitCount: bytes * 8))
        return key.withUnsafeBytes { Base64URL.encode(Data($0)) }
    }
}

extension RandomToken {
    /// `bytes` random bytes as lowercase hex: for identifiers people type and paste (client ids).
    public static func hex(bytes: Int = 16) -> String {
        let digits = Array("0123456789abcdef".utf8)
        return SymmetricKey(size: SymmetricKeySize(bitCount: bytes * 8)).withUnsafeBytes { raw in
            var text: [UInt8] = []
            text.reserveCapacity(raw.count * 2)
            for byte in raw {
                text.append(digits[Int(byte >> 4)])
                text.append(digits[Int(byte & 0x0F)])
            }
            return String(decoding: text, as: UTF8.self)
        }
    }
}
