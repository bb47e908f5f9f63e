import Foundation
import LatchkeyCore
import Testing

/// RFC 7591 §2 client metadata validation (DESIGN §5: wrong types get a 400 naming the field).
struct ClientRegistrationPolicyTests {
    /// Machine clients allowed, as for the operator; `refusesClientCredentialsByDefault` checks the default.
    let policy = ClientRegistrationPolicy(supportedScopes: ["openid", "profile", "mcp:read", "mcp:write"], allowsClientCredentials: true)

    @Test("client_credentials is refused unless the policy allows it, naming the way to add machine clients")
    func refusesClientCredentialsByDefault() {
        let open = ClientRegistrationPolicy(supportedScopes: ["mcp:read"])
        let error = #expect(throws: OAuthError.self) { try open.validate(.object(["grant_types": .array([.string("client_credentials")])])) }
        #expect(error?.code == .invalidClientMetadata)
        #expect(error?.description.contains("latchkey clients add") == true)
        let mixed: JSONValue = .object([
            "grant_types": .array([.string("authorization_code"), .string("client_credentials")]),
            "redirect_uris": .array([.string("https://app.example.com/cb")]), "token_endpoint_auth_method": .string("client_secret_basic"),
        ])
        #expect(throws: OAuthError.self) { try open.validate(mixed) }
        #expect(throws: Never.self) { try open.validate(.object(["redirect_uris": .array([.string("http://127.0.0.1/cb")])])) }
    }

