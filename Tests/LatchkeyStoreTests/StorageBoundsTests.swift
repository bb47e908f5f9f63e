import Foundation
import LatchkeyCore
import Logging
import SQLKit
import Testing
@testable import LatchkeyStore

/// Issue 14 §3: rotated refresh tokens kept only for the reuse window, pruning in batches, a SQLite file that shrinks
/// back, and consistent online backups.
struct StorageBoundsTests {
    static func token(_ hash: String) -> RefreshTokenRecord { SQLRefreshTokenStoreTests.token(hash) }
    static func next(_ hash: String) -> @Sendable (RefreshTokenRecord) throws -> RefreshTokenRecord { SQLRefreshTokenStoreTests.next(hash) }

    @Test("a token rotated before the reuse window is deleted: presented later it is unknown, and its family lives on",
          arguments: TestEngine.available)
    func reuseWindow(engine: TestEngine) async throws {
        try await withTestDatabase(engine) { databases in
            let store = SQLRefreshTokenStore(database: databases[0])
            try await store.create(Self.token("t1"))
            _ = try await store.rotate(tokenHash: "t1", clientID: "c1", now: 200, graceSeconds: 0, makeNext: Self.next("t2"))
            _ = try await store.rotate(tokenHash: "t2", clientID: "c1", now: 300, graceSeconds: 0, makeNext: Self.next("t3"))
            // t1 was rotated at 200, t2 at 300: a window starting at 250 forgets t1 only.
            #expect(try await store.prune(now: 400, revokedBefore: 0, rotatedBefore: 250, limit: 10) == 1)
            #expect(try await store.rotate(tokenHash: "t1", clientID: "c1", now: 400, graceSeconds: 0, makeNext: Self.next("x")) == .notFound)
            guard case .rotated = try await store.rotate(tokenHash: "t3", clientID: "c1", now: 401, graceSeconds: 0, makeNext: Self.next("t4")) else {
                Issue.record("the live branch must survive a forgotten token's use")
                return
            }
            // Inside the window, reuse is still detected and revokes the family.
            #expect(try await store.rotate(tokenHash: "t2", clientID: "c1", now: 402, graceSeconds: 0, makeNext: Self.next("y")) == .reuseDetected)
            #expect(try await store.rotate(tokenHash: "t4", clientID: "c1", now: 403, graceSeconds: 0, makeNext: Self.next("z")) == .revoked)
        }
    }

    @Test("a long rotation chain keeps one live row once pruned; limits are honoured across batches", arguments: TestEngine.available)
    func chainPruned(engine: TestEngine) async throws {
        try await withTestDatabase(engine) { databases in
            let store = SQLRefreshTokenStore(database: databases[0])
            try await store.create(Self.token("r0"))
            for index in 0..<600 {
                _ = try await store.rotate(tokenHash: "r\(index)", clientID: "c1", now: 200 + Int64(index), graceSeconds: 0, makeNext: Self.next("r\(index + 1)"))
            }
            #expect(try await store.prune(now: 1000, revokedBefore: 0, rotatedBefore: 900, limit: 260) == 260)
            #expect(try await store.prune(now: 1000, revokedBefore: 0, rotatedBefore: 900, limit: 5000) == 340)
            #expect(try await store.prune(now: 1000, revokedBefore: 0, rotatedBefore: 900, limit: 5000) == 0)
            let rows = try await databases[0].withSession { db in
                try await db.raw("SELECT count(*) AS n FROM refresh_tokens").first()?.decode(column: "n", as: Int.self)
            }
            #expect(rows == 1)
            guard case .rotated = try await store.rotate(tokenHash: "r600", clientID: "c1", now: 1001, graceSeconds: 0, makeNext: Self.next("r601")) else {
                Issue.record("the live token was pruned")
                return
            }
        }
    }

    @Test("a revoked family's rows stay their day even when rotated long ago", arguments: TestEngine.available)
    func revokedKept(engine: TestEngine) async throws {
        try await withTestDatabase(engine) { databases in
            let store = SQLRefreshTokenStore(database: databases[0])
            try await store.create(Self.token("a1"))
            _ = try await store.rotate(tokenHash: "a1", clientID: "c1", now: 200, graceSeconds: 0, makeNext: Self.next("a2"))
            _ = try await store.revokeFamily(tokenHash: "a2", clientID: "c1", now: 300)
            #expect(try await store.prune(now: 400, revokedBefore: 250, rotatedBefore: 350, limit: 10) == 0)
            #expect(try await store.rotate(tokenHash: "a1", clientID: "c1", now: 400, graceSeconds: 0, makeNext: Self.next("x")) == .revoked)
            #expect(try await store.prune(now: 400, revokedBefore: 301, rotatedBefore: 350, limit: 10) == 2)
        }
    }

