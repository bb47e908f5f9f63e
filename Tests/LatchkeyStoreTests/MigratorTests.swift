import Crypto
import Foundation
@testable import LatchkeyStore
import SQLKit
import Testing

struct MigratorTests {
    @Test("applies every migration once; a second run is a no-op", arguments: TestEngine.available)
    func appliesOnce(engine: TestEngine) async throws {
        try await withTestDatabase(engine, migrate: false) { databases in
            let migrator = try Migrator(database: databases[0])
            let first = try await migrator.migrate()
            #expect(first == migrator.migrations.map(\.version))
            #expect(!first.isEmpty)
            let second = try await migrator.migrate()
            #expect(second.isEmpty)
            #expect(try await migrator.appliedVersions() == first)
        }
    }

    @Test("a database newer than the binary is refused and left unchanged", arguments: TestEngine.available)
    func refusesNewerDatabase(engine: TestEngine) async throws {
        try await withTestDatabase(engine) { databases in
            let database = databases[0]
            try await database.withSession { db in
                try await db.raw("INSERT INTO latchkey_schema_migrations (version, name, applied_at) VALUES (9999, 'future', 0)").run()
                try await db.raw("INSERT INTO clients (client_id, metadata, registration_token_hash, issued_at, updated_at) VALUES ('keep', '{}', 'h', 1, 1)").run()
            }
            let migrator = try Migrator(database: database)
            await #expect(throws: DatabaseError.self) { try await migrator.migrate() }
            let versions = try await migrator.appliedVersions()
            #expect(versions.last == 9999)
            let kept = try await database.withSession { try await $0.raw("SELECT client_id FROM clients").all().count }
            #expect(kept == 1)
        }
    }

    @Test("the audit trail migration (14) runs the same statements on both engines and seeds the chain's one row, at genesis", arguments: TestEngine.available)
    func auditTrailMigration(engine: TestEngine) async throws {
        let sqlite = try Migrator.load(engine: .sqlite).first { $0.version == 14 }
        let postgres = try Migrator.load(engine: .postgres).first { $0.version == 14 }
        #expect(sqlite?.name == "0014_audit_events")
        #expect(sqlite?.statements == postgres?.statements)
        try await withTestDatabase(engine) { databases in
            let rows = try await databases[0].withSession { try await $0.raw("SELECT head_seq, anchor_seq, anchor_tag FROM audit_chain").all() }
            #expect(rows.count == 1)
            #expect(try rows.first?.decode(column: "head_seq", as: Int64.self) == 0)
            #expect(try rows.first?.decode(column: "anchor_tag", as: String.self) == "")
            // One row only: a second chain cannot be started beside the first.
            await #expect(throws: (any Error).self) {
                try await databases[0].withSession {
                    try await $0.raw("INSERT INTO audit_chain (id, head_seq, head_mac, anchor_seq, anchor_mac, anchor_key_version, anchor_tag) VALUES (2, 0, '', 0, '', 0, '')").run()
                }
            }
        }
    }

    @Test("two instances migrating at once both succeed and apply each migration once", arguments: TestEngine.available)
    func concurrentMigrations(engine: TestEngine) async throws {
        try await withTestDatabase(engine, instances: 2, migrate: false) { databases in
            let first = try Migrator(database: databases[0])
            let second = try Migrator(database: databases[1])
            async let a = first.migrate()
            async let b = second.migrate()
            let applied = try await a + b
            #expect(applied.sorted() == first.migrations.map(\.version))
        }
    }

    @Test("migrations are numbered 1…n, each once")
    func numbered() throws {
        let versions = try Migrator.load(engine: .sqlite).map(\.version)
        #expect(versions == Array(1...versions.count))
    }

    /// SHA-256 of each shipped migration's statements as each engine runs them (each followed by ";\n"), taken from
    /// the per-engine files `sqlite/` and `postgres/` they were written in up to schema 6. One list serves both engines:
    /// those files differed only in a comment. A database that recorded a version ran exactly these statements.
    static let shipped: [String] = [
        "d9b95dc6e31f6405abe92a0ba58bdaa898bf130a8f9eee400e600c938709daf9",
        "45b6ccea73f04d1fcc2651322a14e3d0d9ab1a0ee71ed2fa6b34eff34c7352e5",
        "a962a846310416418feba2b4affa4daa7145ae9f461541ae806b1401c1feb3e7",
        "79b6279d45842d5ec8868213d37ee580109064da104e72fce8dc6a63931cb975",
        "d86adbf7f086fb1dfcce3af1ba9be6284df29e947ba01a9b15ccdfd98e68642a",
        "29e276a08735ffd9bc78c98945fc6cfd0532ec858d2da93f2a1a455cc4345170",
    ]

    @Test("every shipped migration still runs exactly the statements it always ran", arguments: [LatchkeyDatabase.Engine.sqlite, .postgres])
    func shippedUnchanged(engine: LatchkeyDatabase.Engine) throws {
        let shipped = Self.shipped
        let migrations = try Migrator.load(engine: engine)
        #expect(migrations.count >= shipped.count)
        let fingerprints = migrations.prefix(shipped.count).map { migration in
            SHA256.hash(data: Data(migration.statements.map { $0 + ";\n" }.joined().utf8)).map { String(format: "%02x", $0) }.joined()
        }
        #expect(fingerprints == shipped)
    }

    @Test("no shipped migration has an engine-specific line: both engines run the same statements")
    func shippedIdentical() throws {
        let sqlite = try Migrator.load(engine: .sqlite).prefix(Self.shipped.count)
        let postgres = try Migrator.load(engine: .postgres).prefix(Self.shipped.count)
        #expect(Array(sqlite) == Array(postgres))
    }

    @Test("a marked line runs on its engine only, in place and indented; the other engine sees a comment")
    func engineMarkers() {
        let text = """
            CREATE TABLE a (
                id TEXT NOT NULL,
                -- sqlite: n INTEGER NOT NULL
                -- postgres: n BIGINT NOT NULL
            );
            -- a comment that mentions sqlite: not a marker
            -- postgres: CREATE INDEX a_n ON a (n);
            """
        #expect(Migrator.split(Migrator.render(text, for: .sqlite)) == [
            "CREATE TABLE a (\n    id TEXT NOT NULL,\n    n INTEGER NOT NULL\n)",
        ])
        #expect(Migrator.split(Migrator.render(text, for: .postgres)) == [
            "CREATE TABLE a (\n    id TEXT NOT NULL,\n    n BIGINT NOT NULL\n)",
            "CREATE INDEX a_n ON a (n)",
        ])
    }

    @Test("splits statements at semicolons ending a line and drops comment lines")
    func splitsStatements() {
        let statements = Migrator.split("-- comment\nCREATE TABLE a (x TEXT);\n\nCREATE INDEX i ON a (x)\n  WHERE x = 'y';\n")
        #expect(statements == ["CREATE TABLE a (x TEXT)", "CREATE INDEX i ON a (x)\n  WHERE x = 'y'"])
    }

    @Test("parses database locations and masks PostgreSQL passwords")
    func locations() throws {
        #expect(try DatabaseLocation("data/x.sqlite") == .sqlite(path: "data/x.sqlite"))
        #expect(try DatabaseLocation("sqlite:///tmp/x.db") == .sqlite(path: "/tmp/x.db"))
        #expect(try DatabaseLocation("postgres://u:secret@h/db").description == "postgres://u:***@h/db")
        #expect(throws: DatabaseError.self) { try DatabaseLocation("mysql://h/db") }
        #expect(throws: DatabaseError.self) { try DatabaseLocation("sqlite:") }
    }
}
