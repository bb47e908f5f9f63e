import Crypto
public import LatchkeyCore

/// The audit trail's MAC keys: HMAC-SHA256 under the `latchkey/audit/v1` subkey of each master key held, by key
/// version. New rows use the current key; rows MACed before a `master-key rotate` are checked with the previous key,
/// as long as it is listed in `master-key-previous`.
public struct AuditKeys: AuditMACKeys {
    let keys: [Int: SymmetricKey]
    public let currentVersion: Int

    public init(ring: MasterKeyRing) {
        var keys: [Int: SymmetricKey] = [:]
        for key in ring.all { keys[key.version] = key.derive(.audit) }
        self.keys = keys
        self.currentVersion = ring.current.version
    }

    public func mac(_ message: [UInt8], version: Int) -> String? {
        guard let key = keys[version] else { return nil }
        return HMAC<SHA256>.authenticationCode(for: message, using: key).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }

    public func equal(_ first: String, _ second: String) -> Bool {
        ConstantTime.equals(first, second)
    }
}