    /// Parses `json` the way the registration endpoint does.
    func body(_ json: String) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: Data(json.utf8))
    }

    func validate(_ json: String) throws -> ClientMetadata {
        try policy.validate(body(json))
    }

    /// Expects a rejection with `code` whose description names `field`.
    func expectRejection(_ json: String, _ code: OAuthError.Code, naming field: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let value = try body(json)
        let error = #expect(throws: OAuthError.self, sourceLocation: sourceLocation) { try policy.validate(value) }
        #expect(error?.code == code, sourceLocation: sourceLocation)
        #expect(error?.description.contains(field) == true, "\(error?.description ?? "no error")", sourceLocation: sourceLocation)
    }

    // MARK: Defaults

    @Test("a minimal MCP registration becomes a native public code client")
    func minimalRegistrationDefaults() throws {
        let metadata = try validate(#"{"redirect_uris": ["http://127.0.0.1:33418/callback"]}"#)
        #expect(metadata == ClientMetadata(
            redirectURIs: ["http://127.0.0.1:33418/callback"],
            tokenEndpointAuthMethod: .none,
            grantTypes: [.authorizationCode],
            responseTypes: ["code"],
            applicationType: .native
        ))
    }

    @Test("application_type defaults to web for https redirects and native otherwise", arguments: [
        (#"["https://app.example.com/cb"]"#, ApplicationType.web),
        (#"["https://app.example.com/cb", "https://app.example.com/cb2"]"#, .web),
        (#"["http://localhost:3000/cb"]"#, .native),
        (#"["http://[::1]/cb"]"#, .native),
        (#"["cursor://anysphere.cursor-retrieval/cb"]"#, .native),
        (#"["com.example.app:/cb"]"#, .native),
        (#"["https://app.example.com/cb", "http://127.0.0.1/cb"]"#, .native),
    ])
    func applicationTypeDefault(redirectURIs: String, expected: ApplicationType) throws {
        let metadata = try validate(#"{"redirect_uris": \#(redirectURIs)}"#)
        #expect(metadata.applicationType == expected)
    }

    @Test("an explicit application_type is kept")
    func explicitApplicationType() throws {
        let metadata = try validate(#"{"redirect_uris": ["https://app.example.com/cb"], "application_type": "native"}"#)
        #expect(metadata.applicationType == .native)
    }

    @Test("client_credentials defaults to client_secret_basic and needs no redirect URIs")
    func clientCredentialsDefaults() throws {
        let metadata = try validate(#"{"grant_types": ["client_credentials"]}"#)
        #expect(metadata.tokenEndpointAuthMethod == .clientSecretBasic)
        #expect(metadata.grantTypes == [.clientCredentials])
        #expect(metadata.responseTypes == [])
        #expect(metadata.redirectURIs == [])
        #expect(metadata.applicationType == .web)
    }

    @Test("client_credentials accepts client_secret_post")
    func clientCredentialsWithPost() throws {
        let metadata = try validate(#"{"grant_types": ["client_credentials"], "token_endpoint_auth_method": "client_secret_post"}"#)
        #expect(metadata.tokenEndpointAuthMethod == .clientSecretPost)
    }

    @Test("a confidential code client with refresh tokens keeps its method")
    func confidentialCodeClient() throws {
        let metadata = try validate(#"""
        {"redirect_uris": ["https://app.example.com/cb"], "grant_types": ["authorization_code", "refresh_token"],
         "response_types": ["code"], "token_endpoint_auth_method": "client_secret_basic"}
        """#)
        #expect(metadata.grantTypes == [.authorizationCode, .refreshToken])
        #expect(metadata.tokenEndpointAuthMethod == .clientSecretBasic)
    }

    @Test("duplicate grant and response types are de-duplicated in order")
    func deduplicatesTypes() throws {
        let metadata = try validate(#"""
        {"redirect_uris": ["https://app.example.com/cb"],
         "grant_types": ["refresh_token", "authorization_code", "refresh_token", "authorization_code"],
         "response_types": ["code", "code"]}
        """#)
        #expect(metadata.grantTypes == [.refreshToken, .authorizationCode])
        #expect(metadata.responseTypes == ["code"])
    }

    @Test("null counts as absent")
    func nullIsAbsent() throws {
        let metadata = try validate(#"""
        {"redirect_uris": ["https://app.example.com/cb"], "grant_types": null, "response_types": null,
         "token_endpoint_auth_method": null, "application_type": null, "client_name": null, "client_uri": null,
         "logo_uri": null, "tos_uri": null, "policy_uri": null, "software_id": null, "software_version": null,
         "scope": null, "contacts": null}
        """#)
        #expect(metadata == ClientMetadata(
            redirectURIs: ["https://app.example.com/cb"],
            tokenEndpointAuthMethod: .none,
            grantTypes: [.authorizationCode],
            responseTypes: ["code"],
            applicationType: .web
        ))
    }

    @Test("unknown fields are ignored (RFC 7591 §2)")
    func ignoresUnknownFields() throws {
        let metadata = try validate(#"""
        {"redirect_uris": ["https://app.example.com/cb"], "request_uris": 42, "x-custom": {"a": [1, null]},
         "client_secret": "chosen-by-client", "client_id": "chosen-by-client"}
        """#)
        #expect(metadata.redirectURIs == ["https://app.example.com/cb"])
        #expect(metadata.tokenEndpointAuthMethod == .none)
    }

    @Test("every accepted field is carried into the metadata")
    func carriesOptionalFields() throws {
        let metadata = try validate(#"""
        {"redirect_uris": ["https://app.example.com/cb"], "client_name": "Example App ✨",
         "client_uri": "https://app.example.com", "logo_uri": "https://app.example.com/logo.png",
         "tos_uri": "https://app.example.com/tos", "policy_uri": "https://app.example.com/privacy",
         "software_id": "4NRB1-0XZABZI9E6-5SM3R", "software_version": "2.1.0",
         "scope": "mcp:read openid", "contacts": ["ops@example.com", "security@example.com"]}
        """#)
        #expect(metadata.clientName == "Example App ✨")
        #expect(metadata.clientURI == "https://app.example.com")
        #expect(metadata.logoURI == "https://app.example.com/logo.png")
        #expect(metadata.tosURI == "https://app.example.com/tos")
        #expect(metadata.policyURI == "https://app.example.com/privacy")
        #expect(metadata.softwareID == "4NRB1-0XZABZI9E6-5SM3R")
        #expect(metadata.softwareVersion == "2.1.0")
        #expect(metadata.scope == "mcp:read openid")
        #expect(metadata.contacts == ["ops@example.com", "security@example.com"])
    }

    @Test("scope is de-duplicated and extra spaces dropped")
    func normalizesScope() throws {
        let metadata = try validate(#"{"redirect_uris": ["https://app.example.com/cb"], "scope": " mcp:read  mcp:write mcp:read "}"#)
        #expect(metadata.scope == "mcp:read mcp:write")
    }

    // MARK: Grant and response type consistency

    @Test("rejects inconsistent grant types, response types and auth methods", arguments: [
        (#"{"redirect_uris": ["https://a.example.com/cb"], "grant_types": []}"#, "grant_types"),
        (#"{"redirect_uris": ["https://a.example.com/cb"], "grant_types": ["implicit"]}"#, "grant_types"),
        (#"{"redirect_uris": ["https://a.example.com/cb"], "grant_types": ["password"]}"#, "grant_types"),
        (#"{"redirect_uris": ["https://a.example.com/cb"], "grant_types": ["Authorization_Code"]}"#, "grant_types"),
        (#"{"redirect_uris": ["https://a.example.com/cb"], "grant_types": ["urn:ietf:params:oauth:grant-type:device_code"]}"#, "grant_types"),
        (#"{"redirect_uris": ["https://a.example.com/cb"], "response_types": ["token"]}"#, "response_types"),
        (#"{"redirect_uris": ["https://a.example.com/cb"], "response_types": ["code id_token"]}"#, "response_types"),
        (#"{"redirect_uris": ["https://a.example.com/cb"], "response_types": ["code", "token"]}"#, "response_types"),
        (#"{"redirect_uris": ["https://a.example.com/cb"], "response_types": []}"#, "response_types"),
        (#"{"grant_types": ["client_credentials"], "response_types": ["code"], "token_endpoint_auth_method": "client_secret_basic"}"#, "response_types"),
        (#"{"grant_types": ["refresh_token"]}"#, "refresh_token requires authorization_code"),
        (#"{"grant_types": ["client_credentials", "refresh_token"]}"#, "refresh_token requires authorization_code"),
        (#"{"grant_types": ["client_credentials"], "token_endpoint_auth_method": "none"}"#, "client_credentials"),
        (#"{"redirect_uris": ["https://a.example.com/cb"], "grant_types": ["authorization_code", "client_credentials"], "token_endpoint_auth_method": "none"}"#, "client_credentials"),
        (#"{"redirect_uris": ["https://a.example.com/cb"], "token_endpoint_auth_method": "private_key_jwt"}"#, "token_endpoint_auth_method"),
        (#"{"redirect_uris": ["https://a.example.com/cb"], "token_endpoint_auth_method": "None"}"#, "token_endpoint_auth_method"),
        (#"{"redirect_uris": ["https://a.example.com/cb"], "application_type": "desktop"}"#, "application_type"),
        (#"{"redirect_uris": ["https://a.example.com/cb"], "application_type": "Native"}"#, "application_type"),
    ])
    func rejectsInconsistentTypes(json: String, field: String) throws {
        try expectRejection(json, .invalidClientMetadata, naming: field)
    }

    // MARK: Redirect URIs

    @Test("the code grant requires redirect URIs", arguments: [
        #"{}"#,
        #"{"redirect_uris": []}"#,
        #"{"redirect_uris": null}"#,
        #"{"grant_types": ["authorization_code"], "client_name": "No redirects"}"#,
    ])
    func codeGrantRequiresRedirectURIs(json: String) throws {
        try expectRejection(json, .invalidRedirectURI, naming: "redirect_uris")
    }

    @Test("an unsafe redirect URI is invalid_redirect_uri", arguments: [
        "http://app.example.com/cb",
        "https://app.example.com/cb#frag",
        "javascript:alert(1)",
        "https://*.example.com/cb",
        "",
    ])
    func rejectsUnsafeRedirectURI(uri: String) throws {
        try expectRejection(
            #"{"redirect_uris": ["https://ok.example.com/cb", "\#(uri)"]}"#, .invalidRedirectURI, naming: "redirect_uris"
        )
    }

    @Test("the policy's redirect allowlist applies to registrations")
    func appliesRedirectAllowlist() throws {
        let strict = ClientRegistrationPolicy(redirectURIs: RedirectURIPolicy(allowedHosts: ["app.example.com"]), supportedScopes: [])
        let accepted = try strict.validate(body(#"{"redirect_uris": ["https://app.example.com/cb"]}"#))
        #expect(accepted.redirectURIs == ["https://app.example.com/cb"])
        let rejected = try body(#"{"redirect_uris": ["https://other.example.com/cb"]}"#)
        let error = #expect(throws: OAuthError.self) { try strict.validate(rejected) }
        #expect(error?.code == .invalidRedirectURI)
    }

    @Test("a private-use scheme with application_type web is rejected")
    func privateUseNeedsNative() throws {
        try expectRejection(
            #"{"redirect_uris": ["cursor://anysphere.cursor-retrieval/cb"], "application_type": "web"}"#,
            .invalidRedirectURI, naming: "cursor://anysphere.cursor-retrieval/cb"
        )
        let native = try validate(#"{"redirect_uris": ["cursor://anysphere.cursor-retrieval/cb"], "application_type": "native"}"#)
        #expect(native.applicationType == .native)
    }

    @Test("at most maxRedirectURIs redirect URIs")
    func boundsRedirectURICount() throws {
        var small = policy
        small.maxRedirectURIs = 2
        let two = try small.validate(body(#"{"redirect_uris": ["https://a.example.com/1", "https://a.example.com/2"]}"#))
        #expect(two.redirectURIs.count == 2)
        let three = try body(#"{"redirect_uris": ["https://a.example.com/1", "https://a.example.com/2", "https://a.example.com/3"]}"#)
        let error = #expect(throws: OAuthError.self) { try small.validate(three) }
        #expect(error?.code == .invalidRedirectURI)
        #expect(error?.description.contains("redirect_uris") == true)
    }

    // MARK: JSON types

    @Test("the body must be a JSON object", arguments: [#"[]"#, #""client""#, #"1"#, #"null"#, #"true"#])
    func bodyMustBeObject(json: String) throws {
        let value = try body(json)
        let error = #expect(throws: OAuthError.self) { try policy.validate(value) }
        #expect(error?.code == .invalidClientMetadata)
    }

    @Test("a wrong JSON type is invalid_client_metadata naming the field", arguments: [
        ("client_name", "42"),
        ("client_name", "true"),
        ("client_name", #"["Example"]"#),
        ("client_name", #"{"en": "Example"}"#),
        ("redirect_uris", #""https://app.example.com/cb""#),
        ("redirect_uris", "[1, 2]"),
        ("redirect_uris", #"["https://app.example.com/cb", null]"#),
        ("redirect_uris", #"[["https://app.example.com/cb"]]"#),
        ("redirect_uris", #"{"0": "https://app.example.com/cb"}"#),
        ("grant_types", #""authorization_code""#),
        ("grant_types", "[true]"),
        ("response_types", #""code""#),
        ("response_types", "[{}]"),
        ("token_endpoint_auth_method", "0"),
        ("token_endpoint_auth_method", #"["none"]"#),
        ("application_type", "false"),
        ("scope", #"{"read": true}"#),
        ("scope", #"["mcp:read"]"#),
        ("scope", "1"),
        ("contacts", #""ops@example.com""#),
        ("contacts", "[1]"),
        ("client_uri", "3.14"),
        ("logo_uri", #"["https://a.example.com/logo.png"]"#),
        ("tos_uri", "true"),
        ("policy_uri", "{}"),
        ("software_id", "12345"),
        ("software_version", "2.1"),
    ])
    func rejectsWrongJSONType(field: String, value: String) throws {
        var fields = #"{"redirect_uris": ["https://app.example.com/cb"], "\#(field)": \#(value)}"#
        if field == "redirect_uris" { fields = #"{"redirect_uris": \#(value)}"# }
        try expectRejection(fields, .invalidClientMetadata, naming: field)
    }

    // MARK: Strings and URIs

    @Test("informational URIs must be https", arguments: ["client_uri", "logo_uri", "tos_uri", "policy_uri"])
    func informationalURIsMustBeHTTPS(field: String) throws {
        for value in [
            "http://app.example.com", "javascript:alert(1)", "data:image/png;base64,AAAA", "//app.example.com",
            "https://", "https:///path", "https://user@app.example.com", "https://app.example.com/ a",
            "https://exämple.com", "https://app.example.com/\u{7F}", "app.example.com", "",
        ] {
            let encoded = String(decoding: try JSONEncoder().encode(value), as: UTF8.self)
            try expectRejection(#"{"redirect_uris": ["https://app.example.com/cb"], "\#(field)": \#(encoded)}"#, .invalidClientMetadata, naming: field)
        }
        let ok = try validate(#"{"redirect_uris": ["https://app.example.com/cb"], "\#(field)": "HTTPS://app.example.com/x"}"#)
        #expect([ok.clientURI, ok.logoURI, ok.tosURI, ok.policyURI].contains("HTTPS://app.example.com/x"))
    }

    @Test(
        "informational URIs must parse as https URIs with a host",
        arguments: ["https://:443/logo.png", "https://[/logo.png", #"https://a.example.com/"><script>alert(1)</script>"#, "https://a.example.com:99999999/"]
    )
    func informationalURIsMustParse(value: String) throws {
        let encoded = String(decoding: try JSONEncoder().encode(value), as: UTF8.self)
        try expectRejection(#"{"redirect_uris": ["https://app.example.com/cb"], "logo_uri": \#(encoded)}"#, .invalidClientMetadata, naming: "logo_uri")
    }

    @Test("informational URIs are bounded in length")
    func boundsURILength() throws {
        let long = "https://app.example.com/" + String(repeating: "a", count: 2001)
        try expectRejection(#"{"redirect_uris": ["https://app.example.com/cb"], "logo_uri": "\#(long)"}"#, .invalidClientMetadata, naming: "logo_uri")
    }

    @Test("client_name must be non-empty, bounded and free of control characters", arguments: [
        "",
        String(repeating: "n", count: 201),
        "Evil\nApp",
        "Evil\tApp",
        "Evil\u{0}App",
        "Evil\u{7F}App",
        "Evil\u{1B}[31mApp",
        "Good\u{202E}ppA livE",
        "Zero\u{200B}Width",
    ])
    func rejectsBadClientName(name: String) throws {
        let encoded = String(decoding: try JSONEncoder().encode(name), as: UTF8.self)
        try expectRejection(#"{"redirect_uris": ["https://app.example.com/cb"], "client_name": \#(encoded)}"#, .invalidClientMetadata, naming: "client_name")
    }

    @Test("client_name at the length limit is accepted")
    func clientNameAtLimit() throws {
        let name = String(repeating: "n", count: 200)
        #expect(try validate(#"{"redirect_uris": ["https://app.example.com/cb"], "client_name": "\#(name)"}"#).clientName == name)
    }

    @Test(
        "client_name is bounded in scalars, not only grapheme clusters",
    )
    func clientNameBoundedInScalars() throws {
        let name = String(repeating: "a" + String(repeating: "\u{0301}", count: 50), count: 10)
        #expect(name.count == 10)
        try expectRejection(#"{"redirect_uris": ["https://app.example.com/cb"], "client_name": "\#(name)"}"#, .invalidClientMetadata, naming: "client_name")
    }

    @Test("software_id and software_version must be non-empty, bounded and free of control characters", arguments: [
        "software_id", "software_version",
    ])
    func rejectsBadSoftwareStrings(field: String) throws {
        for value in ["", String(repeating: "v", count: 256), "1.0\n", "1.0\u{0}"] {
            let encoded = String(decoding: try JSONEncoder().encode(value), as: UTF8.self)
            try expectRejection(#"{"redirect_uris": ["https://app.example.com/cb"], "\#(field)": \#(encoded)}"#, .invalidClientMetadata, naming: field)
        }
    }

    // MARK: Scope

    @Test("scope must be supported tokens of valid characters", arguments: [
        "",
        "   ",
        "admin",
        "mcp:read admin",
        "MCP:READ",
        "mcp:read\tmcp:write",
        "mcp:read\nmcp:write",
        #"mcp:read "quoted""#,
        #"back\slash"#,
        "mcp:réad",
        String(repeating: "a", count: 4097),
    ])
    func rejectsBadScope(scope: String) throws {
        let encoded = String(decoding: try JSONEncoder().encode(scope), as: UTF8.self)
        try expectRejection(#"{"redirect_uris": ["https://app.example.com/cb"], "scope": \#(encoded)}"#, .invalidClientMetadata, naming: "scope")
    }

    @Test("a scope token outside RFC 6749 §3.3 characters is rejected even if configured as supported", arguments: [
        #"a"b"#, #"a\b"#, "réad", "a\u{7F}b",
    ])
    func rejectsInvalidCharactersInSupportedScope(token: String) throws {
        let misconfigured = ClientRegistrationPolicy(supportedScopes: [token])
        let encoded = String(decoding: try JSONEncoder().encode(token), as: UTF8.self)
        let value = try body(#"{"redirect_uris": ["https://app.example.com/cb"], "scope": \#(encoded)}"#)
        let error = #expect(throws: OAuthError.self) { try misconfigured.validate(value) }
        #expect(error?.code == .invalidClientMetadata)
        #expect(error?.description.contains("not a valid scope token") == true)
    }

    @Test("a scope token with every allowed punctuation character is accepted when supported")
    func acceptsScopeTokenCharacters() throws {
        let token = "!#$%&'()*+,-./:;<=>?@[]^_`{|}~"
        let permissive = ClientRegistrationPolicy(supportedScopes: [token])
        let value = try body(#"{"redirect_uris": ["https://app.example.com/cb"], "scope": "\#(token)"}"#)
        #expect(try permissive.validate(value).scope == token)
    }

    // MARK: Contacts

    @Test("contacts must be a bounded list of non-empty clean strings", arguments: [
        #"[""]"#,
        #"["ops@example.com", ""]"#,
        #"["ops@example.com\n"]"#,
        #"["ops\u0000@example.com"]"#,
        "[\"" + String(repeating: "c", count: 256) + "\"]",
        "[" + Array(repeating: #""a@example.com""#, count: 21).joined(separator: ",") + "]",
        "[" + Array(repeating: #""a@example.com""#, count: 101).joined(separator: ",") + "]",
    ])
    func rejectsBadContacts(contacts: String) throws {
        try expectRejection(#"{"redirect_uris": ["https://app.example.com/cb"], "contacts": \#(contacts)}"#, .invalidClientMetadata, naming: "contacts")
    }

    @Test("twenty contacts are accepted")
    func contactsAtLimit() throws {
        let contacts = "[" + Array(repeating: #""a@example.com""#, count: 20).joined(separator: ",") + "]"
        #expect(try validate(#"{"redirect_uris": ["https://app.example.com/cb"], "contacts": \#(contacts)}"#).contacts?.count == 20)
    }

    @Test("an operator-chosen client id", arguments: [
        ("notes-mcp", true), ("rs.a_b~c-1", true), (String(repeating: "x", count: 128), true),
        ("", false), (String(repeating: "x", count: 129), false), ("has space", false), ("ümlaut", false), ("a/b", false),
        // The generated form (of client and user ids), in either case: it could equal a user's id.
        ("0123456789abcdef0123456789abcdef", false), ("0123456789ABCDEF0123456789ABCDEF", false),
        ("0123456789abcdef0123456789abcdeg", true),
    ])
    func chosenClientID(id: String, valid: Bool) {
        #expect(ClientRegistrationPolicy.isValidChosenClientID(id) == valid)
    }
}
