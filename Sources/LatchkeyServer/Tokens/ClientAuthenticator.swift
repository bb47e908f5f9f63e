import LatchkeyCore
import LatchkeyCrypto

/// Looks up the client that credentials name and lets `ClientAuthentication` decide (RFC 6749 §2.3, §3.2.1,
/// RFC 7523 §3).
struct ClientAuthenticator: Sendable {
    let store: any ClientStore
    let hasher: SecretHasher
    let assertionPolicy: ClientAssertionPolicy
    let assertions: ClientAssertionVerifier
    let clock: UnixClock

    func authenticate(_ credentials: ClientCredentials) async throws -> RegisteredClient {
        guard ClientAuthentication.isPlausible(credentials) else { throw ClientAuthentication.failure }
        let now = clock.now()
        // An assertion's claims first: cheap, and the same answer whether or not the client exists.
        let replayUntil: Int64? = if case .jwtAssertion(_, let assertion) = credentials { try assertionPolicy.check(assertion, now: now) } else { nil }
        let client: RegisteredClient?
        do {
            client = try await store.client(id: credentials.clientID)
        } catch let error as ClientIDMetadataDocumentError {
            // The client's own document is the problem; saying which rule it breaks reveals nothing about others.
            throw OAuthError(.invalidClient, error.description, httpStatus: 401)
        }
        return try await ClientAuthentication.verify(
            credentials, against: client, now: now,
            secretMatches: { secret, digest in hasher.verify(secret, against: digest) },
            assertionVerifies: { assertion, client in
                guard let replayUntil else { return false }
                return try await assertions.verify(assertion, of: client, replayUntil: replayUntil)
            }
        )
    }
}
