/// A client as the registry stores it. Secrets appear only as HMAC digests (DESIGN §4).
public struct RegisteredClient: Sendable, Equatable {
    public var clientID: String
    public var metadata: ClientMetadata
    /// HMAC of the client secret; `nil` for public clients.
    public var secretHash: String?
    /// Unix seconds; 0 means the secret does not expire (RFC 7591 §3.2.1).
    public var secretExpiresAt: Int64
    /// HMAC of the RFC 7592 registration access token.
    public var registrationTokenHash: String
    /// Unix seconds.
    public var issuedAt: Int64
    public var updatedAt: Int64
    public var kind: ClientKind
    /// Unix seconds of the last token response to this client, recorded to the hour (`ClientUseRecorder`); `nil`
    /// until its first.
    public var lastUsedAt: Int64?

    public init(
        clientID: String,
        metadata: ClientMetadata,
        secretHash: String?,
        secretExpiresAt: Int64,
        registrationTokenHash: String,
        issuedAt: Int64,
        updatedAt: Int64,
        kind: ClientKind,
        lastUsedAt: Int64?
    ) {
        self.clientID = clientID
        self.metadata = metadata
        self.secretHash = secretHash
        self.secretExpiresAt = secretExpiresAt
        self.registrationTokenHash = registrationTokenHash
        self.issuedAt = issuedAt
        self.updatedAt = updatedAt
        self.kind = kind
        self.lastUsedAt = lastUsedAt
    }

    public var isConfidential: Bool { metadata.tokenEndpointAuthMethod.isConfidential }
}
