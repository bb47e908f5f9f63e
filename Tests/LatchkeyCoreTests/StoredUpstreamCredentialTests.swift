import LatchkeyCore
import Testing

@Suite("StoredUpstreamCredential")
struct StoredUpstreamCredentialTests {
    static func credential(expiresAt: Int64?, connectedAt: Int64 = 1_000, refreshedAt: Int64? = nil) -> StoredUpstreamCredential {
        StoredUpstreamCredential(
            userID: "u", providerID: "p", accessToken: "a", refreshToken: "r", tokenType: "Bearer", scopes: [], account: nil,
            accessTokenExpiresAt: expiresAt, connectedAt: connectedAt, refreshedAt: refreshedAt
        )
    }

    @Test("fresh until the margin before expiry, or half the life of a token issued for less than two margins", arguments: [
        (credential(expiresAt: 4_600), Int64?(4_540)),  // an hour: 60 s before expiry
        (credential(expiresAt: 1_120), 1_060),  // exactly two margins
        (credential(expiresAt: 1_040), 1_020),  // 40 s: half its life
        (credential(expiresAt: 5_040, connectedAt: 0, refreshedAt: 5_000), 5_020),  // the life counts from the last refresh
        (credential(expiresAt: 1_001), 1_001),  // one second: no margin left to take
        (credential(expiresAt: 900), 900),  // expired on arrival (clock skew): expired
        (credential(expiresAt: nil), nil),  // no expiry known
    ] as [(StoredUpstreamCredential, Int64?)])
    func freshUntil(credential: StoredUpstreamCredential, expected: Int64?) {
        #expect(credential.accessTokenFreshUntil(margin: 60) == expected)
    }
}
