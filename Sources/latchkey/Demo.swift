import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Hummingbird
import LatchkeyCore
import LatchkeyCrypto
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
            the demo MCP server (tools whoami, read_notes, write_note, upstream_profile) on --mcp-port, as the \
            confidential client latchkey-demo-mcp (a new secret every start, kept in memory). It prints how to connect Claude \
            Desktop, Claude Code and the Python SDK. It also runs "Demo Cloud", a fake upstream OAuth provider, on \
            --upstream-port, configured as the vault's one provider (its client secret, new at every start, in a 0600 \
            file in --data-dir), so /connections can connect an account. LATCHKEY_* variables and config files are \
            ignored: the demo never touches a real deployment's settings. Ctrl-C stops all three servers.
            """
    )

    @Option(help: "Latchkey's port on 127.0.0.1.")
    var port: Int = 8080

    @Option(help: "The demo MCP server's port on 127.0.0.1.")
    var mcpPort: Int = 8081

    @Option(help: "The fake upstream provider Demo Cloud's port on 127.0.0.1.")
    var upstreamPort: Int = 8082

    @Option(help: "Serve Latchkey's Prometheus metrics at GET /metrics on this port on 127.0.0.1. Default: off.")
    var metricsPort: Int?

    @Option(help: "Where the demo keeps its SQLite database and development key.")
    var dataDir: String = "latchkey-demo-data"

    @Option(help: "Access-token lifetime in seconds (short values show refresh sooner).")
    var accessTokenLifetime: Int = 3600

    @Option(help: "Lifetime in seconds of Demo Cloud's access tokens (short values show the vault refreshing them).")
    var upstreamTokenLifetime: Int = 3600

    @Option(help: "A PEM file of CA certificates to trust when fetching (client metadata documents served with a local CA).")
    var egressCAFile: String?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "notice"

    /// Every port the demo listens on, by its flag.
    var listenPorts: [(String, Int)] {
        [("--port", port), ("--mcp-port", mcpPort), ("--upstream-port", upstreamPort)] + (metricsPort.map { [("--metrics-port", $0)] } ?? [])
    }

    func validate() throws {
        guard (2...86_400).contains(upstreamTokenLifetime) else {
            throw ValidationError("--upstream-token-lifetime must be 2–86400 seconds, got \(upstreamTokenLifetime)")
        }
        let ports = listenPorts
        for (name, value) in ports where !(1...65535).contains(value) {
            throw ValidationError("\(name) must be a port number (1–65535), got \(value)")
        }
        for (index, (name, value)) in ports.enumerated() {
            if let (other, _) = ports[..<index].first(where: { $0.1 == value }) {
                throw ValidationError("\(other) and \(name) must differ (both are \(value))")
            }
        }
    }

    func run() async throws {
        // Checked before anything is printed or opened, so a busy port is one clear line, not a bind error after
        // the instructions.
        for (flag, value) in listenPorts where !Self.loopbackPortIsFree(value) {
            throw ConfigurationError("port \(value) on 127.0.0.1 is in use (another latchkey demo?); choose another with \(flag)")
        }
        let issuer = "http://127.0.0.1:\(port)"
        var demo = try DemoConfiguration(issuer: issuer, resource: "http://127.0.0.1:\(mcpPort)/mcp", port: mcpPort)
        // The demo server is the confidential client `demoMCPClientID` (made below): its token exchanges authenticate
        // as it, and only tokens issued for its resource can be exchanged.
        let resources = try JSONEncoder().encode([
            DemoResourceEntry(uri: demo.resource, name: demo.resourceName, scopes: DemoConfiguration.scopes, client_id: Self.demoMCPClientID),
        ])
        let upstream = FakeUpstream(
            clientSecret: RandomToken.generate(bytes: 24), redirectURIs: ["\(issuer)/connections/callback"], accessTokenLifetime: upstreamTokenLifetime
        )
        let upstreamURL = "http://127.0.0.1:\(upstreamPort)"
        let providers = try Self.demoCloudProvider(
            upstream, url: upstreamURL, secretFile: try Self.writeSecretFile(upstream, dataDir: dataDir), resources: [demo.resource]
        )
        var source = ConfigurationSource()
        for (key, value) in [
            "dev": "true", "host": "127.0.0.1", "port": String(port), "issuer": issuer, "data-dir": dataDir,
            "scopes": DemoConfiguration.scopes.joined(separator: " "), "resources": String(decoding: resources, as: UTF8.self),
            "access-token-lifetime": String(accessTokenLifetime), "log-level": logLevel,
            // The vault's one provider, the fake on loopback: egress to loopback is allowed because this is not production.
            "providers": providers, "egress-allow-loopback": "true",
        ] {
            source.set(key, value, origin: "latchkey demo")
        }
        if let egressCAFile { source.set("egress-ca-file", egressCAFile, origin: "latchkey demo --egress-ca-file") }
        if let metricsPort { source.set("metrics-listen", "127.0.0.1:\(metricsPort)", origin: "latchkey demo --metrics-port") }
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
            let mcpClient = try await Self.resetDemoMCPClient(runtime)
            demo.upstreamExchange = DemoConfiguration.UpstreamExchange(
                tokenEndpoint: URL(string: issuer + "/token")!, clientID: mcpClient.clientID, clientSecret: mcpClient.clientSecret ?? "",
                provider: Self.demoCloudID, providerName: upstream.name, apiBaseURL: URL(string: upstreamURL)!
            )
            let verifier = TokenVerifier(configuration: try .init(issuer: issuer, resource: demo.resource))
            let services: [any Service] = [
                try await buildApplication(runtime: runtime),
                try buildDemoApplication(
                    configuration: demo, verifier: verifier, logger: logger,
                    channelHandlers: { demoConnections.channelHandlers() }, maxConnections: demoConnections.maxConnections
                ),
                upstream.buildApplication(port: upstreamPort, logger: logger),
            ]
            FileHandle.standardOutput.write(Data(Self.instructions(
                issuer: issuer, mcpURL: demo.resource, upstreamURL: upstreamURL, password: password
            ).utf8))
            try await runUntilStopped(services, shutdownTimeout: configuration.shutdownTimeout, logger: logger)
        } catch {
            try? await runtime.shutdown()
            throw error
        }
        try await runtime.shutdown()
    }

    static func instructions(issuer: String, mcpURL: String, upstreamURL: String, password: String) -> String {
        """

        Latchkey demo
          Authorization server  \(issuer)
          MCP server            \(mcpURL)
          Demo Cloud            \(upstreamURL)   (a fake upstream provider for the vault)
          Sign in as            demo / \(password)   (a new password every start)

        Connect a client to \(mcpURL); it discovers Latchkey, registers itself and opens a browser to sign in:
          Claude Code      claude mcp add --transport http latchkey-demo \(mcpURL)
                           then /mcp in Claude Code, choose latchkey-demo, Authenticate
          Claude Desktop   add to claude_desktop_config.json (Settings > Developer > Edit Config):
                           {"mcpServers": {"latchkey-demo": {"command": "npx", "args": ["-y", "mcp-remote", "\(mcpURL)"]}}}
          Python SDK       see interop/test_demo.py: ClientSession over streamablehttp_client with OAuthClientProvider

        Try the tool whoami, then write_note: it needs the scope demo:write, so the server answers
        403 insufficient_scope and your client asks you to approve the wider access.
        Then upstream_profile: it reads your Demo Cloud profile with a token from Latchkey's vault. Until you
        connect Demo Cloud, it answers with a link to connect (URL elicitation, or the link in a tool error);
        connect at \(issuer)/connections and call it again.
        Ctrl-C stops all three servers.

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

