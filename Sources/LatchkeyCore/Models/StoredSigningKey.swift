/// A signing key as the database holds it: the private half sealed under the master key.
public struct StoredSigningKey: Sendable, Equatable {
    /// `next` is published before use so verifiers already have it when it becomes `active`;
    /// `retired` stays published until every token it signed has expired.
    public enum Status: String, Sendable, Codable, CaseIterable {
        case next
        case active
        case retired
    }

    public var kid: String
    public var algorithm: String
    public var status: Status
    /// `v1.<keyVersion>.<nonce>.<ciphertext>`, AAD = kid.
    public var sealedPrivateKey: String
    /// The public JWK as JSON.
    public var publicJWK: String
    /// Unix seconds.
    public var createdAt: Int64
    public var activatedAt: Int64?
    public var retiredAt: Int64?
    /// A retired key leaves the JWKS after this instant (unix seconds).
    public var publishUntil: Int64?

    public init(
        kid: String,
        algorithm: String,
        status: Status,
        sealedPrivateKey: String,
        publicJWK: String,
        createdAt: Int64,
        activatedAt: Int64? = nil,
        retiredAt: Int64? = nil,
        publishUntil: Int64? = nil
    ) {
        self.kid = kid
        self.algorithm = algorithm
        self.status = status
        self.sealedPrivateKey = sealedPrivateKey
        self.publicJWK = publicJWK
        self.createdAt = createdAt
        self.activatedAt = activatedAt
        self.retiredAt = retiredAt
        self.publishUntil = publishUntil
    }

    /// Whether the key belongs in the published JWKS at `now`.
    public func isPublished(at now: Int64) -> Bool {
        switch status {
        case .next, .active: true
        case .retired: (publishUntil ?? 0) > now
        }
    }
}
