import LatchkeyCore
import LatchkeyStore
import Testing

/// Sessions and remembered approvals, on every engine.
struct SessionAndConsentStoreTests {
    @Test("sessions: create, read, touch, delete, delete all of a user, prune", arguments: TestEngine.available)
    func sessions(engine: TestEngine) async throws {
        try await withTestDatabase(engine) { databases in
            let database = databases[0]
            let store = SQLSessionStore(database: database)
            let session = BrowserSession(idHash: "h1", userID: "u1", authTime: 10, createdAt: 10, lastSeenAt: 10, expiresAt: 1000)
            try await store.create(session)
            try await store.create(BrowserSession(idHash: "h2", userID: "u1", authTime: 10, createdAt: 10, lastSeenAt: 10, expiresAt: 1000))
            try await store.create(BrowserSession(idHash: "h3", userID: "u2", authTime: 10, createdAt: 10, lastSeenAt: 10, expiresAt: 1000))
            #expect(try await store.session(idHash: "h1") == session)
            if engine == .sqlite {
                // Text is bound with its length: a NUL does not cut a key short. (PostgreSQL text cannot hold NUL;
                // form input with one never reaches the store: FormParameters refuses it.)
                #expect(try await store.session(idHash: "h1\u{0}suffix") == nil)
            }
            try await store.touch(idHash: "h1", now: 50)
            #expect(try await store.session(idHash: "h1")?.lastSeenAt == 50)
            try await store.delete(idHash: "h1")
            #expect(try await store.session(idHash: "h1") == nil)
            try await store.deleteAll(userID: "u1")
            #expect(try await store.session(idHash: "h2") == nil)
            #expect(try await store.session(idHash: "h3") != nil)
            #expect(try await store.prune(now: 20, idleBefore: 5, limit: 10) == 0)
            #expect(try await store.session(idHash: "h3") != nil)
            #expect(try await store.prune(now: 20, idleBefore: 11, limit: 10) == 1)
            #expect(try await store.session(idHash: "h3") == nil)
        }
    }

    @Test("consents: a second approval keeps the union of scopes; audience order does not matter; revoke forgets", arguments: TestEngine.available)
    func consents(engine: TestEngine) async throws {
        try await withTestDatabase(engine) { databases in
            let database = databases[0]
            let store = SQLConsentStore(database: database)
            let audience = ["https://b.example", "https://a.example"]
            func consent(_ client: String, _ audience: [String], _ scopes: [String], offline: Bool, target: String, at time: Int64) -> Consent {
                Consent(userID: "u", clientID: client, audience: audience, scopes: scopes, offlineAccess: offline, redirectTargets: [target],
                        createdAt: time, updatedAt: time)
            }
            try await store.grant(consent("c", audience, ["x", "y"], offline: false, target: "http://127.0.0.1", at: 1))
            try await store.grant(consent("c", audience.reversed(), ["z", "x"], offline: true, target: "https://app.example", at: 2))
            try await store.grant(consent("other", audience, ["x"], offline: false, target: "http://127.0.0.1", at: 3))
            let stored = try #require(try await store.consent(userID: "u", clientID: "c", audience: audience))
            #expect(stored.scopes == ["x", "y", "z"])
            #expect(stored.offlineAccess && stored.redirectTargets == ["http://127.0.0.1", "https://app.example"])
            #expect(stored.createdAt == 1 && stored.updatedAt == 2)
            #expect(try await store.consent(userID: "u2", clientID: "c", audience: audience) == nil)
            #expect(try await store.consent(userID: "u", clientID: "c", audience: ["https://a.example"]) == nil)
            #expect(try await store.list(userID: "u").map(\.clientID) == ["other", "c"])
            #expect(try await store.revoke(userID: "u", clientID: "c", audience: audience))
            #expect(try await !store.revoke(userID: "u", clientID: "c", audience: audience))
            #expect(try await store.list(userID: "u").map(\.clientID) == ["other"])
            // A client's changed registration ends all its approvals, for every user.
            try await store.grant(Consent(userID: "u2", clientID: "other", audience: audience, scopes: ["x"], offlineAccess: false,
                                          redirectTargets: [], createdAt: 4, updatedAt: 4))
            try await store.revokeAll(clientID: "other")
            #expect(try await store.list(userID: "u").isEmpty)
            #expect(try await store.list(userID: "u2").isEmpty)
        }
    }
}
