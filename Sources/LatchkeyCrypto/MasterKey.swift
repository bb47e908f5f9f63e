public import Crypto
public import Foundation
import LatchkeyCore

/// The root secret every other server secret is derived from (DESIGN §4).
///
/// Purpose keys come from HKDF-SHA256 with a fixed label, so a key for one purpose says nothing about another.
public struct MasterKey: Sendable {
    /// Purpose labels; changing one invalidates everything derived from it.
    public enum Purpose: String, Sendable {
        case signingKeys = "latchkey/signing-keys/v1"
        case upstream = "latchkey/upstream/v1"
        case pepper = "latchkey/pepper/v1"
    }

    let key: SymmetricKey
    /// The version stamped on everything sealed with this key, so a later rotation can tell generations apart.
    public let version: Int

    public init(bytes: some ContiguousBytes, version: Int = 1) throws {
        let key = SymmetricKey(data: bytes)
        guard key.bitCount == 256 else { throw MasterKeyError.wrongLength(key.bitCount / 8) }
        self.key = key
        self.version = version
    }

    /// Parses the base64 form used by `LATCHKEY_MASTER_KEY` and key files (surrounding whitespace ignored).
    public init(base64: String, version: Int = 1) throws {
        let trimmed = base64.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let data = Data(base64Encoded: trimmed) else { throw MasterKeyError.notBase64 }
        try self.init(bytes: data, version: version)
    }

    /// A fresh random key.
    public static func generate() -> MasterKey {
        // Force-try is safe: the length is fixed at 32 bytes.
        try! MasterKey(bytes: SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) })
    }

    public var base64: String { key.withUnsafeBytes { Data($0).base64EncodedString() } }

    /// The HKDF-SHA256 subkey for `purpose`.
    public func derive(_ purpose: Purpose) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(inputKeyMaterial: key, info: Data(purpose.rawValue.utf8), outputByteCount: 32)
    }
}

public enum MasterKeyError: Error, Sendable, CustomStringConvertible, Equatable {
    case wrongLength(Int)
    case notBase64

    public var description: String {
        switch self {
        case .wrongLength(let count):
            "the master key must be 32 bytes, found \(count); generate one with `openssl rand -base64 32`"
        case .notBase64:
            "the master key is not valid base64; generate one with `openssl rand -base64 32`"
        }
    }
}
