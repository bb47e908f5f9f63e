import Foundation
import LatchkeyStore
import Logging
import SQLKit

/// The engines a store test runs on: SQLite always, PostgreSQL when `LATCHKEY_TEST_POSTGRES_URL` is set.
enum TestEngine: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgres

    static var available: [TestEngine] {
        ProcessInfo.processInfo.environment["LATCHKEY_TEST_POSTGRES_URL"] == nil ? [.sqlite] : [.sqlite, .postgres]
    }

    var testDescription: String { rawValue }
}

import Testing

/// Serializes PostgreSQL tests: they share one database and reset its tables.
actor PostgresGate {
    static let shared = PostgresGate()
    private var busy = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func acquire() async {
        if !busy {
            busy = true
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    func release() {
        if waiters.isEmpty {
            busy = false
        } else {
            waiters.removeFirst().resume()
        }
    }
}

/// A fresh, migrated-or-empty database for one test, opened as `instances` independent handles
/// (as if several Latchkey instances shared it).
func withTestDatabase<R: Sendable>(
    _ engine: TestEngine,
    instances: Int = 1,
    migrate: Bool = true,
    _ body: ([LatchkeyDatabase]) async throws -> R
) async throws -> R {
    var logger = Logger(label: "test")
    logger.logLevel = .warning
    let location: DatabaseLocation
    var directory: URL?
    switch engine {
    case .sqlite:
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("latchkey-test-\(UUID().uuidString)")
        directory = dir
        location = .sqlite(path: dir.appendingPathComponent("test.sqlite").path)
    case .postgres:
        location = .postgres(url: ProcessInfo.processInfo.environment["LATCHKEY_TEST_POSTGRES_URL"]!)
        await PostgresGate.shared.acquire()
    }
    defer {
        if let directory { try? FileManager.default.removeItem(at: directory) }
    }
    var databases: [LatchkeyDatabase] = []
    do {
        for _ in 0..<instances {
            databases.append(try LatchkeyDatabase(location: location, logger: logger))
        }
        if engine == .postgres {
            try await databases[0].withSession { db in
                // Every table, present and future: the test user owns the database and its public schema.
                try await db.raw("DROP SCHEMA public CASCADE").run()
                try await db.raw("CREATE SCHEMA public").run()
            }
        }
        if migrate { try await Migrator(database: databases[0]).migrate() }
        let result = try await body(databases)
        for database in databases { try await database.shutdown() }
        if engine == .postgres { await PostgresGate.shared.release() }
        return result
    } catch {
        for database in databases { try? await database.shutdown() }
        if engine == .postgres { await PostgresGate.shared.release() }
        throw error
    }
}
