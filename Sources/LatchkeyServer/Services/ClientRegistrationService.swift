import Foundation
import LatchkeyCore
import LatchkeyCrypto

/// RFC 7591 registration and RFC 7592 management of clients.
///
/// Secrets (client secret, registration access token) are generated here, returned once, and stored only as
/// HMAC digests. Since a stored token cannot be shown again, every successful read or update issues a new
/// registration access token (RFC 7592 §3 allows it to change; the client must use the newest).
struct ClientRegistrationService: Sendable {
    let store: any ClientStore
    /// Remembered approvals, ended when an update changes where codes go or what a grant yields.
    let consents: any ConsentStore
    let policy: ClientRegistrationPolicy
    let hasher: SecretHasher
    let issuer: Issuer
    let events: SecurityLog
    let clock: UnixClock

    /// - Parameter chosenID: an id the operator picked (`latchkey clients add --client-id`); clients that register
    ///   themselves always get a random one.
    /// - Parameter source: who registers, for the security log.
    func register(
        _ body: JSONValue, chosenID: String? = nil, by source: SecurityEvent.ClientChangeSource = .registration
    ) async throws -> RegistrationResponse {
        let metadata = try policy.validate(body)
        try await Self.checkKeys(metadata)
        let time = clock.now()
        if let chosenID {
            guard ClientRegistrationPolicy.isValidChosenClientID(chosenID) else {
                throw OAuthError.invalidRequest("a client id is 1 to 128 letters, digits and . _ ~ -, and not 32 hex digits (the generated form)")
            }
            guard try await store.client(id: chosenID) == nil else {
                throw OAuthError.invalidRequest("a client with the id \(chosenID) already exists")
            }
        }
        let clientID = chosenID ?? RandomToken.hex(bytes: 16)
        // A private_key_jwt client is confidential by its keys: it never gets a secret.
        let secret = metadata.tokenEndpointAuthMethod.usesSecret ? RandomToken.generate(bytes: 32) : nil
        let registrationToken = RandomToken.generate(bytes: 32)
        let client = RegisteredClient(
            clientID: clientID,
            metadata: metadata,
            secretHash: secret.map(hasher.hash),
            secretExpiresAt: 0,
            registrationTokenHash: hasher.hash(registrationToken),
            issuedAt: time,
            updatedAt: time,
            kind: Self.kind(registeredBy: source),
            lastUsedAt: nil
        )
        try await store.create(client)
        events.record(.clientRegistered(clientID: clientID, name: metadata.clientName, by: source), origin: source == .operatorCommand ? .operatorCommand : .unknown)
        return response(client, secret: secret, registrationToken: registrationToken)
    }

    /// The operator's clients are kept; those that registered themselves go once unused or idle (`ClientRetention`).
    static func kind(registeredBy source: SecurityEvent.ClientChangeSource) -> ClientKind {
        switch source {
        case .registration: .dynamic
        case .operatorCommand: .operatorAdded
        }
    }

    func read(clientID: String, token: String?) async throws -> RegistrationResponse {
        var client = try await authenticate(clientID: clientID, token: token)
        let currentTokenHash = client.registrationTokenHash
        let registrationToken = RandomToken.generate(bytes: 32)
        client.registrationTokenHash = hasher.hash(registrationToken)
        client.updatedAt = clock.now()
        guard try await store.update(client, currentTokenHash: currentTokenHash) else { throw Self.unauthorized }
        return response(client, secret: nil, registrationToken: registrationToken)
    }

