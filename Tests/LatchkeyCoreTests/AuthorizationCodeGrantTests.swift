import LatchkeyCore
import Testing

struct AuthorizationCodeGrantTests {
    static func record(offlineAccess: Bool = true, accessTokenID: String? = nil, accessTokenExpiresAt: Int64? = nil) -> AuthorizationCodeRecord {
        AuthorizationCodeRecord(
            codeHash: "code-hash", clientID: "app", userID: "u", redirectURI: "https://app.example/cb", codeChallenge: "challenge",
            scopes: ["mcp:tools"], audience: ["https://mcp.example/a", "https://mcp.example/b"], authTime: 1, createdAt: 1, expiresAt: 61,
            accessTokenID: accessTokenID, accessTokenExpiresAt: accessTokenExpiresAt, offlineAccess: offlineAccess
        )
    }

    static func check(_ record: AuthorizationCodeRecord, clientID: String = "app", redirectURI: String? = "https://app.example/cb",
                      verifier: String? = String(repeating: "v", count: 43), resource: [String] = []) throws -> [String] {
        try AuthorizationCodeGrant.check(
            record, clientID: clientID, redirectURI: redirectURI, codeVerifier: verifier, resource: resource,
            computeChallenge: { $0 == String(repeating: "v", count: 43) ? "challenge" : "other" }, constantTimeEquals: ==
        )
    }

    @Test("a redeemed code must match client, redirect_uri and PKCE verifier; resource may only narrow")
    func checks() throws {
        #expect(try Self.check(Self.record()) == ["https://mcp.example/a", "https://mcp.example/b"])
        #expect(try Self.check(Self.record(), resource: ["https://mcp.example/b"]) == ["https://mcp.example/b"])
        #expect(throws: OAuthError(.invalidGrant, "The code was issued to another client")) { try Self.check(Self.record(), clientID: "thief") }
        #expect(throws: OAuthError.invalidRequest("The parameter 'redirect_uri' is required")) { try Self.check(Self.record(), redirectURI: nil) }
        #expect(throws: OAuthError(.invalidGrant, "redirect_uri does not match the authorization request")) {
            try Self.check(Self.record(), redirectURI: "https://app.example/other")
        }
        #expect(throws: OAuthError.invalidRequest("The parameter 'code_verifier' is required")) { try Self.check(Self.record(), verifier: nil) }
        #expect(throws: OAuthError(.invalidGrant, "code_verifier does not match the code_challenge")) {
            try Self.check(Self.record(), verifier: String(repeating: "w", count: 43))
        }
        #expect(throws: OAuthError.self) { try Self.check(Self.record(), resource: ["https://mcp.example/c"]) }
    }

    @Test("a replay revokes the recorded access token, then the families started from the code")
    func replay() {
        let recorded = Self.record(accessTokenID: "jti", accessTokenExpiresAt: 500)
        #expect(AuthorizationCodeGrant.replayActions(recorded, now: 100, accessTokenLifetime: 3600) == [
            .revokeAccessToken(tokenID: "jti", expiresAt: 500), .revokeRefreshFamilies(originCodeHash: "code-hash"),
        ])
        // A jti recorded without an expiry is revoked for a full access-token lifetime.
        #expect(AuthorizationCodeGrant.replayActions(Self.record(accessTokenID: "jti"), now: 100, accessTokenLifetime: 3600).first
            == .revokeAccessToken(tokenID: "jti", expiresAt: 3700))
        // Replayed before the first redemption recorded anything: only the families (none yet, but one may be racing).
        #expect(AuthorizationCodeGrant.replayActions(Self.record(), now: 100, accessTokenLifetime: 3600) == [.revokeRefreshFamilies(originCodeHash: "code-hash")])
    }

    @Test("a refresh token comes with the code only if the user approved one and the client still has the grant", arguments: [
        (true, [GrantType.authorizationCode, .refreshToken], true),
        (false, [GrantType.authorizationCode, .refreshToken], false),
        (true, [GrantType.authorizationCode], false),
        (false, [GrantType.authorizationCode], false),
    ])
    func refreshTokenIssued(approved: Bool, grants: [GrantType], issued: Bool) {
        let client = ClientCredentialsGrantTests.client(auth: .none, grants: grants)
        #expect(AuthorizationCodeGrant.issuesRefreshToken(Self.record(offlineAccess: approved), to: client) == issued)
        #expect(RefreshTokenGrant.isOffered(to: client) == grants.contains(.refreshToken))
    }
}
