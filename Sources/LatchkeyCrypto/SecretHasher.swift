import Crypto
import Foundation
import LatchkeyCore

/// HMAC-SHA256 with the server pepper: how every bearer secret is stored (DESIGN §4).
///
/// A database dump alone cannot be used to present or check a token, because the pepper
/// lives only in the master key.
public struct SecretHasher: Sendable {
    let pepper: SymmetricKey

    public init(masterKey: MasterKey) {
        self.pepper = masterKey.derive(.pepper)
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
