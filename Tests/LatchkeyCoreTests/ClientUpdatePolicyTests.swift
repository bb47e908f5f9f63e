import LatchkeyCore
import Testing

struct ClientUpdatePolicyTests {
    static let policy = ClientUpdatePolicy(registration: ClientRegistrationPolicy(supportedScopes: ["mcp:tools"]))

    static func client(_ method: TokenEndpointAuthMethod) -> RegisteredClient {
        var client = ClientCredentialsGrantTests.client(auth: method, grants: [.authorizationCode])
        client.clientID = "app"
        client.metadata.redirectURIs = ["https://app.example/cb"]
        client.metadata.responseTypes = ["code"]
        client.secretHash = method.isConfidential ? "h" : nil
        return client
    }

    static func body(_ extra: [String: JSONValue] = [:], method: String = "client_secret_basic") -> JSONValue {
        var fields: [String: JSONValue] = [
            "client_id": .string("app"), "redirect_uris": .array([.string("https://app.example/cb")]), "token_endpoint_auth_method": .string(method),
        ]
        fields.merge(extra) { $1 }
        return .object(fields)
    }

    static func validate(_ body: JSONValue, _ client: RegisteredClient) throws -> ClientUpdatePolicy.Update {
        try policy.validate(body, of: client) { $0 == "current-secret" }
    }

    @Test("the body must name this client and carry no server-issued field", arguments: ClientUpdatePolicy.serverOnlyFields)
    func serverOnlyFields(field: String) {
        #expect(throws: OAuthError.invalidClientMetadata("\(field) must not be sent in an update request")) {
            try Self.validate(Self.body([field: .string("x")]), Self.client(.clientSecretBasic))
        }
    }

    @Test("client_id must match; a body that is not an object is invalid_client_metadata")
    func identity() {
        #expect(throws: OAuthError.invalidRequest("client_id in the body must match the client being updated")) {
            try Self.validate(Self.body(["client_id": .string("other")]), Self.client(.clientSecretBasic))
        }
        #expect(throws: OAuthError.invalidClientMetadata("The request body must be a JSON object")) {
            try Self.validate(.array([]), Self.client(.clientSecretBasic))
        }
    }

    @Test("a client_secret in the body must be the current one; a public client has none to repeat")
    func secretEcho() throws {
        let mismatch = OAuthError.invalidClientMetadata("client_secret does not match the client's current secret")
        #expect(try Self.validate(Self.body(["client_secret": .string("current-secret")]), Self.client(.clientSecretBasic)).secret == .keep)
        #expect(throws: mismatch) { try Self.validate(Self.body(["client_secret": .string("new")]), Self.client(.clientSecretBasic)) }
        #expect(throws: mismatch) { try Self.validate(Self.body(["client_secret": .number(1)]), Self.client(.clientSecretBasic)) }
        #expect(throws: mismatch) { try Self.validate(Self.body(["client_secret": .string("current-secret")]), Self.client(.none)) }
    }

    @Test("becoming confidential issues a secret, becoming public removes it, otherwise it is kept")
    func secretChanges() throws {
        #expect(try Self.validate(Self.body(), Self.client(.none)).secret == .issue)
        #expect(try Self.validate(Self.body(method: "none"), Self.client(.clientSecretBasic)).secret == .remove)
        #expect(try Self.validate(Self.body(method: "client_secret_post"), Self.client(.clientSecretBasic)).secret == .keep)
    }

    @Test("moving the redirect URIs ends the client's remembered approvals; an unchanged registration does not")
    func endsApprovals() throws {
        #expect(try !Self.validate(Self.body(), Self.client(.clientSecretBasic)).endsApprovals)
        let moved = Self.body(["redirect_uris": .array([.string("https://elsewhere.example/cb")])])
        #expect(try Self.validate(moved, Self.client(.clientSecretBasic)).endsApprovals)
    }
}
