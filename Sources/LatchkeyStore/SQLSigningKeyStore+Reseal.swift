import SQLKit

extension SQLSigningKeyStore {
    /// Master-key rotation: stores `new` as the key's sealed private key only if it still is `old`, so a rotation
    /// racing a running server (or another rotation) never overwrites a newer value. `false` when it changed or is gone.
    public func replaceSealedPrivateKey(kid: String, from old: String, to new: String) async throws -> Bool {
        try await database.withSession { db in
            try await db.raw("""
                UPDATE signing_keys SET sealed_private_key = \(bind: new) WHERE kid = \(bind: kid) AND sealed_private_key = \(bind: old)
                RETURNING kid
                """).first() != nil
        }
    }
}
