import LatchkeyCore
import Testing

struct ClientCredentialsGrantTests {
    static func client(auth: TokenEndpointAuthMethod = .clientSecretBasic, grants: [GrantType] = [.clientCredentials], scope: String? = "mcp:tools mcp:resources") -> RegisteredClient {
        RegisteredClient(
            clientID: "worker",
            metadata: ClientMetadata(redirectURIs: [], tokenEndpointAuthMethod: auth, grantTypes: grants, responseTypes: [], applicationType: .web, scope: scope),
            secretHash: "h", secretExpiresAt: 0, registrationTokenHash: "t", issuedAt: 0, updatedAt: 0, kind: .dynamic, lastUsedAt: nil
        )
    }

    static let supported = ["mcp:tools", "mcp:resources", "mcp:prompts", "offline_access"]

    func grant(resources: [ProtectedResource] = [], defaultResource: String? = nil) throws -> ClientCredentialsGrant {
        ClientCredentialsGrant(
            supportedScopes: Self.supported,
            resources: try ResourceRegistry(resources: resources, defaultResource: defaultResource, issuer: try Issuer("https://auth.example.com"))
        )
    }

    @Test("no scope requested grants every scope the client may hold, except offline_access")
    func defaultScopes() throws {
        let decision = try grant().decide(client: Self.client(scope: nil), scope: nil, resource: [])
        #expect(decision.scopes == ["mcp:tools", "mcp:resources", "mcp:prompts"])
        #expect(decision.audience == ["https://auth.example.com"])
    }

    @Test("requested scopes must be within the client's registration")
    func narrowing() throws {
        #expect(try grant().decide(client: Self.client(), scope: "mcp:tools", resource: []).scopes == ["mcp:tools"])
        #expect(throws: OAuthError(.invalidScope, "scope 'mcp:prompts' is not allowed for this client")) {
            try grant().decide(client: Self.client(), scope: "mcp:prompts", resource: [])
        }
        #expect(throws: OAuthError.self) { try grant().decide(client: Self.client(), scope: "bad\"scope", resource: []) }
    }

    @Test("public clients and clients without the grant are unauthorized_client", arguments: [
        client(auth: .none), client(grants: [.authorizationCode]),
    ])
    func unauthorized(client: RegisteredClient) throws {
        do {
            _ = try grant().decide(client: client, scope: nil, resource: [])
            Issue.record("granted")
        } catch let error as OAuthError {
            #expect(error.code == .unauthorizedClient)
        }
    }

    @Test("resources: the default when none is named, a normalized known one, invalid_target otherwise")
    func resources() throws {
        let demo = try ProtectedResource(uri: "https://mcp.example.com/mcp/", name: "Demo", scopes: ["mcp:tools"])
        let other = try ProtectedResource(uri: "https://other.example.com", name: "Other", scopes: ["mcp:tools"])
        let grant = try grant(resources: [demo, other], defaultResource: "https://mcp.example.com/mcp")
        #expect(try grant.decide(client: Self.client(), scope: nil, resource: []).audience == ["https://mcp.example.com/mcp"])
        #expect(try grant.decide(client: Self.client(), scope: nil, resource: ["HTTPS://OTHER.example.com:443/"]).audience == ["https://other.example.com"])
        do {
            _ = try grant.decide(client: Self.client(), scope: nil, resource: ["https://evil.example"])
            Issue.record("granted")
        } catch let error as OAuthError {
            #expect(error.code == .invalidTarget)
        }
        // With one resource configured and no default named, that resource is the default audience.
        #expect(try ResourceRegistry(resources: [demo], defaultResource: nil, issuer: try Issuer("https://auth.example.com")).defaultAudience == demo.uri)
        #expect(throws: OAuthError.self) { try ResourceRegistry(resources: [demo], defaultResource: "https://nope.example", issuer: try Issuer("https://auth.example.com")) }
    }

    @Test("a token carries only the scopes its resource understands, and scopes the server dropped are gone")
    func resourceScopes() throws {
        let demo = try ProtectedResource(uri: "https://mcp.example.com/mcp", name: "Demo", scopes: ["mcp:tools"])
        let grant = try grant(resources: [demo])
        #expect(try grant.decide(client: Self.client(), scope: nil, resource: []).scopes == ["mcp:tools"])
        #expect(throws: OAuthError.self) { try grant.decide(client: Self.client(), scope: "mcp:resources", resource: []) }
        let narrowServer = ClientCredentialsGrant(supportedScopes: ["mcp:resources"], resources: try ResourceRegistry(resources: [], defaultResource: nil, issuer: try Issuer("https://auth.example.com")))
        #expect(try narrowServer.decide(client: Self.client(), scope: nil, resource: []).scopes == ["mcp:resources"])
    }
}
