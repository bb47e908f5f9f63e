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

    @Test("SQLite and PostgreSQL schemas have the same migration numbers")
    func schemasMatch() throws {
        let sqlite = try Migrator.load(engine: .sqlite).map(\.version)
        let postgres = try Migrator.load(engine: .postgres).map(\.version)
        #expect(sqlite == postgres)
        #expect(sqlite == Array(1...sqlite.count))
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
