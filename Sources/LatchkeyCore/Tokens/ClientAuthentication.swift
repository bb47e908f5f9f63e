/// RFC 6749 §2.3 and §3.2.1: whether presented credentials authenticate a registered client.
///
/// The method must be the one the client registered (RFC 7591 `token_endpoint_auth_method`), a secret must match
/// and not have expired (RFC 7591 §3.2.1 `client_secret_expires_at`), an assertion must verify with one of the
/// client's keys (RFC 7523 §3). Every failure is the same `invalid_client`, so the endpoint does not reveal which
/// client ids exist or which check failed.
public enum ClientAuthentication {
    public static let failure = OAuthError(.invalidClient, "Client authentication failed", httpStatus: 401)
    /// Longer ids are refused before any lookup: no registered or chosen id is longer. URL client ids (metadata
    /// documents) may be up to `ClientIDMetadataDocument.maxURLLength`.
    public static let maxClientIDLength = 128

    /// Whether `credentials` name a client id worth looking up.
    public static func isPlausible(_ credentials: ClientCredentials) -> Bool {
        isPlausible(clientID: credentials.clientID)
    }

    /// Whether `clientID` is worth looking up: not empty, and not longer than any id can be.
    public static func isPlausible(clientID: String) -> Bool {
        let limit = ClientIDMetadataDocument.isURL(clientID) ? ClientIDMetadataDocument.maxURLLength : maxClientIDLength
        return !clientID.isEmpty && clientID.utf8.count <= limit
    }

    /// The authenticated client, or `failure`.
    ///
    /// - Parameters:
    ///   - client: the registered client named by `credentials`, `nil` when there is none.
    ///   - secretMatches: compares a presented secret with the stored digest in constant time (Core has no crypto).
    ///   - assertionVerifies: checks an assertion's signature with the client's keys, and that its `jti` is unused.
    ///     Its claims were checked already (`ClientAssertionPolicy`), before the client was looked up.
    public static func verify(
        _ credentials: ClientCredentials, against client: RegisteredClient?, now: Int64,
        secretMatches: (_ secret: String, _ digest: String) -> Bool,
        assertionVerifies: (_ assertion: ClientAssertion, _ client: RegisteredClient) async throws -> Bool
    ) async throws -> RegisteredClient {
        guard let client, credentials.method == client.metadata.tokenEndpointAuthMethod else { throw failure }
        switch credentials {
        case .none:
            return client
        case .basic(_, let secret), .post(_, let secret):
            guard let digest = client.secretHash, secretMatches(secret, digest) else { throw failure }
            if client.secretExpiresAt != 0, client.secretExpiresAt <= now { throw failure }
            return client
        case .jwtAssertion(_, let assertion):
            guard try await assertionVerifies(assertion, client) else { throw failure }
            return client
        }
    }
}
