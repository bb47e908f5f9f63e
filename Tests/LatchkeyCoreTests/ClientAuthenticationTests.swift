import LatchkeyCore
import Testing

struct ClientAuthenticationTests {
    static func client(_ method: TokenEndpointAuthMethod, secretExpiresAt: Int64 = 0) -> RegisteredClient {
        var client = ClientCredentialsGrantTests.client(auth: method)
        client.secretHash = method.isConfidential ? "digest-of-s3cret" : nil
        client.secretExpiresAt = secretExpiresAt
        return client
    }

    static func verify(_ credentials: ClientCredentials, _ client: RegisteredClient?, now: Int64 = 100) throws -> RegisteredClient {
        try ClientAuthentication.verify(credentials, against: client, now: now) { secret, digest in "digest-of-" + secret == digest }
    }

    @Test("the registered method with the right secret authenticates", arguments: [
        (ClientCredentials.basic(clientID: "worker", secret: "s3cret"), TokenEndpointAuthMethod.clientSecretBasic),
        (.post(clientID: "worker", secret: "s3cret"), .clientSecretPost),
        (.none(clientID: "worker"), .none),
    ])
    func succeeds(credentials: ClientCredentials, method: TokenEndpointAuthMethod) throws {
        #expect(try Self.verify(credentials, Self.client(method)).clientID == "worker")
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
    ])
    func fails(credentials: ClientCredentials, method: TokenEndpointAuthMethod?, secretExpiresAt: Int64) {
        #expect(throws: ClientAuthentication.failure) {
            try Self.verify(credentials, method.map { Self.client($0, secretExpiresAt: secretExpiresAt) })
        }
    }

    @Test("a secret that expires later still authenticates; over-long ids are not looked up")
    func expiryAndLength() throws {
        #expect(try Self.verify(.basic(clientID: "worker", secret: "s3cret"), Self.client(.clientSecretBasic, secretExpiresAt: 101)).clientID == "worker")
        #expect(ClientAuthentication.isPlausible(.none(clientID: String(repeating: "a", count: 128))))
        #expect(!ClientAuthentication.isPlausible(.none(clientID: String(repeating: "a", count: 129))))
    }
}