    /// RFC 7592 §2.2 by `ClientUpdatePolicy`. `client` is the one `authenticate` returned, so the body is read only
    /// for a caller holding the registration access token.
    func update(_ authenticated: RegisteredClient, body: JSONValue) async throws -> RegistrationResponse {
        var client = authenticated
        let update = try ClientUpdatePolicy(registration: policy).validate(body, of: client) { secret in
            client.secretHash.map { hasher.verify(secret, against: $0) } ?? false
        }
        try await Self.checkKeys(update.metadata)
        var secret: String?
        switch update.secret {
        case .keep:
            break
        case .issue:
            secret = RandomToken.generate(bytes: 32)
            client.secretHash = secret.map(hasher.hash)
        case .remove:
            client.secretHash = nil
        }
        let currentTokenHash = client.registrationTokenHash
        let registrationToken = RandomToken.generate(bytes: 32)
        client.metadata = update.metadata
        client.registrationTokenHash = hasher.hash(registrationToken)
        client.updatedAt = clock.now()
        guard try await store.update(client, currentTokenHash: currentTokenHash) else { throw Self.unauthorized }
        if update.endsApprovals { try await consents.revokeAll(clientID: client.clientID) }
        events.record(.clientUpdated(clientID: client.clientID, endedApprovals: update.endsApprovals))
        return response(client, secret: secret, registrationToken: registrationToken)
    }

    func delete(clientID: String, token: String?) async throws {
        _ = try await authenticate(clientID: clientID, token: token)
        if try await store.delete(id: clientID) {
            events.record(.clientDeleted(clientID: clientID, by: .registration))
        }
    }

    /// Inline keys must be valid public keys (a point on the curve, an RSA modulus of 2048 bits or more), so a client
    /// learns now rather than at its first token request. Keys behind a `jwks_uri` are checked when fetched.
    static func checkKeys(_ metadata: ClientMetadata) async throws {
        for (index, key) in (metadata.jwks?.keys ?? []).enumerated() {
            do {
                try await ClientAssertionSignature.validate(key)
            } catch {
                throw OAuthError.invalidClientMetadata("jwks: key \(index) is not a valid \(key.algorithm ?? key.kty) public key")
            }
        }
    }

    /// One answer for an unknown client and a wrong token, so the endpoint does not reveal which ids exist.
    static let unauthorized = OAuthError.invalidToken("The registration access token is missing, invalid or revoked")

    func authenticate(clientID: String, token: String?) async throws -> RegisteredClient {
        guard let token, !token.isEmpty, clientID.utf8.count <= 128 else { throw Self.unauthorized }
        guard let client = try await store.client(id: clientID),
              hasher.verify(token, against: client.registrationTokenHash)
        else { throw Self.unauthorized }
        return client
    }

    private func response(_ client: RegisteredClient, secret: String?, registrationToken: String) -> RegistrationResponse {
        RegistrationResponse(
            clientID: client.clientID,
            clientSecret: secret,
            clientIDIssuedAt: client.issuedAt,
            // RFC 7591 §3.2.1: required with a secret, meaningless without one.
            clientSecretExpiresAt: client.metadata.tokenEndpointAuthMethod.usesSecret ? client.secretExpiresAt : nil,
            registrationAccessToken: registrationToken,
            registrationClientURI: issuer.endpoint("/register/\(client.clientID)"),
            metadata: client.metadata
        )
    }
}

/// RFC 7591 §3.2.1 client information response: the registered metadata plus the server-issued fields.
struct RegistrationResponse: Encodable, Sendable {
    var clientID: String
    var clientSecret: String?
    var clientIDIssuedAt: Int64
    var clientSecretExpiresAt: Int64?
    var registrationAccessToken: String
    var registrationClientURI: String
    var metadata: ClientMetadata

    enum CodingKeys: String, CodingKey {
        case clientID = "client_id"
        case clientSecret = "client_secret"
        case clientIDIssuedAt = "client_id_issued_at"
        case clientSecretExpiresAt = "client_secret_expires_at"
        case registrationAccessToken = "registration_access_token"
        case registrationClientURI = "registration_client_uri"
    }

    func encode(to encoder: any Encoder) throws {
        try metadata.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(clientID, forKey: .clientID)
        try container.encodeIfPresent(clientSecret, forKey: .clientSecret)
        try container.encode(clientIDIssuedAt, forKey: .clientIDIssuedAt)
        try container.encodeIfPresent(clientSecretExpiresAt, forKey: .clientSecretExpiresAt)
        try container.encode(registrationAccessToken, forKey: .registrationAccessToken)
        try container.encode(registrationClientURI, forKey: .registrationClientURI)
    }
}
