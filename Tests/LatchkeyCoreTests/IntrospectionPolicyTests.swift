import Testing
import LatchkeyCore

/// Who may introspect which token (RFC 7662 §4).
struct IntrospectionPolicyTests {
    static func policy(trusted: [String] = []) throws -> IntrospectionPolicy {
        let issuer = try Issuer("https://as.example.com")
        let registry = try ResourceRegistry(resources: [
            try ProtectedResource(uri: "https://a.example.com/mcp", name: "A", scopes: ["s"], clientID: "rs-a"),
            try ProtectedResource(uri: "https://b.example.com/mcp", name: "B", scopes: ["s"], clientID: "rs-b"),
            try ProtectedResource(uri: "https://c.example.com/mcp", name: "C", scopes: ["s"]),
        ], defaultResource: nil, issuer: issuer)
        return IntrospectionPolicy(resources: registry, trustedClients: trusted)
    }

    @Test("a resource's client sees tokens for its resource only", arguments: [
        ("rs-a", ["https://a.example.com/mcp"], true),
        ("rs-a", ["https://b.example.com/mcp"], false),
        ("rs-a", ["https://b.example.com/mcp", "https://a.example.com/mcp"], true),
        ("rs-b", ["https://c.example.com/mcp"], false),
        ("someone", ["https://a.example.com/mcp"], false),
    ])
    func bound(caller: String, audience: [String], allowed: Bool) throws {
        #expect(try Self.policy().mayIntrospect(caller, audience: audience) == allowed)
    }

    @Test("a client no resource names introspects only when the operator lists it, and then sees all")
    func listed() throws {
        #expect(try Self.policy().reach(of: "gateway") == .none)
        let policy = try Self.policy(trusted: ["gateway"])
        #expect(policy.reach(of: "gateway") == .all)
        #expect(policy.mayIntrospect("gateway", audience: ["https://c.example.com/mcp"]))
        // Being listed does not widen a resource's own client.
        #expect(try Self.policy(trusted: ["rs-a"]).reach(of: "rs-a") == .audiences(["https://a.example.com/mcp"]))
    }

    @Test("the caller must be confidential (invalid_client) and have some reach (403 unauthorized_client)")
    func authorize() throws {
        func caller(_ id: String, _ method: TokenEndpointAuthMethod = .clientSecretBasic) -> RegisteredClient {
            var client = ClientCredentialsGrantTests.client(auth: method)
            client.clientID = id
            return client
        }
        let policy = try Self.policy(trusted: ["gateway"])
        #expect(try policy.authorize(caller("rs-a")) == .audiences(["https://a.example.com/mcp"]))
        #expect(try policy.authorize(caller("gateway")) == .all)
        #expect(throws: OAuthError(.invalidClient, "Only confidential clients may introspect tokens", httpStatus: 401)) {
            try policy.authorize(caller("rs-a", .none))
        }
        #expect(throws: OAuthError.self) { try policy.authorize(caller("someone")) }
        do {
            try policy.authorize(caller("someone"))
        } catch let error as OAuthError {
            #expect(error.code == .unauthorizedClient && error.httpStatus == 403)
        }
    }

    @Test("RFC 7009 §2.1: a client revokes only its own tokens")
    func revocation() throws {
        try RevocationPolicy.requireOwner(tokenClientID: "app", caller: "app")
        #expect(throws: RevocationPolicy.notYours) { try RevocationPolicy.requireOwner(tokenClientID: "app", caller: "other") }
        #expect(RevocationPolicy.notYours.code == .unauthorizedClient)
    }
}
