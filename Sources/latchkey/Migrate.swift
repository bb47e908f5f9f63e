import ArgumentParser
import LatchkeyServer
import LatchkeyStore

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply pending schema migrations and exit.",
        discussion: "Safe to run repeatedly: applied migrations are recorded and skipped. `serve` also migrates at start."
    )

    @OptionGroup var options: ConfigOptions

    func run() async throws {
        let configuration = try options.resolve()
        let database = try LatchkeyDatabase(location: configuration.database, logger: options.makeLogger(configuration))
        do {
            let migrator = try Migrator(database: database)
            let applied = try await migrator.migrate()
            print(applied.isEmpty
                ? "\(configuration.database): schema is up to date (version \(migrator.latestVersion))."
                : "\(configuration.database): applied \(applied.map(String.init).joined(separator: ", ")); now at version \(migrator.latestVersion).")
        } catch {
            try? await database.shutdown()
            throw error
        }
        try await database.shutdown()
    }
}
