import LatchkeyCore
import LatchkeyCrypto

/// Authenticates a client at the token, revocation and introspection endpoints (RFC 6749 §2.3, §3.2.1).
///
/// The method must be the one the client registered; secrets are compared as HMAC digests in constant time.
/// Every failure is the same `invalid_client`, so the endpoint does not reveal which client ids exist.
struct ClientAuthenticator: Sendable {
    let store: any ClientStore
    let hasher: SecretHasher
    let now: @Sendable () -> Int64

    static let failure = OAuthError(.invalidClient, "Client authentication failed", httpStatus: 401)

    func authenticate(_ credentials: ClientCredentials) async throws -> RegisteredClient {
        guard credentials.clientID.utf8.count <= 128, let client = try await store.client(id: credentials.clientID) else {
            throw Self.failure
        }
        guard credentials.method == client.metadata.tokenEndpointAuthMethod else { throw Self.failure }
        switch credentials {
        case .none:
            return client
        case .basic(_, let secret), .post(_, let secret):
            guard let digest = client.secretHash, hasher.verify(secret, against: digest) else { throw Self.failure }
            if client.secretExpiresAt != 0, client.secretExpiresAt <= now() { throw Self.failure }
            return client
        }
    }
}
