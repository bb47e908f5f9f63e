import Crypto
public import Foundation
import LatchkeyCore

/// AES-256-GCM envelope encryption for values at rest (DESIGN §4), over a key ring.
///
/// Output is `v1.<keyVersion>.<nonce>.<ciphertext+tag>` (base64url parts). The caller's `aad` binds a value to
/// its row and field, so a ciphertext copied to another row or field fails to open. New values are sealed with the
/// current master key; any value whose key the ring holds opens, so a rotation can re-seal at its own pace.
public struct Sealer: Sendable {
    /// The version every value sealed before versions were derived from the key carries. Such a value is tried with
    /// every key held: GCM's tag tells which one is right.
    public static let legacyKeyVersion = 1

    struct Key: Sendable {
        let version: Int
        let key: SymmetricKey
    }

    /// The current key first.
    let keys: [Key]

    public init(keys ring: MasterKeyRing, purpose: MasterKey.Purpose) {
        self.keys = ring.all.map { Key(version: $0.version, key: $0.derive(purpose)) }
    }

    /// A ring of one key.
    public init(masterKey: MasterKey, purpose: MasterKey.Purpose) {
        self.keys = [Key(version: masterKey.version, key: masterKey.derive(purpose))]
    }

    /// The version new values are stamped with.
    public var currentKeyVersion: Int { keys[0].version }

    public func seal(_ plaintext: Data, aad: String) throws -> String {
        let current = keys[0]
        let box = try AES.GCM.seal(plaintext, using: current.key, nonce: AES.GCM.Nonce(), authenticating: Data(aad.utf8))
        return "v1.\(current.version).\(Base64URL.encode(Data(box.nonce)))." + Base64URL.encode(box.ciphertext + box.tag)
    }

    public func open(_ sealed: String, aad: String) throws -> Data {
        let parts = sealed.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "v1", let version = Int(parts[1]),
              let nonceBytes = Base64URL.decode(String(parts[2])),
              let body = Base64URL.decode(String(parts[3])), body.count >= 16
        else { throw SealerError.malformed }
        let candidates = version == Self.legacyKeyVersion ? keys : keys.filter { $0.version == version }
        guard !candidates.isEmpty else { throw SealerError.unknownKeyVersion(version) }
        let box: AES.GCM.SealedBox
        do {
            box = try AES.GCM.SealedBox(nonce: AES.GCM.Nonce(data: nonceBytes), ciphertext: body.dropLast(16), tag: body.suffix(16))
        } catch {
            throw SealerError.malformed
        }
        for candidate in candidates {
            if let plaintext = try? AES.GCM.open(box, using: candidate.key, authenticating: Data(aad.utf8)) {
                return plaintext
            }
        }
        throw SealerError.authenticationFailed
    }

    /// The key version stamped on `sealed`, without opening it; `nil` when it is not a sealed value.
    public static func keyVersion(of sealed: String) -> Int? {
        let parts = sealed.split(separator: ".", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "v1" else { return nil }
        return Int(parts[1])
    }

    /// Whether `sealed` is stamped with anything but the current key (a previous key, the legacy stamp, or a key
    /// this ring does not hold): what `latchkey master-key rotate` re-seals.
    public func needsReseal(_ sealed: String) -> Bool {
        Self.keyVersion(of: sealed) != currentKeyVersion
    }

    /// `sealed` opened and sealed again under the current key, or `nil` when it already is.
    public func reseal(_ sealed: String, aad: String) throws -> String? {
        guard needsReseal(sealed) else { return nil }
        return try seal(open(sealed, aad: aad), aad: aad)
    }
}

public enum SealerError: Error, Sendable, Equatable, CustomStringConvertible {
    case malformed
    case unknownKeyVersion(Int)
    case authenticationFailed

    public var description: String {
        switch self {
        case .malformed: "sealed value is malformed"
        case .unknownKeyVersion(let version): "sealed value uses master key version \(version), which this server does not hold"
        case .authenticationFailed: "sealed value failed authentication (wrong master key, or moved between rows)"
        }
    }
}
