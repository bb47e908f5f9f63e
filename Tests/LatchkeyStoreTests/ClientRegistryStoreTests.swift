import Foundation
import LatchkeyCore
@testable import LatchkeyStore
import SQLKit
import Testing

/// Last use, pruning and the schema 11 upgrade, on each engine.
struct ClientRegistryStoreTests {
    static let day: Int64 = 86400
    static let now: Int64 = 1_800_000_000
    static let retention = ClientRetention(unusedTTL: day, idleTTL: 90 * day, protectedClientIDs: ["notes-mcp"])

    static func client(_ id: String, kind: ClientKind = .dynamic, issuedAt: Int64, lastUsedAt: Int64?) -> RegisteredClient {
        var client = SQLClientStoreTests.client(id)
        client.kind = kind
        client.issuedAt = issuedAt
        client.updatedAt = issuedAt
        client.lastUsedAt = lastUsedAt
        return client
    }

    /// A code, a refresh family with a live access token, and an approval, all for `clientID`. `live: false` makes
    /// the code and the refresh token expired (an idle client's), so only the approval and the access token remain.
    static func grant(to clientID: String, in database: LatchkeyDatabase, live: Bool = true) async throws {
        var code = SQLAuthorizationCodeStoreTests.code("code-" + clientID, expiresAt: live ? now + 60 : now - 60)
        code.clientID = clientID
        try await SQLAuthorizationCodeStore(database: database).create(code)
        var token = SQLRefreshTokenStoreTests.token("rt-" + clientID, family: "family-" + clientID)
        token.clientID = clientID
        token.expiresAt = live ? now + day : now - day
        token.familyExpiresAt = now + 30 * day
        token.accessTokenID = "jti-" + clientID
        token.accessTokenExpiresAt = now + 3600
        try await SQLRefreshTokenStore(database: database).create(token)
        try await SQLConsentStore(database: database).grant(Consent(
            userID: "u1", clientID: clientID, audience: ["https://mcp.example.com"], scopes: ["mcp:tools"], offlineAccess: true,
            redirectTargets: [], createdAt: now, updatedAt: now
        ))
    }

    static func rows(_ table: String, of clientID: String, in database: LatchkeyDatabase) async throws -> Int {
        try await database.withSession { db in
            try await db.raw("SELECT COUNT(*) AS n FROM \(ident: table) WHERE client_id = \(bind: clientID)").first()!.decode(column: "n", as: Int.self)
        }
    }

    @Test("a use is written once an hour at most: a second within the hour writes nothing", arguments: TestEngine.available)
    func recordUseDebounced(engine: TestEngine) async throws {
        try await withTestDatabase(engine) { databases in
            let store = SQLClientStore(database: databases[0])
            try await store.create(Self.client("c1", issuedAt: Self.now, lastUsedAt: nil))
            #expect(try await store.recordUse(clientID: "c1", now: Self.now + 10, granularity: 3600))
            #expect(try await !store.recordUse(clientID: "c1", now: Self.now + 3000, granularity: 3600))
            #expect(try await store.client(id: "c1")?.lastUsedAt == Self.now + 10)
            #expect(try await store.recordUse(clientID: "c1", now: Self.now + 3700, granularity: 3600))
            #expect(try await store.client(id: "c1")?.lastUsedAt == Self.now + 3700)
            #expect(try await !store.recordUse(clientID: "unknown", now: Self.now, granularity: 3600))
        }
    }

