import LatchkeyCore
@testable import LatchkeyStore
import SQLKit
import Testing

/// One row of `RefreshTokenFamily.decide`'s table, set up in a store.
///
/// Every row starts from the same family `f1` — a parent `p` (rotated, its access token already expired), the presented
/// token `t` (shaped by the row), and optionally `t`'s successor `s` — beside an unrelated family `f2`, so each row can
/// check that exactly the expected rows change.
struct RotationCase: Sendable, CustomTestStringConvertible {
    enum Successor: Sendable {
        case none
        case unused
        case rotated
    }

    let testDescription: String
    /// `t` as stored.
    var token: RefreshTokenRecord
    var successor: Successor = .none
    /// The hash presented: `t`, or one the store never issued.
    var presentedHash = "t"
    var clientID = "c1"
    var now: Int64
    /// What the table says; `nil` when there is no record to decide on.
    var decision: RefreshTokenFamily.Action?

    static let graceSeconds: Int64 = 30

    static func presented(
        rotatedAt: Int64? = nil, graceUsed: Bool = false, revokedAt: Int64? = nil, expiresAt: Int64 = 10_000, familyExpiresAt: Int64 = 20_000
    ) -> RefreshTokenRecord {
        RefreshTokenRecord(
            tokenHash: "t", familyID: "f1", clientID: "c1", userID: "u1", scopes: ["mcp:tools"], audience: ["https://mcp.example.com"],
            authTime: 90, originCodeHash: "code-1", createdAt: 150, expiresAt: expiresAt, familyExpiresAt: familyExpiresAt,
            rotatedAt: rotatedAt, graceUsed: graceUsed, revokedAt: revokedAt,
            accessTokenID: "jti-t", accessTokenExpiresAt: 5_000, parentHash: "p"
        )
    }

    /// Every branch of `RefreshTokenFamily.decide`, in the order it checks them, with the boundaries of each window.
    static let table: [RotationCase] = [
        RotationCase(testDescription: "revoked → revoked", token: presented(revokedAt: 150), now: 200, decision: .reject(.revoked)),
        RotationCase(
            testDescription: "revoked, from another client → revoked (checked first)", token: presented(revokedAt: 150),
            clientID: "intruder", now: 200, decision: .reject(.revoked)
        ),
        RotationCase(testDescription: "another client → wrongClient", token: presented(), clientID: "intruder", now: 200, decision: .reject(.wrongClient)),
        RotationCase(
            testDescription: "another client, token expired → wrongClient (binding before expiry)", token: presented(),
            clientID: "intruder", now: 10_000, decision: .reject(.wrongClient)
        ),
        RotationCase(testDescription: "family expired → expired", token: presented(familyExpiresAt: 300), now: 300, decision: .reject(.expired)),
        RotationCase(testDescription: "idle expired → expired", token: presented(expiresAt: 300), now: 300, decision: .reject(.expired)),
        RotationCase(
            testDescription: "rotated and expired → expired, the family survives", token: presented(rotatedAt: 200),
            successor: .unused, now: 10_000, decision: .reject(.expired)
        ),
        RotationCase(testDescription: "current → rotate", token: presented(), now: 200, decision: .rotate(asGrace: false)),
        RotationCase(
            testDescription: "rotated within grace, grace and successor unused → rotate as grace", token: presented(rotatedAt: 200),
            successor: .unused, now: 229, decision: .rotate(asGrace: true)
        ),
        RotationCase(
            testDescription: "rotated within grace, grace used → reuse", token: presented(rotatedAt: 200, graceUsed: true),
            successor: .unused, now: 210, decision: .revokeFamily
        ),
        RotationCase(
            testDescription: "rotated within grace, successor rotated → reuse", token: presented(rotatedAt: 200),
            successor: .rotated, now: 210, decision: .revokeFamily
        ),
        RotationCase(
            testDescription: "rotated exactly grace seconds ago → reuse", token: presented(rotatedAt: 200),
            successor: .unused, now: 230, decision: .revokeFamily
        ),
        RotationCase(
            testDescription: "rotated outside grace → reuse", token: presented(rotatedAt: 200),
            successor: .unused, now: 500, decision: .revokeFamily
        ),
        RotationCase(testDescription: "unknown hash → notFound", token: presented(), presentedHash: "unknown", now: 200, decision: nil),
    ]

