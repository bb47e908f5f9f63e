import LatchkeyCore
import Testing

struct InitialAccessTokenTests {
    @Test("open registration needs no token; a required one must be presented exactly")
    func check() throws {
        try InitialAccessToken(required: nil).check(presented: nil, constantTimeEquals: ==)
        let required = InitialAccessToken(required: "operator-token-0123456789")
        try required.check(presented: "operator-token-0123456789", constantTimeEquals: ==)
        let refusal = OAuthError.invalidToken("A valid initial access token is required to register")
        for presented in [nil, "", "operator-token-012345678", "operator-token-0123456789x"] as [String?] {
            #expect(throws: refusal) { try required.check(presented: presented, constantTimeEquals: ==) }
        }
    }
}
