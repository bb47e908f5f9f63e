import LatchkeyCore
import Testing

struct ClientAuthenticationTests {
    static func client(_ method: TokenEndpointAuthMethod, secretExpiresAt: Int64 = 0) -> RegisteredClient {
        var client = ClientCredentialsGrantTests.client(auth: method)
        client.secretHash = method.usesSecret ? "digest-of-s3cret" : nil
        client.secretExpiresAt = secretExpiresAt
        return client
    }

    static func verify(
        _ credentials: ClientCredentials, _ client: RegisteredClient?, now: Int64 = 100, assertionVerifies: Bool = true
    ) async throws -> RegisteredClient {
        try await ClientAuthentication.verify(
            credentials, against: client, now: now, secretMatches: { secret, digest in "digest-of-" + secret == digest },
            assertionVerifies: { _, _ in assertionVerifies }
        )
    }

    static let assertion = ClientCredentials.jwtAssertion(
        clientID: "worker", assertion: try! ClientAssertionFixture.make(claims: ["iss": "worker", "sub": "worker"])
    )

    @Test("the registered method with the right secret authenticates", arguments: [
        (ClientCredentials.basic(clientID: "worker", secret: "s3cret"), TokenEndpointAuthMethod.clientSecretBasic),
        (.post(clientID: "worker", secret: "s3cret"), .clientSecretPost),
        (.none(clientID: "worker"), .none),
        (Self.assertion, .privateKeyJWT),
    ])
    func succeeds(credentials: ClientCredentials, method: TokenEndpointAuthMethod) async throws {
        #expect(try await Self.verify(credentials, Self.client(method)).clientID == "worker")
    }

    @Test("unknown client, another method, a wrong or missing secret, an expired secret: the same invalid_client", arguments: [
        (ClientCredentials.basic(clientID: "worker", secret: "s3cret"), nil as TokenEndpointAuthMethod?, Int64(0)),
        (.post(clientID: "worker", secret: "s3cret"), .clientSecretBasic, 0),
        (.basic(clientID: "worker", secret: "s3cret"), .clientSecretPost, 0),
        (.none(clientID: "worker"), .clientSecretBasic, 0),
        (.basic(clientID: "worker", secret: "s3cret"), TokenEndpointAuthMethod.none, 0),
        (.basic(clientID: "worker", secret: "wrong"), .clientSecretBasic, 0),
        (.basic(clientID: "worker", secret: "s3cret"), .clientSecretBasic, 100),
        (.basic(clientID: "worker", secret: "s3cret"), .clientSecretBasic, 50),
        // A private_key_jwt client has no secret to match, and an assertion is no good for a secret client.
        (.basic(clientID: "worker", secret: "s3cret"), .privateKeyJWT, 0),
        (.post(clientID: "worker", secret: "s3cret"), .privateKeyJWT, 0),
        (.none(clientID: "worker"), .privateKeyJWT, 0),
        (Self.assertion, .clientSecretBasic, 0),
        (Self.assertion, TokenEndpointAuthMethod.none, 0),
        (Self.assertion, nil, 0),
    ] as [(ClientCredentials, TokenEndpointAuthMethod?, Int64)])
    func fails(credentials: ClientCredentials, method: TokenEndpointAuthMethod?, secretExpiresAt: Int64) async {
        await #expect(throws: ClientAuthentication.failure) {
            try await Self.verify(credentials, method.map { Self.client($0, secretExpiresAt: secretExpiresAt) })
        }
    }

    @Test("an assertion whose signature does not verify is the same invalid_client")
    func assertionNotVerified() async {
        await #expect(throws: ClientAuthentication.failure) {
            try await Self.verify(Self.assertion, Self.client(.privateKeyJWT), assertionVerifies: false)
        }
    }

    @Test("a secret that expires later still authenticates; over-long ids are not looked up")
    func expiryAndLength() async throws {
        #expect(try await Self.verify(.basic(clientID: "worker", secret: "s3cret"), Self.client(.clientSecretBasic, secretExpiresAt: 101)).clientID == "worker")
        #expect(ClientAuthentication.isPlausible(.none(clientID: String(repeating: "a", count: 128))))
        #expect(!ClientAuthentication.isPlausible(.none(clientID: String(repeating: "a", count: 129))))
    }
}
