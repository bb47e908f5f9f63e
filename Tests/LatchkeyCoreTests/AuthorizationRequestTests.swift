import LatchkeyCore
import Testing

struct AuthorizationRequestTests {
    static let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"

    static func client(redirects: [String] = ["http://127.0.0.1:33418/callback", "cursor://anysphere.cursor/cb"], grants: [GrantType] = [.authorizationCode, .refreshToken], scope: String? = nil) -> RegisteredClient {
        RegisteredClient(
            clientID: "c1",
            metadata: ClientMetadata(redirectURIs: redirects, tokenEndpointAuthMethod: .none, grantTypes: grants, responseTypes: ["code"], applicationType: .native, scope: scope),
            secretHash: nil, secretExpiresAt: 0, registrationTokenHash: "t", issuedAt: 0, updatedAt: 0, kind: .dynamic, lastUsedAt: nil
        )
    }

    static func validator() throws -> AuthorizationRequestValidator {
        let demo = try ProtectedResource(uri: "https://mcp.example.com/mcp", name: "Demo", scopes: ["mcp:tools", "mcp:resources"])
        return AuthorizationRequestValidator(
            supportedScopes: ["mcp:tools", "mcp:resources", "mcp:prompts", "offline_access"],
            resources: try ResourceRegistry(resources: [demo], defaultResource: nil, issuer: try Issuer("https://auth.example.com"))
        )
    }

    static func query(_ overrides: [String: String?] = [:]) -> FormParameters {
        var values: [String: String] = [
            "client_id": "c1", "response_type": "code", "redirect_uri": "http://127.0.0.1:33418/callback",
            "code_challenge": challenge, "code_challenge_method": "S256", "state": "xyz",
        ]
        for (key, value) in overrides { values[key] = value }
        return FormParameters(values)
    }

    @Test("a valid request keeps state, the redirect as sent, and defaults scopes to what the resource understands")
    func valid() throws {
        let request = try Self.validator().validate(Self.query(), client: Self.client()).get()
        #expect(request.redirectURI == "http://127.0.0.1:33418/callback")
        #expect(request.state == "xyz")
        #expect(request.audience == ["https://mcp.example.com/mcp"])
        #expect(request.scopes == ["mcp:tools", "mcp:resources"])
        #expect(request.codeChallenge == Self.challenge)
        #expect(request.prompt.isEmpty)
    }

    @Test("a registered scope is the default, not a ceiling: a step-up may ask for more the server and resource offer")
    func registeredScopeIsDefault() throws {
        let narrow = Self.client(scope: "mcp:tools offline_access")
        let byDefault = try Self.validator().validate(Self.query(), client: narrow).get()
        #expect(byDefault.scopes == ["mcp:tools"])
        let stepUp = try Self.validator().validate(Self.query(["scope": "mcp:tools offline_access mcp:resources"]), client: narrow).get()
        #expect(stepUp.scopes == ["mcp:tools", "offline_access", "mcp:resources"])
        // Still bounded by what the server supports and the resource understands.
        for scope in ["admin", "mcp:prompts"] {
            guard case .failure(.redirect(let error, _, _)) = try Self.validator().validate(Self.query(["scope": "mcp:tools \(scope)"]), client: narrow) else {
                Issue.record("expected invalid_scope for \(scope)")
                continue
            }
            #expect(error.code == .invalidScope)
        }
    }

