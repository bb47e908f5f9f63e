import LatchkeyCore
import Testing

struct RefreshTokenGrantTests {
    static let token = RefreshTokenRecord(
        tokenHash: "old", familyID: "f", clientID: "app", userID: "u", scopes: ["mcp:tools", "mcp:resources"],
        audience: ["https://mcp.example/a", "https://mcp.example/b"], authTime: 1, originCodeHash: "code", createdAt: 10,
        expiresAt: 1000, familyExpiresAt: 5000, rotatedAt: 20, graceUsed: true, accessTokenID: "old-jti", accessTokenExpiresAt: 30
    )

    static func request(_ values: [String: String], resources: [String] = []) throws -> RefreshTokenGrant.Request {
        var values = values
        values["refresh_token"] = values["refresh_token"] ?? "rt"
        return try RefreshTokenGrant.Request(form: FormParameters(values, lists: resources.isEmpty ? [:] : ["resource": resources]))
    }

    @Test("a refresh may narrow scope and audience, never widen them")
    func narrowing() throws {
        let all = try RefreshTokenGrant.narrowed(Self.token, by: Self.request([:]))
        #expect(all.scopes == Self.token.scopes && all.audience == Self.token.audience)
        let narrow = try RefreshTokenGrant.narrowed(Self.token, by: Self.request(["scope": "mcp:tools"], resources: ["https://mcp.example/b"]))
        #expect(narrow.scopes == ["mcp:tools"] && narrow.audience == ["https://mcp.example/b"])
        #expect(throws: OAuthError(.invalidScope, "scope 'mcp:prompts' is not allowed for this client")) {
            try RefreshTokenGrant.narrowed(Self.token, by: Self.request(["scope": "mcp:tools mcp:prompts"]))
        }
        #expect(throws: OAuthError(.invalidTarget, "resource 'https://mcp.example/c' was not authorized")) {
            try RefreshTokenGrant.narrowed(Self.token, by: Self.request([:], resources: ["https://mcp.example/c"]))
        }
        #expect(throws: OAuthError.invalidRequest("The parameter 'refresh_token' is required")) {
            try RefreshTokenGrant.Request(form: FormParameters())
        }
    }

    @Test("the successor keeps the family and grant, gets a fresh idle lifetime capped by the family's, and records the new jti")
    func successor() {
        let next = RefreshTokenGrant.successor(of: Self.token, tokenHash: "new", now: 100, idleLifetime: 600, accessTokenID: "jti", accessTokenExpiresAt: 160)
        #expect(next.tokenHash == "new" && next.parentHash == "old" && next.familyID == "f")
        #expect(next.scopes == Self.token.scopes && next.audience == Self.token.audience && next.originCodeHash == "code")
        #expect(next.createdAt == 100 && next.expiresAt == 700 && next.familyExpiresAt == 5000)
        #expect(next.rotatedAt == nil && !next.graceUsed && next.revokedAt == nil)
        #expect(next.accessTokenID == "jti" && next.accessTokenExpiresAt == 160)
        let late = RefreshTokenGrant.successor(of: Self.token, tokenHash: "new", now: 4900, idleLifetime: 600, accessTokenID: "j", accessTokenExpiresAt: 0)
        #expect(late.expiresAt == 5000)
    }

    @Test("every failed rotation is the same invalid_grant; only reuse syncs the revocations it caused", arguments: [
        (RefreshRotation.reuseDetected, RefreshTokenGrant.FailureAction.syncRevocations),
        (.revoked, .none), (.expired, .none), (.wrongClient, .none), (.notFound, .none),
    ])
    func failures(outcome: RefreshRotation, action: RefreshTokenGrant.FailureAction) {
        let failure = RefreshTokenGrant.failure(outcome)
        #expect(failure.action == action)
        #expect(failure.error == RefreshTokenGrant.invalidToken)
    }
}
