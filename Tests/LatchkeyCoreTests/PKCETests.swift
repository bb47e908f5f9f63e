import LatchkeyCore
import Testing

struct PKCETests {
    @Test("accepts verifiers of 43 to 128 unreserved characters", arguments: [
        String(repeating: "a", count: 43),
        String(repeating: "Z9-._~", count: 21) + "xy",
        "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
    ])
    func validVerifiers(verifier: String) {
        #expect(PKCE.isValidVerifier(verifier))
    }

    @Test("rejects short, long and reserved-character verifiers", arguments: [
        "", String(repeating: "a", count: 42), String(repeating: "a", count: 129),
        String(repeating: "a", count: 42) + "+", String(repeating: "a", count: 42) + "/", String(repeating: "a", count: 42) + "=",
        String(repeating: "a", count: 42) + " ", String(repeating: "a", count: 42) + "é",
    ])
    func invalidVerifiers(verifier: String) {
        #expect(!PKCE.isValidVerifier(verifier))
    }

    @Test("an S256 challenge is 43 base64url characters")
    func challenges() {
        #expect(PKCE.isValidChallenge("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"))
        #expect(!PKCE.isValidChallenge("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-c"))
        #expect(!PKCE.isValidChallenge("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-c="))
        #expect(!PKCE.isValidChallenge("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw+cM"))
    }

    @Test("only S256 is accepted; plain and a missing method are invalid_request", arguments: [nil, "plain", "s256", "S512", ""] as [String?])
    func methods(method: String?) {
        do {
            try PKCE.requireS256(method: method)
            Issue.record("accepted \(method ?? "nil")")
        } catch let error as OAuthError {
            #expect(error.code == .invalidRequest)
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test("S256 passes")
    func s256() throws {
        try PKCE.requireS256(method: "S256")
    }
}
