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
    let now: @Sendable () -> Int64

    /// Fields RFC 7592 §2.2 forbids in an update request.
    static let serverOnlyFields = ["registration_access_token", "registration_client_uri", "client_secret_expires_at", "client_id_issued_at"]

    /// - Parameter chosenID: an id the operator picked (`latchkey clients add --client-id`); clients that register
    ///   themselves always get a random one.
    func register(_ body: JSONValue, chosenID: String? = nil) async throws -> RegistrationResponse {
        let metadata = try policy.validate(body)
        let time = now()
        if let chosenID {
            guard ClientRegistrationPolicy.isValidChosenClientID(chosenID) else {
                throw OAuthError.invalidRequest("a client id is 1 to 128 letters, digits and . _ ~ -, and not 32 hex digits (the generated form)")
            }
            guard try await store.client(id: chosenID) == nil else {
                throw OAuthError.invalidRequest("a client with the id \(chosenID) already exists")
            }
        }
        let clientID = chosenID ?? RandomToken.hex(bytes: 16)
        let secret = metadata.tokenEndpointAuthMethod.isConfidential ? RandomToken.generate(bytes: 32) : nil
        let registrationToken = RandomToken.generate(bytes: 32)
        let client = RegisteredClient(
            clientID: clientID,
            metadata: metadata,
            secretHash: secret.map(hasher.hash),
            secretExpiresAt: 0,
            registrationTokenHash: hasher.hash(registrationToken),
            issuedAt: time,
            updatedAt: time
        )
        try await store.create(client)
        return response(client, secret: secret, registrationToken: registrationToken)
    }

    func read(clientID: String, token: String?) async throws -> RegistrationResponse {
        var client = try await authenticate(clientID: clientID, token: token)
        let currentTokenHash = client.registrationTokenHash
        let registrationToken = RandomToken.generate(bytes: 32)
        client.registrationTokenHash = hasher.hash(registrationToken)
        client.updatedAt = now()
        guard try await store.update(client, currentTokenHash: currentTokenHash) else { throw Self.unauthorized }
        return response(client, secret: nil, registrationToken: registrationToken)
    }

    /// RFC 7592 §2.2: the request replaces the metadata; omitted fields take their defaults. `client` is the one
    /// `authenticate` returned, so the body is read only for a caller holding the registration access token.
    func update(_ authenticated: RegisteredClient, body: JSONValue) async throws -> RegistrationResponse {
        var client = authenticated
        let clientID = client.clientID
        guard case .object(let fields) = body else {
            throw OAuthError.invalidClientMetadata("The request body must be a JSON object")
        }
        guard case .string(let bodyClientID)? = fields["client_id"], bodyClientID == clientID else {
            throw OAuthError.invalidRequest("client_id in the body must match the client being updated")
        }
        if let field = Self.serverOnlyFields.first(where: { fields[$0] != nil }) {
            throw OAuthError.invalidClientMetadata("\(field) must not be sent in an update request")
        }
        if let sent = fields["client_secret"] {
            guard case .string(let secret) = sent, let hash = client.secretHash, hasher.verify(secret, against: hash) else {
                throw OAuthError.invalidClientMetadata("client_secret does not match the client's current secret")
            }
        }
        let metadata = try policy.validate(body)
        var secret: String?
        if metadata.tokenEndpointAuthMethod.isConfidential, client.secretHash == nil {
            secret = RandomToken.generate(bytes: 32)
            client.secretHash = secret.map(hasher.hash)
        } else if !metadata.tokenEndpointAuthMethod.isConfidential {
            client.secretHash = nil
        }
        let currentTokenHash = client.registrationTokenHash
        let registrationToken = RandomToken.generate(bytes: 32)
        let endsApprovals = Consent.isEnded(by: client.metadata, becoming: metadata)
        client.metadata = metadata
        client.registrationTokenHash = hasher.hash(registrationToken)
        client.updatedAt = now()
        guard try await store.update(client, currentTokenHash: currentTokenHash) else { throw Self.unauthorized }
        if endsApprovals { try await consents.revokeAll(clientID: clientID) }
        return response(client, secret: secret, registrationToken: registrationToken)
    }

    func delete(clientID: String, token: String?) async throws {
        _ = try await authenticate(clientID: clientID, token: token)
        _ = try await store.delete(id: clientID)
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
            clientSecretExpiresAt: client.isConfidential ? client.secretExpiresAt : nil,
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
