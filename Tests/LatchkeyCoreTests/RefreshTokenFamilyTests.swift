import LatchkeyCore
import Testing

struct RefreshTokenFamilyTests {
    static func token(rotatedAt: Int64? = nil, graceUsed: Bool = false, revokedAt: Int64? = nil) -> RefreshTokenRecord {
        RefreshTokenRecord(
            tokenHash: "t", familyID: "f", clientID: "c1", userID: "u", scopes: [], audience: [], authTime: 0, originCodeHash: nil,
            createdAt: 0, expiresAt: 1000, familyExpiresAt: 2000, rotatedAt: rotatedAt, graceUsed: graceUsed, revokedAt: revokedAt
        )
    }

    @Test("decides rotation, grace, reuse and refusals", arguments: [
        (token(), "c1", 100, RefreshTokenFamily.Action.rotate(asGrace: false)),
        (token(rotatedAt: 90), "c1", 100, .rotate(asGrace: true)),
        (token(rotatedAt: 90, graceUsed: true), "c1", 100, .revokeFamily),
        (token(rotatedAt: 70), "c1", 100, .revokeFamily),
        (token(rotatedAt: 71), "c1", 100, .rotate(asGrace: true)),
        (token(revokedAt: 50), "c1", 100, .reject(.revoked)),
        (token(), "c2", 100, .reject(.wrongClient)),
        (token(), "c1", 1000, .reject(.expired)),
    ] as [(RefreshTokenRecord, String, Int64, RefreshTokenFamily.Action)])
    func decide(token: RefreshTokenRecord, clientID: String, now: Int64, expected: RefreshTokenFamily.Action) {
        #expect(RefreshTokenFamily.decide(token, clientID: clientID, now: now, graceSeconds: 30) == expected)
    }

    @Test("no grace once the successor has been used: the chain moved on, so this is a stolen token")
    func successorUsed() {
        #expect(RefreshTokenFamily.decide(Self.token(rotatedAt: 90), clientID: "c1", now: 100, graceSeconds: 30, successorUsed: true) == .revokeFamily)
    }

    @Test("a grace window of zero never forgives reuse")
    func noGrace() {
        #expect(RefreshTokenFamily.decide(Self.token(rotatedAt: 100), clientID: "c1", now: 100, graceSeconds: 0) == .revokeFamily)
    }
}
