import LatchkeyCore
import LatchkeyStore
import Testing

struct SQLAuthorizationCodeStoreTests {
    static func code(_ hash: String, expiresAt: Int64 = 160) -> AuthorizationCodeRecord {
        AuthorizationCodeRecord(
            codeHash: hash, clientID: "c1", userID: "u1", redirectURI: "http://127.0.0.1/cb", codeChallenge: "challenge",
            scopes: ["mcp:tools", "offline_access"], audience: ["https://mcp.example.com"], authTime: 90, createdAt: 100, expiresAt: expiresAt
        )
    }

    @Test("a code redeems once; presenting it again is a replay carrying what was issued", arguments: TestEngine.available)
    func redeemOnce(engine: TestEngine) async throws {
        try await withTestDatabase(engine) { databases in
            let store = SQLAuthorizationCodeStore(database: databases[0])
            try await store.create(Self.code("h1"))
            guard case .redeemed(let record) = try await store.redeem(codeHash: "h1", clientID: "c1", now: 110) else {
                Issue.record("not redeemed")
                return
            }
            #expect(record.scopes == ["mcp:tools", "offline_access"])
            #expect(record.audience == ["https://mcp.example.com"])
            #expect(try await store.recordIssued(codeHash: "h1", accessTokenID: "jti-1", expiresAt: 3700, family: nil))
            guard case .replayed(let replay) = try await store.redeem(codeHash: "h1", clientID: "c1", now: 111) else {
                Issue.record("not a replay")
                return
            }
            #expect(replay.accessTokenID == "jti-1")
            #expect(try await store.redeem(codeHash: "unknown", clientID: "c1", now: 111) == .notFound)
        }
    }

    @Test("a replay before the first redemption records its tokens makes the recording fail, and no family starts", arguments: TestEngine.available)
    func replayInFlight(engine: TestEngine) async throws {
        try await withTestDatabase(engine) { databases in
            let store = SQLAuthorizationCodeStore(database: databases[0])
            let refresh = SQLRefreshTokenStore(database: databases[0])
            try await store.create(Self.code("h5"))
            guard case .redeemed = try await store.redeem(codeHash: "h5", clientID: "c1", now: 110) else {
                Issue.record("not redeemed")
                return
            }
            guard case .replayed(let replay) = try await store.redeem(codeHash: "h5", clientID: "c1", now: 111) else {
                Issue.record("not a replay")
                return
            }
            #expect(replay.accessTokenID == nil)
            let family = SQLRefreshTokenStoreTests.token("r5", family: "f5", origin: "h5")
            #expect(try await !store.recordIssued(codeHash: "h5", accessTokenID: "jti-5", expiresAt: 3700, family: family))
            #expect(try await refresh.rotate(tokenHash: "r5", clientID: "c1", now: 120, graceSeconds: 30) { $0 } == .notFound)
        }
    }

    @Test("expired codes are pruned", arguments: TestEngine.available)
    func prune(engine: TestEngine) async throws {
        try await withTestDatabase(engine) { databases in
            let store = SQLAuthorizationCodeStore(database: databases[0])
            try await store.create(Self.code("old", expiresAt: 100))
            try await store.create(Self.code("new", expiresAt: 300))
            #expect(try await store.prune(expiredBefore: 200, limit: 10) == 1)
            #expect(try await store.redeem(codeHash: "old", clientID: "c1", now: 50) == .notFound)
            guard case .redeemed = try await store.redeem(codeHash: "new", clientID: "c1", now: 50) else {
                Issue.record("the live code was pruned")
                return
            }
        }
    }

    @Test("another client presenting the code finds nothing and cannot burn it", arguments: TestEngine.available)
    func otherClient(engine: TestEngine) async throws {
        try await withTestDatabase(engine) { databases in
            let store = SQLAuthorizationCodeStore(database: databases[0])
            try await store.create(Self.code("h4"))
            #expect(try await store.redeem(codeHash: "h4", clientID: "intruder", now: 110) == .notFound)
            guard case .redeemed = try await store.redeem(codeHash: "h4", clientID: "c1", now: 111) else {
                Issue.record("the rightful client could not redeem")
                return
            }
        }
    }

    @Test("an expired code does not redeem", arguments: TestEngine.available)
    func expired(engine: TestEngine) async throws {
        try await withTestDatabase(engine) { databases in
            let store = SQLAuthorizationCodeStore(database: databases[0])
            try await store.create(Self.code("h2", expiresAt: 160))
            #expect(try await store.redeem(codeHash: "h2", clientID: "c1", now: 160) == .expired)
        }
    }

