import ArgumentParser
import Foundation
import Hummingbird
import LatchkeyServer
import Logging

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the authorization server.",
        discussion: """
            With no settings: SQLite in ./latchkey-data, a development master key file (mode 0600), \
            listening on 127.0.0.1:8080 with issuer http://127.0.0.1:8080. SIGTERM or Ctrl-C stops it gracefully.
            """
    )

    @OptionGroup var options: ConfigOptions

    @Option(help: "Supported scopes, space- or comma-separated.")
    var scopes: String?

    @Option(help: "Require this initial access token (RFC 7591 §3) for POST /register.")
    var registrationInitialAccessToken: String?

    @Option(help: "Only allow https redirect URIs on these hosts (comma-separated; '.example.com' admits subdomains).")
    var registrationAllowedRedirectHosts: String?

    @Option(help: "Registrations per client IP per minute; 0 disables. Default: 60.")
    var registrationRateLimit: Int?

    @Flag(help: "Let open dynamic registration register client_credentials (machine clients whose tokens carry no user). Default: off; prefer `latchkey clients add`.")
    var registrationAllowClientCredentials = false

    @Option(help: "Client ids that may introspect any token although no resource names them (comma-separated).")
    var introspectionClients: String?

    @Option(help: "Open connections at most. Default: the descriptor limit less 128.")
    var maxConnections: Int?

    @Option(help: "Serve Prometheus metrics at GET /metrics on this address and port, a listener of its own (e.g. 127.0.0.1:9090). Default: off.")
    var metricsListen: String?

    func run() async throws {
        var extra: [String: String] = [:]
        extra["scopes"] = scopes
        extra["registration-initial-access-token"] = registrationInitialAccessToken
        extra["registration-allowed-redirect-hosts"] = registrationAllowedRedirectHosts
        extra["registration-rate-limit"] = registrationRateLimit.map(String.init)
        if registrationAllowClientCredentials { extra["registration-allow-client-credentials"] = "true" }
        extra["introspection-clients"] = introspectionClients
        extra["max-connections"] = maxConnections.map(String.init)
        extra["metrics-listen"] = metricsListen
        let configuration = try options.resolve(extra: extra)
        let logger = options.makeLogger(configuration)
        // Each connection holds a descriptor: use all the process may have, and cap connections below it.
        let descriptors = DescriptorLimit.raiseSoftLimit()
        let limits = ServerLimits(configuration.connections, descriptors: descriptors)
        let runtime = try await LatchkeyRuntime.open(configuration, logger: logger)
        logger.info("latchkey starting", metadata: [
            "descriptors": "\(descriptors.map { "\($0.soft) (hard \($0.hard))" } ?? "unknown")",
            "max-connections": "\(limits.maxConnections)",
            "issuer": "\(configuration.issuer)",
            "database": "\(configuration.database)",
            "mode": "\(configuration.production ? "production" : "development")",
            "metrics-listen": "\(configuration.metricsListen.map { "\($0)" } ?? "off")",
        ])
        if let password = try await runtime.createDemoUserIfMissing() {
            // Shown once, on the terminal of whoever started the server; the database keeps only the bcrypt hash.
            FileHandle.standardOutput.write(Data("""
                Development mode: created the user 'demo' with password \(password)
                (shown only now; change it with `latchkey users passwd demo`)

                """.utf8))
        }
        let app = try await buildApplication(runtime: runtime)
        do {
            try await runUntilStopped([app], shutdownTimeout: configuration.shutdownTimeout, logger: logger)
        } catch {
            try? await runtime.shutdown()
            throw error
        }
        try await runtime.shutdown()
    }
}