    /// The rows stored before the presentation.
    var rows: [RefreshTokenRecord] {
        var parent = SQLRefreshTokenStoreTests.token("p")
        parent.rotatedAt = 150
        parent.accessTokenID = "jti-p"
        parent.accessTokenExpiresAt = 180
        var rows = [parent, token]
        if successor != .none {
            var next = SQLRefreshTokenStoreTests.token("s")
            next.parentHash = "t"
            next.rotatedAt = successor == .rotated ? 205 : nil
            next.accessTokenID = "jti-s"
            next.accessTokenExpiresAt = 5_000
            rows.append(next)
        }
        var unrelated = SQLRefreshTokenStoreTests.token("o", family: "f2", origin: "code-2")
        unrelated.accessTokenID = "jti-o"
        unrelated.accessTokenExpiresAt = 5_000
        rows.append(unrelated)
        return rows
    }
}

/// The store's tables, as a test compares them before and after one rotation.
struct RefreshStoreSnapshot: Sendable, Equatable {
    struct Revocation: Sendable, Hashable {
        var tokenID: String
        var expiresAt: Int64
        var revokedAt: Int64
    }

    var tokens: [String: RefreshTokenRecord]
    var revocations: Set<Revocation>

    static func read(_ database: LatchkeyDatabase) async throws -> RefreshStoreSnapshot {
        try await database.withSession { db in
            let tokens = try await db.raw("SELECT * FROM refresh_tokens").all().map(SQLRefreshTokenStore.decode)
            let revocations = try await db.raw("SELECT token_id, expires_at, revoked_at FROM revoked_access_tokens").all().map { row in
                Revocation(
                    tokenID: try row.decode(column: "token_id", as: String.self),
                    expiresAt: try row.decode(column: "expires_at", as: Int64.self),
                    revokedAt: try row.decode(column: "revoked_at", as: Int64.self)
                )
            }
            return RefreshStoreSnapshot(
                tokens: Dictionary(uniqueKeysWithValues: tokens.map { ($0.tokenHash, $0) }), revocations: Set(revocations)
            )
        }
    }
}

extension SQLRefreshTokenStoreTests {
    /// The store and the pure table are checked on the same record, so neither can change without this test noticing.
    @Test("rotation follows RefreshTokenFamily.decide on every row of its table", arguments: TestEngine.available, RotationCase.table)
    func followsDecisionTable(engine: TestEngine, row: RotationCase) async throws {
        let successorUsed = row.successor == .rotated
        let decision: RefreshTokenFamily.Action? = row.presentedHash == row.token.tokenHash
            ? RefreshTokenFamily.decide(
                row.token, clientID: row.clientID, now: row.now, graceSeconds: RotationCase.graceSeconds, successorUsed: successorUsed
            )
            : nil
        #expect(decision == row.decision)

        try await withTestDatabase(engine) { databases in
            let store = SQLRefreshTokenStore(database: databases[0])
            for record in row.rows { try await store.create(record) }
            let before = try await RefreshStoreSnapshot.read(databases[0])
            let outcome = try await store.rotate(
                tokenHash: row.presentedHash, clientID: row.clientID, now: row.now, graceSeconds: RotationCase.graceSeconds,
                makeNext: Self.next("n")
            )
            let after = try await RefreshStoreSnapshot.read(databases[0])

            var expected = before
            switch row.decision {
            case nil:
                #expect(outcome == .notFound)
            case .reject(let refusal):
                #expect(outcome == refusal)
            case .revokeFamily:
                #expect(outcome == .reuseDetected)
                // Every token of the family, and every access token issued with one that has not yet expired.
                for (hash, token) in before.tokens where token.familyID == row.token.familyID && token.revokedAt == nil {
                    expected.tokens[hash]?.revokedAt = row.now
                    if let jti = token.accessTokenID, let expiry = token.accessTokenExpiresAt, expiry > row.now {
                        expected.revocations.insert(.init(tokenID: jti, expiresAt: expiry, revokedAt: row.now))
                    }
                }
            case .rotate(let asGrace):
                let next = try Self.next("n")(row.token)
                #expect(outcome == .rotated(previous: row.token, next: next))
                if asGrace {
                    expected.tokens["t"]?.graceUsed = true
                } else {
                    expected.tokens["t"]?.rotatedAt = row.now
                }
                expected.tokens["n"] = next
            }
            #expect(after == expected)
        }
    }
}
