import Crypto
public import Foundation
import LatchkeyCore

/// HMAC-SHA256 with the server pepper: how every bearer secret is stored (DESIGN §4).
///
/// A database dump alone cannot be used to present or check a token: the pepper is stored sealed under the master
/// key (`server_secrets`), so it outlives a master-key rotation and every stored hash stays valid.
public struct SecretHasher: Sendable {
    let pepper: SymmetricKey

    /// `pepper`: 32 bytes, as stored sealed in `server_secrets`.
    public init(pepper: Data) {
        self.pepper = SymmetricKey(data: pepper)
    }

    /// The pepper servers derived from their master key before it was stored: HKDF(master, `latchkey/pepper/v1`).
    /// An upgraded database stores exactly these bytes, so its existing hashes keep verifying.
    public static func derivedPepper(_ masterKey: MasterKey) -> Data {
        masterKey.derive(.pepper).withUnsafeBytes { Data($0) }
    }

    /// Base64url digest of `secret`, used as the storage key.
    public func hash(_ secret: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data(secret.utf8), using: pepper)
        return Base64URL.encode(Data(mac))
    }

    /// Whether `secret` hashes to `digest`, compared in constant time.
    public func verify(_ secret: String, against digest: String) -> Bool {
        ConstantTime.equals(hash(secret), digest)
    }
}
