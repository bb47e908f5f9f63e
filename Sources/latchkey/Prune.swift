import ArgumentParser
import LatchkeyServer

struct Prune: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Prune now what the server prunes hourly, then shrink a SQLite file.",
        discussion: """
            Removes expired revocations, ended sessions, old codes, refresh tokens rotated before \
            refresh-token-reuse-window or past their family's end, expired connect flows and assertion ids, unusable \
            metadata documents, and unused or idle self-registered clients — in batches of 250 rows, so a running \
            server's requests wait milliseconds at most. Safe while servers run, on SQLite and PostgreSQL.
            """
    )

    @OptionGroup var options: ConfigOptions

    func run() async throws {
        let configuration = try options.resolve()
        let runtime = try await LatchkeyRuntime.open(configuration, logger: options.makeLogger(configuration))
        do {
            let pruned = try await runtime.prune()
            for (table, count) in pruned.sorted(by: { $0.key < $1.key }) {
                print("\(table): \(count)")
            }
        } catch {
            try? await runtime.shutdown()
            throw error
        }
        try await runtime.shutdown()
    }
}
