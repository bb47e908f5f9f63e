import Foundation
import LatchkeyCore
import LatchkeyCrypto
@testable import LatchkeyServer
import LatchkeyTestSupport
import Testing

/// Master-key rotation (DESIGN §4): a new key with the old one as previous, `latchkey master-key rotate`, then the
/// new key alone — signing keys, vault tokens and every stored hash (the pepper) survive. Vault rows are sealed and
/// opened here as the vault does (`VaultField` associated data, the upstream purpose); that a row which does not
/// open becomes `needs_reauth` is `VaultTests`'.
struct MasterKeyRotationTests {
    static func aad(_ user: String, _ field: VaultField) -> String { field.associatedData(userID: user, providerID: "github") }

    static func row(_ user: String, _ sealer: Sealer, access: String?, refresh: String) throws -> StoredUpstreamCredential {
        StoredUpstreamCredential(
            userID: user, providerID: "github", accessToken: try access.map { try sealer.seal(Data($0.utf8), aad: aad(user, .accessToken)) },
            refreshToken: try sealer.seal(Data(refresh.utf8), aad: aad(user, .refreshToken)),
            tokenType: "Bearer", scopes: [], account: nil, accessTokenExpiresAt: nil, connectedAt: 1
        )
    }

    /// The same SQLite store under other key settings.
    func app(_ base: TestApp, _ settings: [String: String]) -> TestApp {
        var app = TestApp(directory: base.directory)
        app.settings.merge(settings) { $1 }
        return app
    }

    @Test("rotation re-seals everything under the new key, is idempotent, and the pepper survives dropping the old key")
    func rotation() async throws {
        let old = MasterKey.generate()
        let new = MasterKey.generate()
        let first = TestApp(["master-key": old.base64])
        defer { first.removeFiles() }
        let (digest, kid) = try await first.test { _, runtime in
            try await runtime.upstreamCredentials.put(try Self.row("alice", Sealer(masterKey: old, purpose: .upstream), access: "gho_access", refresh: "ghr_refresh"))
            // A value no key will hold: reported by the rotation and left alone (the vault marks it needs_reauth on read).
            try await runtime.upstreamCredentials.put(try Self.row("bob", Sealer(masterKey: MasterKey.generate(), purpose: .upstream), access: nil, refresh: "x"))
            return (runtime.hasher.hash("session-id"), runtime.signingKeys.activeKeyID)
        }
        // Upgrading keeps the hashes the master key's derived pepper made.
        #expect(digest == SecretHasher(pepper: SecretHasher.derivedPepper(old)).hash("session-id"))

        let rotating = app(first, ["master-key": new.base64, "master-key-previous": old.base64])
        try await rotating.test { _, runtime in
            let before = try await runtime.masterKeyRotation.status()
            #expect(before.notCurrent == 2 + 3 + 1)
            #expect(before.tallies.flatMap(\.unreadable) == ["user bob provider github refresh_token"])

            let report = try await runtime.masterKeyRotation.rotate()
            #expect(report.tallies.map(\.resealed) == [2, 2, 1])
            #expect(report.failed)
            let again = try await runtime.masterKeyRotation.rotate()
            #expect(again.tallies.map(\.resealed) == [0, 0, 0])
            let after = try await runtime.masterKeyRotation.status()
            #expect(after.notCurrent == 1)
            #expect(after.tallies[0].versions == [new.version: 2])
            #expect(runtime.hasher.hash("session-id") == digest)
        }

        let dropped = app(first, ["master-key": new.base64])
        try await dropped.test { _, runtime in
            #expect(runtime.signingKeys.activeKeyID == kid)
            #expect(runtime.hasher.hash("session-id") == digest)
            let alice = try #require(try await runtime.upstreamCredentials.credential(userID: "alice", providerID: "github"))
            let onlyNew = Sealer(masterKey: new, purpose: .upstream)
            #expect(try onlyNew.open(try #require(alice.accessToken), aad: Self.aad("alice", .accessToken)) == Data("gho_access".utf8))
            #expect(try onlyNew.open(try #require(alice.refreshToken), aad: Self.aad("alice", .refreshToken)) == Data("ghr_refresh".utf8))
            let bob = try #require(try await runtime.upstreamCredentials.credential(userID: "bob", providerID: "github"))
            #expect(throws: SealerError.self) { try onlyNew.open(try #require(bob.refreshToken), aad: Self.aad("bob", .refreshToken)) }
        }
    }

    @Test("upgrading and rotating at once: the pepper to store derives from the old key, which opens the signing keys")
    func upgradeWhileRotating() async throws {
        let old = MasterKey.generate()
        let new = MasterKey.generate()
        let first = TestApp(["master-key": old.base64])
        defer { first.removeFiles() }
        // As a database written before this change: signing keys stamped with the legacy version 1.
        let legacy = try await first.test { _, runtime in
            runtime.signingKeys.keys.map { key in
                var key = key
                key.sealedPrivateKey = "v1.1." + key.sealedPrivateKey.split(separator: ".", maxSplits: 2)[2]
                return key
            }
        }
        let origin = try ServerPepper.legacyKey(signingKeys: legacy, keys: try MasterKeyRing(current: new, previous: [old]))
        #expect(origin.version == old.version)
        #expect(throws: ConfigurationError.self) { try ServerPepper.legacyKey(signingKeys: legacy, keys: try MasterKeyRing(current: new)) }
        #expect(try ServerPepper.legacyKey(signingKeys: [], keys: try MasterKeyRing(current: new)).version == new.version)
    }

    @Test("a previous key that is the current one, or not a key, refuses to start with the setting named", arguments: [
        "same", "not-base64!", "c2hvcnQ=",
    ])
    func badPrevious(previous: String) async throws {
        let key = MasterKey.generate()
        let app = TestApp(["master-key": key.base64, "master-key-previous": previous == "same" ? key.base64 : previous])
        defer { app.removeFiles() }
        let error = await #expect(throws: ConfigurationError.self) { try await app.test { _, _ in 0 } }
        #expect(error?.description.contains("master-key-previous") == true)
        #expect(error?.description.contains(key.base64) == false)
    }

    @Test("without the key that sealed the pepper the server refuses to start")
    func wrongKeyRefuses() async throws {
        let first = TestApp(["master-key": MasterKey.generate().base64])
        defer { first.removeFiles() }
        _ = try await first.test { _, _ in 0 }
        let error = await #expect(throws: ConfigurationError.self) {
            try await app(first, ["master-key": MasterKey.generate().base64]).test { _, _ in 0 }
        }
        #expect(error?.description.contains("master-key-previous") == true)
    }
}