    @Test("prunes unused and idle DCR clients with their grants; keeps recent, operator and protected ones", arguments: TestEngine.available)
    func prunesWithGrants(engine: TestEngine) async throws {
        try await withTestDatabase(engine) { databases in
            let database = databases[0]
            let store = SQLClientStore(database: database)
            let now = Self.now, day = Self.day
            let clients = [
                Self.client("unused-old", issuedAt: now - 2 * day, lastUsedAt: nil),
                Self.client("unused-new", issuedAt: now - 3600, lastUsedAt: nil),
                Self.client("idle", issuedAt: now - 200 * day, lastUsedAt: now - 91 * day),
                Self.client("active", issuedAt: now - 200 * day, lastUsedAt: now - 89 * day),
                Self.client("machine", kind: .operatorAdded, issuedAt: now - 400 * day, lastUsedAt: nil),
                Self.client("notes-mcp", issuedAt: now - 400 * day, lastUsedAt: now - 300 * day),
                // Idle by its recorded use, but a refresh token still works: its use may not be recorded yet.
                Self.client("unrecorded", issuedAt: now - 200 * day, lastUsedAt: now - 91 * day),
            ]
            for client in clients { try await store.create(client) }
            try await Self.grant(to: "idle", in: database, live: false)
            for id in ["active", "unrecorded"] { try await Self.grant(to: id, in: database) }

            let cutoffs = Self.retention.cutoffs(now: now)
            let listed = try await store.prunable(cutoffs, protected: Self.retention.protectedClientIDs, after: nil, limit: 100)
            #expect(listed.map(\.clientID) == ["idle", "unused-old"])
            // The SQL and the rule in Core agree on every client without live grants (Core does not see grants).
            #expect(clients.filter { Self.retention.reason(for: $0, now: now) != nil && $0.clientID != "unrecorded" }.map(\.clientID).sorted()
                == listed.map(\.clientID))
            #expect(try await store.activeFamilies(clientIDs: ["idle", "active", "machine"], now: now) == ["active": 1])

            // A use recorded after the listing saves a client.
            #expect(try await store.recordUse(clientID: "unused-old", now: now, granularity: 3600))
            #expect(try await store.deletePrunable(listed.map(\.clientID), cutoffs) == ["idle"])
            #expect(try await store.client(id: "idle") == nil)
            for table in ["refresh_tokens", "authorization_codes", "consents"] {
                #expect(try await Self.rows(table, of: "idle", in: database) == 0, "\(table) keeps a row of a deleted client")
                #expect(try await Self.rows(table, of: "active", in: database) == 1)
            }
            #expect(try await SQLRevokedTokenStore(database: database).isRevoked(tokenID: "jti-idle"))
            #expect(try await !SQLRevokedTokenStore(database: database).isRevoked(tokenID: "jti-active"))
            let left = try await store.list(after: nil, limit: 100).map(\.clientID)
            #expect(left == ["active", "machine", "notes-mcp", "unrecorded", "unused-new", "unused-old"])
            #expect(try await store.count(kind: .dynamic) == 5)
            #expect(try await store.count(kind: .operatorAdded) == 1)
        }
    }

    @Test("0 turns either half of the rule off")
    func ttlZero() {
        let never = ClientRetention(unusedTTL: 0, idleTTL: 0, protectedClientIDs: [])
        #expect(SQLClientStore.prunableCondition(never.cutoffs(now: Self.now)) == nil)
        let old = Self.client("old", issuedAt: 0, lastUsedAt: nil)
        #expect(never.reason(for: old, now: Self.now) == nil)
        #expect(ClientRetention(unusedTTL: 0, idleTTL: Self.day, protectedClientIDs: []).reason(for: old, now: Self.now) == nil)
    }

    @Test("upgrading to schema 11 keeps every existing client through the first prune; the operator's become operator clients",
          arguments: TestEngine.available)
    func upgrade(engine: TestEngine) async throws {
        try await withTestDatabase(engine, migrate: false) { databases in
            let database = databases[0]
            let all = try Migrator(database: database)
            let before = Migrator(database: database, migrations: all.migrations.filter { $0.version <= 10 })
            try await before.migrate()
            // The metadata as the store has always written it.
            let app = try SQLClientStore.encode(SQLClientStoreTests.client("any").metadata)
            var machineMetadata = SQLClientStoreTests.client("any").metadata
            machineMetadata.grantTypes = [.clientCredentials]
            let machine = try SQLClientStore.encode(machineMetadata)
            #expect(!app.contains("client_credentials"))
            let rows: [(id: String, metadata: String)] = [
                ("0123456789abcdef0123456789abcdef", app),     // generated id, code flow: registered itself
                ("fedcba9876543210fedcba9876543210", machine), // generated id, client_credentials: clients add
                ("notes-mcp", app),                            // chosen id: clients add --client-id
                ("0123456789ABCDEF0123456789ABCDEF", app),     // not the generated form (upper case)
            ]
            try await database.withSession { db in
                for row in rows {
                    try await db.raw("""
                        INSERT INTO clients (client_id, metadata, registration_token_hash, issued_at, updated_at)
                        VALUES (\(bind: row.id), \(bind: row.metadata), 'h', 1000, 1000)
                        """).run()
                }
            }
            #expect(try await all.migrate().contains(11))
            let store = SQLClientStore(database: database)
            let kinds = Dictionary(uniqueKeysWithValues: try await store.list(after: nil, limit: 10).map { ($0.clientID, $0.kind) })
            #expect(kinds == [
                "0123456789abcdef0123456789abcdef": .dynamic, "fedcba9876543210fedcba9876543210": .operatorAdded,
                "notes-mcp": .operatorAdded, "0123456789ABCDEF0123456789ABCDEF": .operatorAdded,
            ])
            // Counted as used at the upgrade, so neither "never used" nor idle, though issued long ago.
            let registered = try #require(try await store.client(id: "0123456789abcdef0123456789abcdef"))
            let usedAt = try #require(registered.lastUsedAt)
            #expect(usedAt > registered.issuedAt + 90 * Self.day)
            let retention = ClientRetention(unusedTTL: Self.day, idleTTL: 90 * Self.day, protectedClientIDs: [])
            #expect(try await store.prunable(retention.cutoffs(now: usedAt + Self.day), protected: [], after: nil, limit: 10).isEmpty)
            #expect(try await store.deletePrunable(rows.map(\.id), retention.cutoffs(now: usedAt + Self.day)).isEmpty)
            #expect(try await store.list(after: nil, limit: 10).count == 4)
        }
    }
}
