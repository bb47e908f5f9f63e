import Foundation
import Logging
import SQLKit

/// Applies the numbered SQL files in `schema/` in order, recording each in `latchkey_schema_migrations`.
///
/// Each migration is written once for both engines; a line only one engine runs carries a marker (see `render`).
public struct Migrator: Sendable {
    public struct Migration: Sendable, Equatable {
        public let version: Int
        public let name: String
        public let statements: [String]
    }

    let database: LatchkeyDatabase
    public let migrations: [Migration]

    public init(database: LatchkeyDatabase) throws {
        self.database = database
        self.migrations = try Self.load(engine: database.engine)
    }

    /// Applies only `migrations`: tests build a database as an older release left it, then upgrade it.
    init(database: LatchkeyDatabase, migrations: [Migration]) {
        self.database = database
        self.migrations = migrations
    }

    /// The newest schema version this binary knows.
    public var latestVersion: Int { migrations.last?.version ?? 0 }

    /// Versions already applied to the database.
    public func appliedVersions() async throws -> [Int] {
        try await database.withSession { db in
            try await Self.createTable(db)
            return try await db.raw("SELECT version FROM latchkey_schema_migrations ORDER BY version")
                .all().map { try $0.decode(column: "version", as: Int.self) }
        }
    }

    /// Applies pending migrations; returns the versions applied (empty when up to date).
    ///
    /// Throws without changing anything when the database is newer than this binary.
    @discardableResult
    public func migrate() async throws -> [Int] {
        let migrations = self.migrations
        let latest = latestVersion
        let engine = database.engine
        try await database.enableIncrementalVacuum()
        let applied = try await database.withTransaction { db -> [Int] in
            if engine == .postgres {
                // Serializes instances that start at once; released at commit.
                try await AdvisoryLock.migrations.acquire(in: db)
            }
            try await Self.createTable(db)
            let done = Set(try await db.raw("SELECT version FROM latchkey_schema_migrations").all()
                .map { try $0.decode(column: "version", as: Int.self) })
            if let newest = done.max(), newest > latest {
                throw DatabaseError(
                    "the database is at schema version \(newest), newer than this binary's \(latest); run a newer latchkey"
                )
            }
            var applied: [Int] = []
            for migration in migrations where !done.contains(migration.version) {
                for statement in migration.statements {
                    try await db.raw(SQLQueryString(statement)).run()
                }
                try await db.raw("""
                    INSERT INTO latchkey_schema_migrations (version, name, applied_at) \
                    VALUES (\(bind: migration.version), \(bind: migration.name), \(bind: Int64(Date().timeIntervalSince1970)))
                    """).run()
                applied.append(migration.version)
            }
            return applied
        }
        for version in applied {
            database.logger.info("applied schema migration", metadata: ["version": "\(version)"])
        }
        return applied
    }

    static func createTable(_ db: any SQLDatabase) async throws {
        try await db.raw("""
            CREATE TABLE IF NOT EXISTS latchkey_schema_migrations (
                version INTEGER PRIMARY KEY NOT NULL,
                name TEXT NOT NULL,
                applied_at BIGINT NOT NULL
            )
            """).run()
    }

    /// Reads the `NNNN_name.sql` files from the bundled schema folder, as `engine` runs them.
    static func load(engine: LatchkeyDatabase.Engine) throws -> [Migration] {
        guard let folder = Bundle.module.url(forResource: "Schema", withExtension: nil) else {
            throw DatabaseError("the schema migrations are missing from the installation (latchkey_LatchkeyStore.resources)")
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".sql") }.sorted()
        return try files.map { file in
            guard let version = Int(file.prefix { $0.isNumber }), version > 0 else {
                throw DatabaseError("schema file \(file) does not start with a version number")
            }
            let text = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
            return Migration(version: version, name: String(file.dropLast(4)), statements: split(render(text, for: engine)))
        }
    }

    /// The text `engine` runs: a line `-- <engine>: SQL` (`-- sqlite: ` or `-- postgres: `) becomes `SQL` for that
    /// engine, in place and with its indentation; for the other engine it stays a comment, which `split` drops.
    /// A marker is one line, so an engine difference is spelled out where it happens, not in a dialect layer.
    static func render(_ text: String, for engine: LatchkeyDatabase.Engine) -> String {
        let marker = "-- \(engine.rawValue): "
        return text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            let indentation = line.prefix { $0 == " " || $0 == "\t" }
            let rest = line.dropFirst(indentation.count)
            guard rest.hasPrefix(marker) else { return String(line) }
            return String(indentation) + String(rest.dropFirst(marker.count))
        }.joined(separator: "\n")
    }

    /// Splits a file into statements at `;` ending a line, dropping `--` comment lines.
    static func split(_ text: String) -> [String] {
        var statements: [String] = []
        var current: [Substring] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("--") || trimmed.isEmpty { continue }
            current.append(line)
            if trimmed.hasSuffix(";") {
                statements.append(current.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines).dropLast().description)
                current = []
            }
        }
        let rest = current.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
        if !rest.isEmpty { statements.append(rest) }
        return statements
    }
}
