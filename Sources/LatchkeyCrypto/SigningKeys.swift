public import Crypto
public import Foundation
public import LatchkeyCore
import Synchronization

/// The server's signing keys: created on first start, shared through the database, published as JWKS.
///
/// Reads (`jwksDocument`) are lock-protected snapshots so the hot JWKS route never waits on the database;
/// `reload` refreshes the snapshot, and `KeyRefreshService` calls it periodically so every instance
/// notices a rotation done elsewhere.
public final class SigningKeys: Sendable {
    struct Snapshot: Sendable {
        var keys: [StoredSigningKey]
        var jwks: Data
        var active: SigningKeyMaterial?
        /// Public keys of every published key, by kid: what this server accepts when it verifies its own tokens.
        var verificationKeys: [String: P256.Signing.PublicKey] = [:]
    }

    let store: any SigningKeyStore
    let sealer: Sealer
    let snapshot: Mutex<Snapshot>

    /// New keys are sealed with the ring's current master key; keys sealed with a previous one still load.
    public init(store: any SigningKeyStore, keys: MasterKeyRing) {
        self.store = store
        self.sealer = Self.makeSealer(keys)
        self.snapshot = Mutex(Snapshot(keys: [], jwks: Data(#"{"keys":[]}"#.utf8), active: nil))
    }

    public convenience init(store: any SigningKeyStore, masterKey: MasterKey) {
        // A ring of one key cannot clash.
        self.init(store: store, keys: try! MasterKeyRing(current: masterKey))
    }

    /// What seals private keys at rest: the signing-keys purpose key of each master key held.
    public static func makeSealer(_ keys: MasterKeyRing) -> Sealer {
        Sealer(keys: keys, purpose: .signingKeys)
    }

    /// The associated data a private key is sealed with: its kid, so a sealed key cannot be moved to another row.
    public static func associatedData(kid: String) -> String { kid }

    /// Creates the first active and next keys unless some instance already has, then loads them.
    public func bootstrap(now: Int64) async throws {
        if try await !store.allKeys().contains(where: { $0.status == .active }) {
            let active = try SigningKeyMaterial.generate().stored(status: .active, sealer: sealer, now: now)
            let next = try SigningKeyMaterial.generate().stored(status: .next, sealer: sealer, now: now)
            _ = try await store.initialize(active: active, next: next)
        }
        try await reload(now: now)
    }

    /// Re-reads keys from the database and rebuilds the published JWKS.
    public func reload(now: Int64) async throws {
        let keys = try await store.allKeys()
        let published = keys.filter { $0.isPublished(at: now) }.sorted { Self.order($0) < Self.order($1) }
        // The stored JWK JSON is canonical (sorted keys), so the document is assembled without re-encoding.
        let jwks = Data(("{\"keys\":[" + published.map(\.publicJWK).joined(separator: ",") + "]}").utf8)
        let active = try keys.first { $0.status == .active }.map { try SigningKeyMaterial.open($0, sealer: sealer) }
        var verificationKeys: [String: P256.Signing.PublicKey] = [:]
        for key in published {
            verificationKeys[key.kid] = try PublicJWK.decodePublicKey(key.publicJWK)
        }
        snapshot.withLock { $0 = Snapshot(keys: keys, jwks: jwks, active: active, verificationKeys: verificationKeys) }
    }

    /// Retires the active key, promotes the next one and creates a new next key.
    ///
    /// The retired key stays published for `retiredPublishFor` seconds, which must cover the longest lifetime
    /// of a token it signed.
    public func rotate(now: Int64, retiredPublishFor: Int64) async throws {
        let next = try SigningKeyMaterial.generate().stored(status: .next, sealer: sealer, now: now)
        try await store.rotate(newNext: next, now: now, retiredPublishUntil: now + retiredPublishFor)
        try await reload(now: now)
    }

    /// The RFC 7517 JWK Set, ready to serve.
    public var jwksDocument: Data { snapshot.withLock { $0.jwks } }

    /// Every stored key, for operators (`latchkey keys list`).
    public var keys: [StoredSigningKey] { snapshot.withLock { $0.keys } }

    /// The id of the key that signs new tokens.
    public var activeKeyID: String? { snapshot.withLock { $0.active?.kid } }

    /// Signs `message` with the active key (ES256, raw r||s as JWS wants).
    public func sign(_ message: Data) throws -> (kid: String, signature: Data) {
        guard let active = snapshot.withLock({ $0.active }) else { throw SigningKeyError.noActiveKey }
        // Low-S only, so each token has exactly one valid byte string (ES256Signature).
        let signature = try active.privateKey.signature(for: message).rawRepresentation
        return (active.kid, Data(ES256Signature.canonical(Array(signature))))
    }

    /// The public key for `kid` if it is currently published; an unknown kid gets nothing, never a default key.
    public func verificationKey(kid: String) -> P256.Signing.PublicKey? {
        snapshot.withLock { $0.verificationKeys[kid] }
    }

    static func order(_ key: StoredSigningKey) -> Int {
        switch key.status {
        case .active: 0
        case .next: 1
        case .retired: 2
        }
    }
}
