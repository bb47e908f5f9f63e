import ArgumentParser
import Foundation
import LatchkeyServer
import LatchkeyStore

struct Backup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Copy the SQLite store to a new file, consistently, while the server runs.",
        discussion: """
            Uses SQLite's online backup API: the copy is one snapshot, taken without stopping the server or holding \
            up its writes. The master key is not in the copy (nor should it be): keep it, and any previous master keys \
            still listed, in a separate place; without it the signing keys and vault tokens in the backup cannot be \
            opened. Restore by stopping Latchkey and putting the copy in place of the database file (remove the old \
            file's -wal and -shm beside it). For PostgreSQL use pg_dump; see docs/operations.md.
            """
    )

    @OptionGroup var options: ConfigOptions

    @Argument(help: "The file to write; it must not exist.")
    var path: String

    func run() async throws {
        let configuration = try options.resolve()
        let database = try LatchkeyDatabase(location: configuration.database, logger: options.makeLogger(configuration))
        do {
            let pages = try await database.backup(to: path)
            let bytes = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
            print("\(configuration.database): copied \(pages) pages (\(bytes) bytes) to \(path).")
            print("The master key is not in the copy: keep it separately.")
        } catch let error as DatabaseError {
            try? await database.shutdown()
            throw CommandFailure(error.description)
        } catch {
            try? await database.shutdown()
            throw error
        }
        try await database.shutdown()
    }
}
