import LatchkeyCore
import LatchkeyCrypto

/// Looks up the client that credentials name and lets `ClientAuthentication` decide (RFC 6749 §2.3, §3.2.1).
struct ClientAuthenticator: Sendable {
    let store: any ClientStore
    let hasher: SecretHasher
    let clock: UnixClock

    func authenticate(_ credentials: ClientCredentials) async throws -> RegisteredClient {
        guard ClientAuthentication.isPlausible(credentials) else { throw ClientAuthentication.failure }
        let client: RegisteredClient?
        do {
            client = try await store.client(id: credentials.clientID)
        } catch let error as ClientIDMetadataDocumentError {
            // The client's own document is the problem; saying which rule it breaks reveals nothing about others.
            throw OAuthError(.invalidClient, error.description, httpStatus: 401)
        }
        return try ClientAuthentication.verify(
            credentials, against: client, now: clock.now(),
            secretMatches: { secret, digest in hasher.verify(secret, against: digest) }
        )
    }
}