extension Demo {
    /// The demo MCP server's client at Latchkey, and Demo Cloud's provider id.
    static let demoMCPClientID = "latchkey-demo-mcp"
    static let demoCloudID = "demo-cloud"

    /// The demo MCP server's confidential client (`client_secret_basic`), made anew at every start like the demo
    /// user's password, so its secret lives only in this process. Token exchange needs no registered grant; the
    /// client holds `client_credentials` because a client must hold one, with the narrowest scope.
    static func resetDemoMCPClient(_ runtime: LatchkeyRuntime) async throws -> AddedClient {
        _ = try await runtime.deleteClient(id: demoMCPClientID)
        let added = try await runtime.addClient(.object([
            "client_name": .string("Latchkey demo MCP server"),
            "grant_types": .array([.string("client_credentials")]),
            "token_endpoint_auth_method": .string("client_secret_basic"),
            "scope": .string(DemoConfiguration.toolsScope),
        ]), clientID: demoMCPClientID)
        guard added.clientSecret != nil else { throw ConfigurationError("the demo MCP server's client got no secret") }
        return added
    }

    /// Writes the fake's client secret to a 0600 file in the data directory (created if needed), as an operator keeps
    /// a real provider's secret: `providers` names the file, never the secret. Returns the file's absolute path.
    static func writeSecretFile(_ upstream: FakeUpstream, dataDir: String) throws -> String {
        let directory = URL(fileURLWithPath: dataDir).standardizedFileURL
        let path = directory.appendingPathComponent("demo-cloud-client-secret").path
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try? FileManager.default.removeItem(atPath: path)
            guard FileManager.default.createFile(
                atPath: path, contents: Data(((upstream.clientSecret ?? "") + "\n").utf8), attributes: [.posixPermissions: 0o600]
            ) else {
                throw ConfigurationError("cannot create \(path)")
            }
        } catch let error as ConfigurationError {
            throw error
        } catch {
            throw ConfigurationError("cannot create \(path): \(error.localizedDescription)")
        }
        return path
    }

    /// The `providers` setting: Demo Cloud, discovered at its issuer, labelled by its userinfo `login`, its tokens
    /// exchangeable by the MCP servers in `resources` (the demo's).
    static func demoCloudProvider(_ upstream: FakeUpstream, url: String, secretFile: String, resources: [String]) throws -> String {
        let entry = DemoProviderEntry(
            id: demoCloudID, name: upstream.name, issuer: url, revocation_endpoint: url + "/revoke",
            userinfo_endpoint: url + "/userinfo", account_field: "login", client_id: upstream.clientID,
            client_secret_file: secretFile, token_endpoint_auth_method: upstream.clientAuthentication.rawValue,
            scopes: [FakeUpstream.defaultScope], resources: resources
        )
        return String(decoding: try JSONEncoder().encode([entry]), as: UTF8.self)
    }
}

/// One entry of Latchkey's `providers` setting (snake_case members, as the setting spells them).
private struct DemoProviderEntry: Encodable {
    var id: String
    var name: String
    var issuer: String
    var revocation_endpoint: String
    var userinfo_endpoint: String
    var account_field: String
    var client_id: String
    var client_secret_file: String
    var token_endpoint_auth_method: String
    var scopes: [String]
    /// The MCP servers (resource URIs) that may receive this provider's tokens by token exchange.
    var resources: [String]
}

/// One entry of Latchkey's `resources` setting.
private struct DemoResourceEntry: Encodable {
    var uri: String
    var name: String
    var scopes: [String]
    /// The confidential client this MCP server authenticates as (for token exchange).
    var client_id: String
}
