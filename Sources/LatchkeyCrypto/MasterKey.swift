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
        /// Before the pepper was stored (`server_secrets`), it was this derivation of the master key in use; it is
        /// now only read once, to store the pepper an upgraded database's hashes were made with.
        case pepper = "latchkey/pepper/v1"
        /// Values in `server_secrets` (the pepper).
        case serverSecrets = "latchkey/server-secrets/v1"
        /// The MACs chaining the audit trail (`AuditKeys`).
        case audit = "latchkey/audit/v1"
    }

    let key: SymmetricKey
    /// The version stamped on everything sealed with this key, derived from the key itself (`MasterKey.version(of:)`),
    /// so operators never number keys and a sealed value names the key that opens it.
    public let version: Int

    public init(bytes: some ContiguousBytes) throws {
        let key = SymmetricKey(data: bytes)
        guard key.bitCount == 256 else { throw MasterKeyError.wrongLength(key.bitCount / 8) }
        self.key = key
        self.version = Self.version(of: key)
    }

    /// Parses the base64 form used by `LATCHKEY_MASTER_KEY` and key files (surrounding whitespace ignored).
    public init(base64: String) throws {
        let trimmed = base64.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let data = Data(base64Encoded: trimmed) else { throw MasterKeyError.notBase64 }
        try self.init(bytes: data)
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

    /// The first 4 bytes of HMAC-SHA256(key, "latchkey/key-id/v1") as a positive 31-bit number, never 0 or 1
    /// (1 is the stamp written before versions were derived: `Sealer.legacyKeyVersion`). It names the key without
    /// revealing it; two keys share one with probability 2⁻³¹, and a key ring refuses that.
    static func version(of key: SymmetricKey) -> Int {
        let mac = Array(HMAC<SHA256>.authenticationCode(for: Data("latchkey/key-id/v1".utf8), using: key))
        let value = (Int(mac[0]) << 24 | Int(mac[1]) << 16 | Int(mac[2]) << 8 | Int(mac[3])) & 0x7fff_ffff
        return value < 2 ? value + 2 : value
    }
}

/// The master key new values are sealed with, and the previous keys still read (`master-key-previous`) until
/// `latchkey master-key rotate` has re-sealed everything.
public struct MasterKeyRing: Sendable {
    public let current: MasterKey
    public let previous: [MasterKey]

    /// Refuses a previous key equal to the current one or listed twice (a copy-paste slip, or a rotation that
    /// changed nothing), and two keys with the same version.
    public init(current: MasterKey, previous: [MasterKey] = []) throws {
        var seen: Set<Int> = [current.version]
        for (index, key) in previous.enumerated() {
            if key.version == current.version {
                throw key.base64 == current.base64 ? MasterKeyError.previousIsCurrent(index + 1) : MasterKeyError.versionClash(index + 1)
            }
            guard seen.insert(key.version).inserted else {
                let twice = previous[..<index].contains { $0.base64 == key.base64 }
                throw twice ? MasterKeyError.previousListedTwice(index + 1) : MasterKeyError.versionClash(index + 1)
            }
        }
        self.current = current
        self.previous = previous
    }

    /// Every key held, the current one first.
    public var all: [MasterKey] { [current] + previous }

    public func key(version: Int) -> MasterKey? {
        all.first { $0.version == version }
    }
}

public enum MasterKeyError: Error, Sendable, CustomStringConvertible, Equatable {
    case wrongLength(Int)
    case notBase64
    /// The n-th previous key (from 1) is the current key.
    case previousIsCurrent(Int)
    /// The n-th previous key (from 1) repeats an earlier one.
    case previousListedTwice(Int)
    /// The n-th previous key (from 1) differs from an earlier key but derives the same version (chance 2⁻³¹).
    case versionClash(Int)

    public var description: String {
        switch self {
        case .wrongLength(let count):
            "the master key must be 32 bytes, found \(count); generate one with `latchkey master-key generate` or `openssl rand -base64 32`"
        case .notBase64:
            "the master key is not valid base64; generate one with `latchkey master-key generate` or `openssl rand -base64 32`"
        case .previousIsCurrent(let index):
            "previous key #\(index) is the current master key; list only keys that were replaced"
        case .previousListedTwice(let index):
            "previous key #\(index) is listed twice; list each replaced key once"
        case .versionClash(let index):
            "previous key #\(index) has the same key version as another key; generate a new current key"
        }
    }
}