    @Test("loopback redirects match ignoring only the port", arguments: [
        ("http://127.0.0.1:50000/callback", true), ("http://127.0.0.1/callback", true), ("http://127.0.0.1:33418/other", false),
        ("http://localhost:33418/callback", false), ("http://127.0.0.1:33418/callback?x=1", false), ("https://127.0.0.1:33418/callback", false),
        ("cursor://anysphere.cursor/cb", true), ("cursor://anysphere.cursor/cb2", false), ("CURSOR://anysphere.cursor/cb", false),
        // RFC 6749 §3.1.2: no fragment; the path after '#' must not pass for the registered one (RFC 8252 §7.3).
        ("http://127.0.0.1:5555#/callback", false), ("http://127.0.0.1:5555/callback#x", false), ("http://127.0.0.1:5555/callback#", false),
        ("http://127.0.0.1:5555/call<back", false),
    ])
    func redirectMatching(sent: String, accepted: Bool) throws {
        let result = try Self.validator().validate(Self.query(["redirect_uri": sent]), client: Self.client())
        if accepted {
            #expect((try? result.get())?.redirectURI == sent)
        } else {
            #expect(throws: AuthorizationRequestError.self) { try result.get() }
            if case .failure(.redirect) = result { Issue.record("an unregistered redirect must never be redirected to") }
        }
    }

    @Test("client and redirect problems are shown on a page, never redirected", arguments: [
        (query(["client_id": "other"]), client()),
        (query(), nil),
        (query(["redirect_uri": "https://evil.example/cb"]), client()),
        (query(["redirect_uri": nil]), client()),
    ] as [(FormParameters, RegisteredClient?)])
    func pageErrors(query: FormParameters, client: RegisteredClient?) throws {
        guard case .failure(.page) = try Self.validator().validate(query, client: client) else {
            Issue.record("expected a page error")
            return
        }
    }

    @Test("with one registered redirect the parameter may be omitted")
    func singleRedirect() throws {
        let request = try Self.validator().validate(Self.query(["redirect_uri": nil]), client: Self.client(redirects: ["https://app.example/cb"])).get()
        #expect(request.redirectURI == "https://app.example/cb")
    }

    @Test("other errors redirect with their RFC code and the state", arguments: [
        (["response_type": "token"], "unsupported_response_type"),
        (["response_type": nil], "invalid_request"),
        (["code_challenge": nil], "invalid_request"),
        (["code_challenge_method": "plain"], "invalid_request"),
        (["code_challenge_method": nil], "invalid_request"),
        (["code_challenge": "too-short"], "invalid_request"),
        (["scope": "mcp:prompts"], "invalid_scope"),
        (["scope": "admin"], "invalid_scope"),
        (["resource": "https://evil.example"], "invalid_target"),
        (["prompt": "none login"], "invalid_request"),
        (["prompt": "select_account"], "invalid_request"),
    ] as [([String: String?], String)])
    func redirectErrors(overrides: [String: String?], code: String) throws {
        var query = Self.query(overrides)
        if let resource = overrides["resource"] ?? nil {
            // `resource` is repeatable, so it lives in the form's lists.
            query = FormParameters(Self.query(overrides).values.filter { $0.key != "resource" }, lists: ["resource": [resource]])
        }
        guard case .failure(.redirect(let error, let redirect, let state)) = try Self.validator().validate(query, client: Self.client()) else {
            Issue.record("expected a redirect error")
            return
        }
        #expect(error.code.rawValue == code)
        #expect(redirect == "http://127.0.0.1:33418/callback")
        #expect(state == "xyz")
    }

    @Test("a client without the code grant is unauthorized_client")
    func noCodeGrant() throws {
        let client = Self.client(grants: [.authorizationCode])
        var noGrant = client
        noGrant.metadata.grantTypes = [.clientCredentials]
        guard case .failure(.redirect(let error, _, _)) = try Self.validator().validate(Self.query(), client: noGrant) else {
            Issue.record("expected a redirect error")
            return
        }
        #expect(error.code == .unauthorizedClient)
    }

    @Test("offline_access may be asked for; prompt values parse")
    func offlineAndPrompt() throws {
        let request = try Self.validator().validate(Self.query(["scope": "mcp:tools offline_access", "prompt": "login consent"]), client: Self.client()).get()
        #expect(request.scopes == ["mcp:tools", "offline_access"])
        #expect(request.prompt == [.login, .consent])
    }
}