    @Test("of concurrent redemptions exactly one succeeds", arguments: TestEngine.available)
    func concurrent(engine: TestEngine) async throws {
        try await withTestDatabase(engine, instances: 2) { databases in
            try await SQLAuthorizationCodeStore(database: databases[0]).create(Self.code("h3"))
            let stores = databases.map { SQLAuthorizationCodeStore(database: $0) }
            let outcomes = try await withThrowingTaskGroup(of: CodeRedemption.self) { group in
                for index in 0..<8 {
                    group.addTask { try await stores[index % 2].redeem(codeHash: "h3", clientID: "c1", now: 110) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(outcomes.filter { if case .redeemed = $0 { true } else { false } }.count == 1)
            #expect(outcomes.filter { if case .replayed = $0 { true } else { false } }.count == 7)
        }
    }
}

struct SQLRefreshTokenStoreTests {
    static func token(_ hash: String, family: String = "f1", origin: String? = "code-1") -> RefreshTokenRecord {
        RefreshTokenRecord(
            tokenHash: hash, familyID: family, clientID: "c1", userID: "u1", scopes: ["mcp:tools"], audience: ["https://mcp.example.com"],
            authTime: 90, originCodeHash: origin, createdAt: 100, expiresAt: 10_000, familyExpiresAt: 20_000
        )
    }

    static func next(_ hash: String) -> @Sendable (RefreshTokenRecord) throws -> RefreshTokenRecord {
        { previous in
            var next = previous
            next.tokenHash = hash
            next.rotatedAt = nil
            next.graceUsed = false
            next.parentHash = previous.tokenHash
            return next
        }
    }

    @Test("of two grace siblings, the first to move on retires the other", arguments: TestEngine.available)
    func siblingsRetired(engine: TestEngine) async throws {
        try await withTestDatabase(engine) { databases in
            let store = SQLRefreshTokenStore(database: databases[0])
            try await store.create(Self.token("s1", family: "fs"))
            _ = try await store.rotate(tokenHash: "s1", clientID: "c1", now: 300, graceSeconds: 30, makeNext: Self.next("s2a"))
            guard case .rotated = try await store.rotate(tokenHash: "s1", clientID: "c1", now: 301, graceSeconds: 30, makeNext: Self.next("s2b")) else {
                Issue.record("the concurrent twin was refused")
                return
            }
            // One branch moves on (much later, so no grace applies): the other branch is retired, and its use is reuse.
            guard case .rotated = try await store.rotate(tokenHash: "s2b", clientID: "c1", now: 400, graceSeconds: 30, makeNext: Self.next("s3")) else {
                Issue.record("the live branch could not rotate")
                return
            }
            #expect(try await store.rotate(tokenHash: "s2a", clientID: "c1", now: 401, graceSeconds: 30, makeNext: Self.next("z")) == .reuseDetected)
            #expect(try await store.rotate(tokenHash: "s3", clientID: "c1", now: 402, graceSeconds: 30, makeNext: Self.next("w")) == .revoked)
        }
    }

    @Test("a refused replacement rolls the rotation back", arguments: TestEngine.available)
    func refusedReplacement(engine: TestEngine) async throws {
        try await withTestDatabase(engine) { databases in
            let store = SQLRefreshTokenStore(database: databases[0])
            try await store.create(Self.token("t1"))
            struct Widened: Error {}
            await #expect(throws: Widened.self) {
                try await store.rotate(tokenHash: "t1", clientID: "c1", now: 200, graceSeconds: 30) { _ in throw Widened() }
            }
            // Still current: rotates normally afterwards.
            guard case .rotated = try await store.rotate(tokenHash: "t1", clientID: "c1", now: 201, graceSeconds: 0, makeNext: Self.next("t2")) else {
                Issue.record("the refused replacement changed the token")
                return
            }
        }
    }

    @Test("concurrent refreshes of one token without grace: one rotation, and the race revokes the family", arguments: TestEngine.available)
    func concurrentWithoutGrace(engine: TestEngine) async throws {
        try await withTestDatabase(engine, instances: 2) { databases in
            try await SQLRefreshTokenStore(database: databases[0]).create(Self.token("t1"))
            let stores = databases.map { SQLRefreshTokenStore(database: $0) }
            let outcomes = try await withThrowingTaskGroup(of: RefreshRotation.self) { group in
                for index in 0..<4 {
                    group.addTask { try await stores[index % 2].rotate(tokenHash: "t1", clientID: "c1", now: 200, graceSeconds: 0, makeNext: Self.next("n\(index)")) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(outcomes.filter { if case .rotated = $0 { true } else { false } }.count == 1)
            #expect(outcomes.contains(.reuseDetected))
        }
    }

    @Test("revoking by family or by originating code", arguments: TestEngine.available)
    func revocation(engine: TestEngine) async throws {
        try await withTestDatabase(engine) { databases in
            let store = SQLRefreshTokenStore(database: databases[0])
            try await store.create(Self.token("a", family: "fa", origin: "code-a"))
            try await store.create(Self.token("b", family: "fb", origin: "code-b"))
            #expect(try await store.revokeFamily(tokenHash: "a", clientID: "other", now: 200) == .otherClient)
            #expect(try await store.revokeFamily(tokenHash: "nope", clientID: "c1", now: 200) == .notFound)
            #expect(try await store.revokeFamily(tokenHash: "a", clientID: "c1", now: 200) == .revoked)
            try await store.create(Self.token("u", family: "fu", origin: nil))
            try await store.revokeAll(userID: "u1", now: 200)
            #expect(try await store.rotate(tokenHash: "u", clientID: "c1", now: 201, graceSeconds: 30, makeNext: Self.next("z")) == .revoked)
            #expect(try await store.rotate(tokenHash: "a", clientID: "c1", now: 201, graceSeconds: 30, makeNext: Self.next("x")) == .revoked)
            try await store.revokeFamilies(originCodeHash: "code-b", now: 202)
            #expect(try await store.rotate(tokenHash: "b", clientID: "c1", now: 203, graceSeconds: 30, makeNext: Self.next("y")) == .revoked)
        }
    }

    @Test("revoking a family revokes the unexpired access tokens issued with it; per-client revocation spares other clients", arguments: TestEngine.available)
    func revocationReachesAccessTokens(engine: TestEngine) async throws {
        try await withTestDatabase(engine) { databases in
            let store = SQLRefreshTokenStore(database: databases[0])
            let revoked = SQLRevokedTokenStore(database: databases[0])
            var first = Self.token("a", family: "fa")
            first.accessTokenID = "jti-a"
            first.accessTokenExpiresAt = 5000
            try await store.create(first)
            _ = try await store.rotate(tokenHash: "a", clientID: "c1", now: 200, graceSeconds: 0) { previous in
                var next = try Self.next("a2")(previous)
                next.accessTokenID = "jti-a2"
                next.accessTokenExpiresAt = 150  // already expired at revocation time: nothing to record
                return next
            }
            var other = Self.token("b", family: "fb")
            other.clientID = "c2"
            other.accessTokenID = "jti-b"
            other.accessTokenExpiresAt = 5000
            try await store.create(other)
            try await store.revokeAll(userID: "u1", clientID: "c1", now: 300)
            #expect(try await revoked.isRevoked(tokenID: "jti-a"))
            #expect(try await !revoked.isRevoked(tokenID: "jti-a2"))
            #expect(try await !revoked.isRevoked(tokenID: "jti-b"))
            #expect(try await store.rotate(tokenHash: "b", clientID: "c2", now: 301, graceSeconds: 0, makeNext: Self.next("b2")) != .revoked)
        }
    }

    @Test("families past their absolute end and long-revoked tokens are pruned", arguments: TestEngine.available)
    func prune(engine: TestEngine) async throws {
        try await withTestDatabase(engine) { databases in
            let store = SQLRefreshTokenStore(database: databases[0])
            var ended = Self.token("ended", family: "f-ended")
            ended.familyExpiresAt = 150
            try await store.create(ended)
            try await store.create(Self.token("revoked", family: "f-revoked"))
            _ = try await store.revokeFamily(tokenHash: "revoked", clientID: "c1", now: 100)
            try await store.create(Self.token("live", family: "f-live"))
            #expect(try await store.prune(now: 200, revokedBefore: 101, rotatedBefore: 0, limit: 10) == 2)
            #expect(try await store.rotate(tokenHash: "ended", clientID: "c1", now: 10, graceSeconds: 0, makeNext: Self.next("x")) == .notFound)
            #expect(try await store.rotate(tokenHash: "revoked", clientID: "c1", now: 10, graceSeconds: 0, makeNext: Self.next("y")) == .notFound)
            guard case .rotated = try await store.rotate(tokenHash: "live", clientID: "c1", now: 201, graceSeconds: 0, makeNext: Self.next("z")) else {
                Issue.record("a live family was pruned")
                return
            }
        }
    }
}
