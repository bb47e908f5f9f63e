import Foundation
#if canImport(Glibc)
import Glibc
#endif
import VaporCSQLite

extension SQLiteHandle {
    /// Copies this database, as one consistent snapshot, into a new file at `destination`, with SQLite's online backup
    /// API. Run on a reader connection: in WAL mode the copy reads one snapshot while the writer goes on writing, and
    /// is copied in one step, so writes during the copy cannot make it restart.
    ///
    /// The copy is written beside `destination` and renamed into place once complete and synced, so a crash never
    /// leaves a half-written file under the name an operator will restore from.
    func backup(to destination: String) throws -> Int {
        let temporary = destination + ".partial-\(getpid())"
        unlink(temporary)
        let target = try SQLiteHandle(path: temporary)
        var pages: Int32 = 0
        do {
            guard let backup = sqlite_nio_sqlite3_backup_init(target.db, "main", db, "main") else {
                throw DatabaseError("could not start the backup: \(String(cString: sqlite_nio_sqlite3_errmsg(target.db)))")
            }
            let step = sqlite_nio_sqlite3_backup_step(backup, -1)
            pages = sqlite_nio_sqlite3_backup_pagecount(backup)
            let finish = sqlite_nio_sqlite3_backup_finish(backup)
            guard step == SQLITE_DONE, finish == SQLITE_OK else {
                throw DatabaseError("the backup failed: \(String(cString: sqlite_nio_sqlite3_errmsg(target.db)))")
            }
            // The copy is a file of its own: no WAL beside it to lose.
            try target.run("PRAGMA journal_mode = DELETE", []) { _ in }
            target.close()
        } catch {
            target.close()
            unlink(temporary)
            throw error
        }
        let descriptor = open(temporary, O_RDONLY)
        if descriptor >= 0 {
            fsync(descriptor)
            Glibc.close(descriptor)
        }
        guard rename(temporary, destination) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw DatabaseError("could not move the backup to \(destination): \(reason)")
        }
        return Int(pages)
    }
}
