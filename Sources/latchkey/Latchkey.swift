import ArgumentParser
import LatchkeyServer

@main
struct Latchkey: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "latchkey",
        abstract: "An OAuth 2.1 authorization server for MCP clients.",
        discussion: """
            Run `latchkey serve` to start on http://127.0.0.1:8080 with a SQLite database in ./latchkey-data, or \
            `latchkey demo` to try it with a real MCP client against a protected demo MCP server.
            Settings come from flags, then LATCHKEY_* environment variables, then --config; see docs/configuration.md.
            """,
        subcommands: [Serve.self, Demo.self, Migrate.self, Backup.self, Prune.self, Users.self, Clients.self, Keys.self, MasterKeys.self, Providers.self, Audit.self],
        defaultSubcommand: nil
    )
}
