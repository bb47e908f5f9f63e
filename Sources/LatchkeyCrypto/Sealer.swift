import Crypto
public import Foundation
import LatchkeyCore

/// AES-256-GCM envelope encryption for values at rest (DESIGN §4).
///
/// Output is `v1.<keyVersion>.<nonce>.<ciphertext+tag>` (base64url parts). The caller's `aad` binds a value to
/// its row and field, so a ciphertext copied to another row or field fails to open.
public struct Sealer: Sendable {
    let key: SymmetricKey
    let keyVersion: Int

    public init(masterKey: MasterKey, purpose: MasterKey.Purpose) {
        self.key = masterKey.derive(purpose)
        self.keyVersion = masterKey.version
    }

    public func seal(_ plaintext: Data, aad: String) throws -> String {
        let box = try AES.GCM.seal(plaintext, using: key, nonce: AES.GCM.Nonce(), authenticating: Data(aad.utf8))
        return "v1.\(keyVersion).\(Base64URL.encode(Data(box.nonce)))." + Base64URL.encode(box.ciphertext + box.tag)
    }

    public func open(_ sealed: String, aad: String) throws -> Data {
        let parts = sealed.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "v1", let version = Int(parts[1]),
              let nonceBytes = Base64URL.decode(String(parts[2])),
              let body = Base64URL.decode(String(parts[3])), body.count >= 16
        else { throw SealerError.malformed }
        guard version == keyVersion else { throw SealerError.unknownKeyVersion(version) }
        do {
            let box = try AES.GCM.SealedBox(
                nonce: AES.GCM.Nonce(data: nonceBytes),
                ciphertext: body.dropLast(16),
                tag: body.suffix(16)
            )
            return try AES.GCM.open(box, using: key, authenticating: Data(aad.utf8))
        } catch {
            throw SealerError.authenticationFailed
        }
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
