import Foundation
import LatchkeyCore
import Testing

/// The vault's pure protocol rules: reading an upstream's token answer and callback, building the authorize URL,
/// form encoding, and who may use the credentials API.
struct UpstreamProtocolTests {
    static func parse(_ body: String, status: Int = 200) -> Result<UpstreamTokenResponse, UpstreamFailure> {
        Result { () throws(UpstreamFailure) in try UpstreamTokenResponse(status: status, body: Data(body.utf8), requested: ["repo"]) }
    }

    @Test("a token answer: expires_in as a number or numeric string, bearer in any case, GitHub's comma scopes, the requested scopes by default")
    func tokenAnswers() throws {
        let full = try Self.parse(#"{"access_token":"a1","token_type":"bearer","expires_in":"3600","refresh_token":"r1","scope":"repo,user"}"#).get()
        #expect(full.accessToken == "a1" && full.refreshToken == "r1" && full.tokenType == "Bearer")
        #expect(full.expiresIn == 3600 && full.scopes == ["repo", "user"])
        let minimal = try Self.parse(#"{"access_token":"a1","token_type":"Bearer"}"#).get()
        #expect(minimal.refreshToken == nil && minimal.expiresIn == nil && minimal.scopes == ["repo"])
    }

    @Test("an unusable token answer is refused without carrying the upstream's text", arguments: [
        ("null", 200, UpstreamFailure.invalidResponse("the answer is not a JSON object")),
        ("<html>hello</html>", 200, .invalidResponse("the answer is not a JSON object")),
        (#"[{"access_token":"a"}]"#, 200, .invalidResponse("the answer is not a JSON object")),
        (#"{"token_type":"Bearer"}"#, 200, .invalidResponse("access_token is missing or not a token")),
        (#"{"access_token":7}"#, 200, .invalidResponse("access_token is missing or not a token")),
        (#"{"access_token":"a\nb"}"#, 200, .invalidResponse("access_token is missing or not a token")),
        (#"{"access_token":"a","refresh_token":""}"#, 200, .invalidResponse("refresh_token is not a token")),
        (#"{"access_token":"a","token_type":"DPoP"}"#, 200, .invalidResponse("token_type is not Bearer")),
        (#"{"access_token":"a","expires_in":"soon"}"#, 200, .invalidResponse("expires_in is not a number of seconds")),
        (#"{"access_token":"a","expires_in":-5}"#, 200, .invalidResponse("expires_in is not a number of seconds")),
        (#"{"access_token":"a","expires_in":1.5}"#, 200, .invalidResponse("expires_in is not a number of seconds")),
        (#"{"access_token":"a","scope":"re\"po"}"#, 200, .invalidResponse("scope is not a list of scope tokens")),
        (#"{"error":"invalid_grant","error_description":"<script>alert(1)</script>"}"#, 400, .rejected(code: "invalid_grant", status: 400)),
        (#"{"error":"<b>made up</b>"}"#, 400, .rejected(code: nil, status: 400)),
        (#"{"error":"invalid_client"}"#, 401, .rejected(code: "invalid_client", status: 401)),
        ("forbidden", 403, .rejected(code: nil, status: 403)),
        (#"{"access_token":"a"}"#, 503, .unavailable(status: 503)),
    ])
    func badTokenAnswers(body: String, status: Int, expected: UpstreamFailure) {
        #expect(Self.parse(body, status: status).failure == expected)
        #expect(!expected.description.contains("script") && !expected.description.contains("made up"))
    }

    @Test("a callback carries state and a code or an allowlisted error; anything else is malformed")
    func callbacks() throws {
        let ok = try UpstreamCallback(query: "code=c1&state=s1&iss=https%3A%2F%2Fgithub.com")
        #expect(ok.state == "s1" && ok.result == .code("c1") && ok.issuer == "https://github.com")
        #expect(try UpstreamCallback(query: "error=access_denied&state=s1").result == .error("access_denied"))
        #expect(try UpstreamCallback(query: "error=%3Cscript%3E&error_description=x&state=s1").result == .error(nil))
        for query in ["code=c1", "state=s1", "code=c1&code=c2&state=s1", "code=c1&state=s1&state=s2", "code=%0A&state=s1",
                      "code=c1&state=" + String(repeating: "s", count: 513), "code=%ZZ&state=s1"] {
            #expect(throws: UpstreamCallbackError.malformed) { try UpstreamCallback(query: Substring(query)) }
        }
    }

    @Test("RFC 9207: a different iss is refused; a missing one only when the upstream always sends it; no known issuer, no check")
    func issuerCheck() throws {
        let with = try UpstreamCallback(query: "code=c&state=s&iss=https%3A%2F%2Fevil.example")
        let without = try UpstreamCallback(query: "code=c&state=s")
        #expect(throws: UpstreamCallbackError.issuerMismatch) { try with.checkIssuer(expected: "https://github.com", required: false) }
        #expect(throws: UpstreamCallbackError.issuerMissing) { try without.checkIssuer(expected: "https://github.com", required: true) }
        try without.checkIssuer(expected: "https://github.com", required: false)
        try with.checkIssuer(expected: nil, required: false)
        try UpstreamCallback(query: "code=c&state=s&iss=https%3A%2F%2Fgithub.com").checkIssuer(expected: "https://github.com", required: true)
    }

    @Test("the authorize URL: PKCE S256, state, scopes and the provider's fixed parameters, every value percent-encoded, an existing query kept")
    func authorizeURL() throws {
        let provider = try UpstreamProvider(
            id: "google", name: "Google", endpoints: .configured(authorization: "https://accounts.example.com/o/auth?hd=example.com", token: "https://t.example.com"),
            revocationEndpoint: nil, userinfoEndpoint: nil, accountField: nil, clientID: "id+1&x", secret: .none, authMethod: .none,
            scopes: ["openid", "email"], authorizationParameters: ["access_type": "offline", "prompt": "consent select_account"], allowsHTTP: false
        )
        let url = try UpstreamAuthorizationURL.make(
            endpoint: "https://accounts.example.com/o/auth?hd=example.com", provider: provider,
            redirectURI: "https://latchkey.example.com/connections/callback", state: "st", codeChallenge: "ch"
        )
        #expect(url == "https://accounts.example.com/o/auth?hd=example.com&response_type=code&client_id=id%2B1%26x"
            + "&redirect_uri=https%3A%2F%2Flatchkey.example.com%2Fconnections%2Fcallback&state=st&code_challenge=ch"
            + "&code_challenge_method=S256&scope=openid%20email&access_type=offline&prompt=consent%20select_account")
    }

    @Test("form encoding leaves only unreserved characters")
    func formEncoding() {
        #expect(FormEncoding.encode("a b+c&d=e/é~_.-") == "a%20b%2Bc%26d%3De%2F%C3%A9~_.-")
        #expect(FormEncoding.encode([("grant_type", "refresh_token"), ("refresh_token", "r+/=")]) == "grant_type=refresh_token&refresh_token=r%2B%2F%3D")
    }

    static let access = CredentialsAPIAccess(issuer: try! Issuer("https://auth.example.com"))

    static func claims(aud: String = access.resource, sub: String = "user-1", client: String = "app", scope: String?, authTime: Int64? = 10) -> AccessTokenClaims {
        AccessTokenClaims(issuer: "https://auth.example.com", subject: sub, audience: [aud], clientID: client, scope: scope,
                          issuedAt: 10, expiresAt: 100, tokenID: "j", authTime: authTime)
    }

    @Test("the credentials API: a user's token for its resource, read and write scopes; others refused with the RFC 6750 code")
    func apiAccess() throws {
        #expect(try Self.access.user(of: Self.claims(scope: "credentials:read"), write: false) == "user-1")
        #expect(try Self.access.user(of: Self.claims(scope: "credentials:read credentials:write"), write: true) == "user-1")
        let refusals: [(AccessTokenClaims, Bool, OAuthError.Code)] = [
            (Self.claims(scope: "credentials:read"), true, .insufficientScope),
            (Self.claims(scope: nil), false, .insufficientScope),
            (Self.claims(scope: "credentials:readx"), false, .insufficientScope),
            (Self.claims(aud: "https://mcp.example.com", scope: "credentials:read"), false, .invalidToken),
            (Self.claims(sub: "app", scope: "credentials:read"), false, .invalidToken),
            (Self.claims(scope: "credentials:read", authTime: nil), false, .invalidToken),
        ]
        for (claims, write, code) in refusals {
            #expect { try Self.access.user(of: claims, write: write) } throws: { ($0 as? OAuthError)?.code == code }
        }
    }

    @Test("the API's scopes are offered for its resource alone; an issuer-only audience offers everything else")
    func reservedScopes() throws {
        let issuer = try Issuer("https://auth.example.com")
        let mcp = try ProtectedResource(uri: "https://mcp.example.com", name: "MCP", scopes: ["mcp:tools"])
        let registry = try ResourceRegistry(resources: [mcp], defaultResource: nil, issuer: issuer, builtIn: [try Self.access.protectedResource()])
        #expect(registry.defaultAudience == mcp.uri)
        #expect(registry.offers("credentials:read", for: [Self.access.resource]))
        #expect(!registry.offers("mcp:tools", for: [Self.access.resource]))
        #expect(!registry.offers("credentials:read", for: [mcp.uri]))
        let bare = try ResourceRegistry(resources: [], defaultResource: nil, issuer: issuer, builtIn: [try Self.access.protectedResource()])
        #expect(bare.defaultAudience == issuer.url)
        #expect(bare.offers("anything", for: [issuer.url]) && !bare.offers("credentials:write", for: [issuer.url]))
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
