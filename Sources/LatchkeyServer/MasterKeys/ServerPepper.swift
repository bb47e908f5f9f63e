import Foundation
import LatchkeyCore
import LatchkeyCrypto
import LatchkeyStore

/// The pepper every stored bearer-secret hash is made with, kept in `server_secrets` sealed under the master key
/// ring, so it survives a master-key rotation (DESIGN §4).
///
/// Before it was stored, servers derived it from the master key (HKDF, `latchkey/pepper/v1`). A database without
/// the row gets exactly that derivation of the master key its signing keys are sealed with — the key that was in
/// use, even when the operator upgrades and rotates at once (the old key is then a previous key) — so every
/// session, code, refresh token and client secret hashed before the upgrade still verifies. A new database has
/// no signing keys yet and derives it from the current key.
enum ServerPepper {
    static let name = "pepper"
    static let associatedData = "latchkey-server-secret/v1|pepper"

    static func sealer(_ keys: MasterKeyRing) -> Sealer {
        Sealer(keys: keys, purpose: .serverSecrets)
    }

    /// Loads the stored pepper, storing it first if the database has none. Refuses (a configuration error, so the
    /// server does not start) when no master key held opens it: every hash would silently stop verifying.
    static func load(database: LatchkeyDatabase, keys: MasterKeyRing, now: Int64) async throws -> SecretHasher {
        let store = SQLServerSecretStore(database: database)
        let sealer = sealer(keys)
        if try await store.sealedValue(named: name) == nil {
            let origin = try legacyKey(signingKeys: try await SQLSigningKeyStore(database: database).allKeys(), keys: keys)
            let sealed = try sealer.seal(SecretHasher.derivedPepper(origin), aad: associatedData)
            // Instances starting together derive the same bytes; whichever insert wins, all read the one row below.
            _ = try await store.insert(named: name, sealed: sealed, now: now)
        }
        guard let sealed = try await store.sealedValue(named: name) else {
            throw ConfigurationError("the pepper row in server_secrets vanished while starting; start again")
        }
        do {
            return SecretHasher(pepper: try sealer.open(sealed, aad: associatedData))
        } catch let error as SealerError {
            throw ConfigurationError(
                "the stored pepper (server_secrets) does not open with master-key or any master-key-previous: \(error.description). "
                    + "Start with the master key it was sealed with, as master-key or in master-key-previous"
            )
        }
    }

    /// The master key the database's signing keys open with (the active one first), or the current key when there
    /// are none yet.
    static func legacyKey(signingKeys: [StoredSigningKey], keys: MasterKeyRing) throws -> MasterKey {
        let ordered = signingKeys.filter { $0.status == .active } + signingKeys.filter { $0.status != .active }
        guard let stored = ordered.first else { return keys.current }
        for candidate in keys.all {
            let sealer = Sealer(masterKey: candidate, purpose: .signingKeys)
            if (try? sealer.open(stored.sealedPrivateKey, aad: SigningKeys.associatedData(kid: stored.kid))) != nil {
                return candidate
            }
        }
        throw ConfigurationError(
            "the signing keys in the database do not open with master-key or any master-key-previous: start with the master key "
                + "they were sealed with (when replacing it, keep the old one in master-key-previous until `latchkey master-key rotate` ran)"
        )
    }
}
