import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Hummingbird
import LatchkeyDemo
import LatchkeyResource
import LatchkeyServer
import Logging
import ServiceLifecycle
import UnixSignals

struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run Latchkey and a protected demo MCP server together, on loopback, for trying real MCP clients.",
        discussion: """
            Starts Latchkey in development mode (SQLite in --data-dir, a generated development master key, the user \
            'demo' with a new password printed at every start) with the demo server as its one protected resource, and \
            the demo MCP server (tools whoami, read_notes, write_note) on --mcp-port. It prints how to connect Claude \
            Desktop, Claude Code and the Python SDK. LATCHKEY_* variables and config files are ignored: the demo never \
            touches a real deployment's settings. Ctrl-C stops both servers.
            """
    )

    @Option(help: "Latchkey's port on 127.0.0.1.")
    var port: Int = 8080

    @Option(help: "The demo MCP server's port on 127.0.0.1.")
    var mcpPort: Int = 8081

    @Option(help: "Where the demo keeps its SQLite database and development key.")
    var dataDir: String = "latchkey-demo-data"

    @Option(help: "Access-token lifetime in seconds (short values show refresh sooner).")
    var accessTokenLifetime: Int = 3600

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "notice"

    func validate() throws {
        for (name, value) in [("--port", port), ("--mcp-port", mcpPort)] where !(1...65535).contains(value) {
            throw ValidationError("\(name) must be a port number (1–65535), got \(value)")
        }
        guard port != mcpPort else { throw ValidationError("--port and --mcp-port must differ (both are \(port))") }
    }

    func run() async throws {
        // Checked before anything is printed or opened, so a busy port is one clear line, not a bind error after
        // the instructions.
        for (flag, value) in [("--port", port), ("--mcp-port", mcpPort)] where !Self.loopbackPortIsFree(value) {
            throw ConfigurationError("port \(value) on 127.0.0.1 is in use (another latchkey demo?); choose another with \(flag)")
        }
        let issuer = "http://127.0.0.1:\(port)"
        let demo = try DemoConfiguration(issuer: issuer, resource: "http://127.0.0.1:\(mcpPort)/mcp", port: mcpPort)
        let resources = try JSONEncoder().encode([DemoResourceEntry(uri: demo.resource, name: demo.resourceName, scopes: DemoConfiguration.scopes)])
        var source = ConfigurationSource()
        for (key, value) in [
            "dev": "true", "host": "127.0.0.1", "port": String(port), "issuer": issuer, "data-dir": dataDir,
            "scopes": DemoConfiguration.scopes.joined(separator: " "), "resources": String(decoding: resources, as: UTF8.self),
            "access-token-lifetime": String(accessTokenLifetime), "log-level": logLevel,
        ] {
            source.set(key, value, origin: "latchkey demo")
        }
        let configuration = try LatchkeyConfiguration(source)
        var logger = Logger(label: "latchkey") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = configuration.logLevel
        // Both servers share the process's descriptors: each gets half of Latchkey's connection budget.
        let descriptors = DescriptorLimit.raiseSoftLimit()
        let demoConnections = ConnectionGuard(ServerLimits(configuration.connections, descriptors: descriptors.map { limit in
            DescriptorLimit(soft: limit.soft / 2, hard: limit.hard)
        }))
        let runtime = try await LatchkeyRuntime.open(configuration, logger: logger)
        do {
            let password = try await runtime.resetDemoUserPassword()
            let verifier = TokenVerifier(configuration: try .init(issuer: issuer, resource: demo.resource))
            let services: [any Service] = [
                try await buildApplication(runtime: runtime),
                try buildDemoApplication(
                    configuration: demo, verifier: verifier, logger: logger,
                    channelHandlers: { demoConnections.channelHandlers() }, maxConnections: demoConnections.maxConnections
                ),
            ]
            FileHandle.standardOutput.write(Data(Self.instructions(issuer: issuer, mcpURL: demo.resource, password: password).utf8))
            let group = ServiceGroup(configuration: .init(
                services: services.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) },
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            ))
            try await group.run()
        } catch {
            try? await runtime.shutdown()
            throw error
        }
        try await runtime.shutdown()
    }

    static func instructions(issuer: String, mcpURL: String, password: String) -> String {
        """

        Latchkey demo
          Authorization server  \(issuer)
          MCP server            \(mcpURL)
          Sign in as            demo / \(password)   (a new password every start)

        Connect a client to \(mcpURL); it discovers Latchkey, registers itself and opens a browser to sign in:
          Claude Code      claude mcp add --transport http latchkey-demo \(mcpURL)
                           then /mcp in Claude Code, choose latchkey-demo, Authenticate
          Claude Desktop   add to claude_desktop_config.json (Settings > Developer > Edit Config):
                           {"mcpServers": {"latchkey-demo": {"command": "npx", "args": ["-y", "mcp-remote", "\(mcpURL)"]}}}
          Python SDK       see interop/test_demo.py: ClientSession over streamablehttp_client with OAuthClientProvider

        Try the tool whoami, then write_note: it needs the scope demo:write, so the server answers
        403 insufficient_scope and your client asks you to approve the wider access.
        Ctrl-C stops both servers.

        """
    }
}

extension Demo {
    /// Whether a TCP listener could bind 127.0.0.1:`port` now.
    static func loopbackPortIsFree(_ port: Int) -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return true }
        defer { close(descriptor) }
        var reuse: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr = in_addr(s_addr: inet_addr("127.0.0.1"))
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }
}

/// One entry of Latchkey's `resources` setting.
private struct DemoResourceEntry: Encodable {
    var uri: String
    var name: String
    var scopes: [String]
}