    @Test("SQLite gives pruned pages back: incremental vacuum on new files, and an old file converted once")
    func sqliteShrinks() async throws {
        try await withTestDatabase(.sqlite) { databases in
            let database = databases[0]
            func pragma(_ name: String) async throws -> Int {
                try await database.withSession { db in try await db.raw(SQLQueryString("PRAGMA \(name)")).first()?.decode(column: name, as: Int.self) ?? -1 }
            }
            #expect(try await pragma("auto_vacuum") == 2)
            let store = SQLAuthorizationCodeStore(database: database)
            let filler = String(repeating: "x", count: 2000)
            try await database.withTransaction { db in
                for index in 0..<3000 {
                    try await db.raw("""
                        INSERT INTO revoked_access_tokens (token_id, expires_at, revoked_at) VALUES (\(bind: "\(index)-\(filler)"), 100, 1)
                        """).run()
                }
            }
            let grown = try await pragma("page_count")
            #expect(try await SQLRevokedTokenStore(database: database).prune(now: 200, limit: 5000) == 3000)
            #expect(try await pragma("freelist_count") > 0)
            try await database.compact()
            #expect(try await pragma("freelist_count") == 0)
            #expect(try await pragma("page_count") < grown / 2)
            _ = store
        }
        // A file made before incremental vacuum: converted when migrated.
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("latchkey-vacuum-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("old.sqlite").path
        let old = try LatchkeyDatabase(location: .sqlite(path: path), logger: Logger(label: "test"))
        try await old.withSession { db in try await db.raw("CREATE TABLE legacy (x TEXT)").run() }
        #expect(try await old.withSession { try await $0.raw("PRAGMA auto_vacuum").first()?.decode(column: "auto_vacuum", as: Int.self) } == 0)
        try await Migrator(database: old).migrate()
        #expect(try await old.withSession { try await $0.raw("PRAGMA auto_vacuum").first()?.decode(column: "auto_vacuum", as: Int.self) } == 2)
        try await old.shutdown()
    }

    @Test("a backup is a consistent, openable copy; it never overwrites, and PostgreSQL is referred to pg_dump")
    func backup() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("latchkey-backup-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let copy = directory.appendingPathComponent("copy.sqlite").path
        try await withTestDatabase(.sqlite) { databases in
            let store = SQLRefreshTokenStore(database: databases[0])
            try await store.create(Self.token("kept"))
            #expect(try await databases[0].backup(to: copy) > 0)
            await #expect(throws: DatabaseError.self) { try await databases[0].backup(to: copy) }
        }
        #expect(!FileManager.default.fileExists(atPath: copy + "-wal"))
        let restored = try LatchkeyDatabase(location: .sqlite(path: copy), logger: Logger(label: "test"))
        let rows = try await restored.withSession { db in
            try await db.raw("SELECT token_hash FROM refresh_tokens").all().map { try $0.decode(column: "token_hash", as: String.self) }
        }
        #expect(rows == ["kept"])
        try await restored.shutdown()
        if TestEngine.available.contains(.postgres) {
            try await withTestDatabase(.postgres) { databases in
                await #expect(throws: DatabaseError.self) { try await databases[0].backup(to: directory.appendingPathComponent("pg").path) }
            }
        }
    }

    @Test("an unreachable PostgreSQL is DatabaseUnavailable, logged once when it starts")
    func unreachable() async throws {
        let recorder = LinesRecorder()
        let logger = Logger(label: "test") { _ in recorder }
        // Nothing listens on port 1.
        let database = try LatchkeyDatabase(location: .postgres(url: "postgres://u:p@127.0.0.1:1/db"), logger: logger)
        for _ in 0..<3 {
            await #expect(throws: DatabaseUnavailable.self) { try await database.withSession { try await $0.raw("SELECT 1").run() } }
        }
        #expect(recorder.lines.filter { $0.contains("database unreachable") }.count == 1)
        try? await database.shutdown()
    }

    @Test("outage transitions are logged once each")
    func healthTransitions() {
        let recorder = LinesRecorder()
        let health = DatabaseHealth(logger: Logger(label: "test") { _ in recorder })
        health.succeeded()
        for _ in 0..<50 { health.failed(DatabaseUnavailable(reason: "refused")) }
        health.succeeded()
        health.succeeded()
        health.failed(DatabaseUnavailable(reason: "refused"))
        #expect(recorder.lines.count == 3)
        #expect(recorder.lines[1].contains("reachable again") && recorder.lines[1].contains("failed_operations=50"))
    }
}

/// Log lines with their metadata, for checking what a store logs.
final class LinesRecorder: LogHandler, @unchecked Sendable {
    // Invariant for @unchecked: `storage` is only touched under `lock`.
    private let lock = NSLock()
    private var storage: [String] = []
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    var lines: [String] { lock.withLock { storage } }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let fields = (event.metadata ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        lock.withLock { storage.append("\(event.message) \(fields)") }
    }
}
