import Foundation
import LatchkeyCore
import Testing

struct CredentialDepositTests {
    static func deposit(_ json: String) throws -> CredentialDeposit {
        try CredentialDeposit(try JSONDecoder().decode(JSONValue.self, from: Data(json.utf8)))
    }

    @Test("a deposit is read strictly: defaults, a numeric-string expires_in, Bearer in any case")
    func valid() throws {
        let minimal = try Self.deposit(#"{"refresh_token":"r1"}"#)
        #expect(minimal == (try Self.deposit(#"{"refresh_token":"r1","access_token":null}"#)))
        #expect(minimal.accessToken == nil && minimal.expiresIn == nil && minimal.scopes.isEmpty && minimal.tokenType == "Bearer")
        let full = try Self.deposit(#"{"refresh_token":"r1","access_token":"a1","expires_in":"3600","scope":"repo read:user","token_type":"bearer","account":"@octocat"}"#)
        #expect(full.expiresIn == 3600 && full.scopes == ["repo", "read:user"] && full.tokenType == "Bearer" && full.account == "@octocat")
        #expect(try Self.deposit(#"{"refresh_token":"r1","access_token":"a1","expires_in":0}"#).expiresIn == 0)
    }

    @Test("bad deposits are 400 invalid_request naming the field", arguments: [
        (#"{"refresh_token":"r","extra":1}"#, "unknown member 'extra'"),
        (#"{"refresh_token":123}"#, "refresh_token must be a string"),
        (#"{"refresh_token":""}"#, "refresh_token must not be empty"),
        (#"{"access_token":"a"}"#, "refresh_token is required"),
        (#"{"refresh_token":"r","access_token":"a","expires_in":"soon"}"#, "expires_in"),
        (#"{"refresh_token":"r","access_token":"a","expires_in":-1}"#, "expires_in"),
        (#"{"refresh_token":"r","access_token":"a","expires_in":1.5}"#, "expires_in"),
        (#"{"refresh_token":"r","access_token":"a","expires_in":"1e3"}"#, "expires_in"),
        (#"{"refresh_token":"r","access_token":"a","expires_in":"Invalid Date"}"#, "expires_in"),
        (#"{"refresh_token":"r","access_token":"a","expires_in":true}"#, "expires_in"),
        (#"{"refresh_token":"r","expires_in":60}"#, "expires_in needs an access_token"),
        (#"{"refresh_token":"r","token_type":"mac"}"#, "token_type"),
        (#"{"refresh_token":"r","scope":"bad\"scope"}"#, "scope"),
        (#"{"refresh_token":"r\nX-Injected: 1"}"#, "control characters"),
        (#"{"refresh_token":"r","account":""}"#, "account must not be empty"),
        (#"{"refresh_token":"r\u00e9"}"#, "control characters"),
        (#"{"refresh_token":"r","account":"\u202e@alice"}"#, "control characters"),
        (#"{"refresh_token":"r","account":"a\u0085b"}"#, "control characters"),
        (#"{"refresh_token":"r","token_type":"DPoP"}"#, "token_type"),
        (#"["refresh_token"]"#, "JSON object"),
        ("null", "JSON object"),
    ])
    func refused(json: String, reason: String) {
        do {
            _ = try Self.deposit(json)
            Issue.record("accepted \(json)")
        } catch let error as OAuthError {
            #expect(error.code == .invalidRequest || error.code == .invalidScope)
            #expect(error.description.contains(reason), "\(error.description)")
        } catch {
            Issue.record("\(error)")
        }
    }

    @Test("over-long values are refused")
    func lengths() {
        let long = String(repeating: "r", count: CredentialDeposit.maxTokenLength + 1)
        #expect(throws: OAuthError.self) { try Self.deposit(#"{"refresh_token":"\#(long)"}"#) }
        #expect(throws: OAuthError.self) { try Self.deposit(#"{"refresh_token":"r","account":"\#(String(repeating: "a", count: 257))"}"#) }
        #expect(throws: Never.self) { try Self.deposit(#"{"refresh_token":"\#(String(repeating: "r", count: CredentialDeposit.maxTokenLength))"}"#) }
    }

    static func stored(access: String? = "a", refresh: String? = "r", expiresAt: Int64? = 100, status: StoredUpstreamCredential.Status = .connected) -> StoredUpstreamCredential {
        StoredUpstreamCredential(
            userID: "u", providerID: "p", accessToken: access, refreshToken: refresh, tokenType: "Bearer", scopes: [], account: nil,
            accessTokenExpiresAt: expiresAt, connectedAt: 0, status: status
        )
    }

    @Test("status: not connected, connected, expired (refresh held), needs_reauth", arguments: [
        (nil, CredentialStatus.notConnected),
        (stored(), .connected),
        (stored(expiresAt: nil), .connected),
        (stored(expiresAt: 50), .expired),
        (stored(access: nil), .expired),
        (stored(refresh: nil, expiresAt: 50), .needsReauth),
        (stored(access: nil, refresh: nil), .needsReauth),
        (stored(status: .needsReauth), .needsReauth),
    ] as [(StoredUpstreamCredential?, CredentialStatus)])
    func status(credential: StoredUpstreamCredential?, expected: CredentialStatus) {
        #expect(CredentialStatus(credential, now: 60) == expected)
    }
}
