import Foundation
import Logging
import SQLKit

extension LatchkeyDatabase {
    /// Rows one `DELETE` removes at most: a few milliseconds of the SQLite writer, so requests queued behind a prune
    /// wait that long at worst (a single `DELETE` of half a million rows once held it for seconds).
    static let deleteBatch = 250

    /// Deletes up to `limit` rows of `table` that match `condition`, and returns how many it deleted.
    ///
    /// The rows are found on a reader connection (a scan costs the writer nothing; on SQLite WAL lets it run beside
    /// the writer), then deleted by `key` in batches of `deleteBatch`, each its own short statement with `condition`
    /// checked again, so a row that changed since the scan (a session used again) stays. Between batches the writer
    /// goes to whoever waits for it (`ConnectionLock` is first come, first served).
    func deleteInBatches(from table: String, key: String, where condition: SQLQueryString, limit: Int) async throws -> Int {
        let keys = try await withReadSession { db in
            try await db.raw(
                "SELECT " + SQLQueryString(key) + " AS k FROM " + SQLQueryString(table) + " WHERE " + condition + " LIMIT \(bind: limit)"
            ).all().map { try $0.decode(column: "k", as: String.self) }
        }
        var deleted = 0
        var start = keys.startIndex
        while start < keys.endIndex {
            let batch = Array(keys[start..<min(start + Self.deleteBatch, keys.endIndex)])
            start += batch.count
            deleted += try await withSession { db in
                try await db.raw(
                    "DELETE FROM " + SQLQueryString(table) + " WHERE " + SQLQueryString(key) + " IN (\(binds: batch)) AND (" + condition
                        + ") RETURNING " + SQLQueryString(key)
                ).all().count
            }
            await Task.yield()
        }
        return deleted
    }
}

extension LatchkeyDatabase {
    /// Pages one `incremental_vacuum` step gives back (4 KiB each): a few milliseconds of the writer.
    static let vacuumStepPages = 256

    /// Gives the pages pruning freed back to the file system and checkpoints the WAL, on SQLite; on PostgreSQL
    /// autovacuum does this. Runs in steps between which the writer serves requests, and at most `maxSteps` of them
    /// per call (the rest waits for the next).
    public func compact(maxSteps: Int = 400) async throws {
        guard engine == .sqlite else { return }
        for _ in 0..<maxSteps {
            let free = try await withSession { db in
                try await db.raw("PRAGMA freelist_count").first()?.decode(column: "freelist_count", as: Int.self) ?? 0
            }
            guard free > 0 else { break }
            let step = "PRAGMA incremental_vacuum(\(Self.vacuumStepPages))"
            try await withSession { db in try await db.raw(SQLQueryString(step)).run() }
            await Task.yield()
        }
        // PASSIVE never waits for readers: it copies what it can now, and the WAL file is cut back to
        // `journal_size_limit` when it next restarts.
        try await withSession { db in try await db.raw("PRAGMA wal_checkpoint(PASSIVE)").run() }
    }

    /// Makes a SQLite file give freed pages back (`auto_vacuum = INCREMENTAL`, which `compact` uses). The mode changes
    /// only through `VACUUM` once the file exists (switching to WAL at open already created it): instant on a new
    /// file; an existing one is rebuilt once, which needs the file to itself and as much free disk again, and takes a
    /// while on a large file (it says so in the log).
    func enableIncrementalVacuum() async throws {
        guard engine == .sqlite else { return }
        try await withSession { db in
            let mode = try await db.raw("PRAGMA auto_vacuum").first()?.decode(column: "auto_vacuum", as: Int.self) ?? 0
            guard mode != 2 else { return }
            let tables = try await db.raw("SELECT count(*) AS n FROM sqlite_master").first()?.decode(column: "n", as: Int.self) ?? 0
            try await db.raw("PRAGMA auto_vacuum = INCREMENTAL").run()
            if tables > 0 { self.logger.notice("rebuilding the SQLite file once so it can shrink after pruning (VACUUM); this takes a while on a large file", metadata: [
                "path": "\(self.location)",
            ]) }
            try await db.raw("VACUUM").run()
        }
    }
}

extension LatchkeyDatabase {
    /// Writes a consistent copy of a SQLite store to `destination` (which must not exist) while the server runs, and
    /// returns its size in pages. PostgreSQL has its own tools (`pg_dump`); this refuses it with that advice.
    public func backup(to destination: String) async throws -> Int {
        guard engine == .sqlite, let readers = readers as? SQLiteConnections else {
            throw DatabaseError("latchkey backup copies SQLite stores; back up PostgreSQL with pg_dump (see docs/operations.md)")
        }
        guard !FileManager.default.fileExists(atPath: destination) else {
            throw DatabaseError("\(destination) already exists; give a new file name")
        }
        return try await readers.withHandle { try $0.backup(to: destination) }
    }
}
