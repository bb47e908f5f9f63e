import ArgumentParser
import Foundation
import LatchkeyServer
import Logging

/// Flags shared by every command. Precedence: flags > `LATCHKEY_*` environment > `--config` file > defaults.
struct ConfigOptions: ParsableArguments {
    @Option(help: "JSON config file (keys as in docs/configuration.md). Env: LATCHKEY_CONFIG.")
    var config: String?

    @Option(help: "Database: a SQLite path or postgres://user:pass@host/db. Default: <data-dir>/latchkey.sqlite.")
    var database: String?

    @Option(help: "Issuer URL, exactly as clients will see it. Default: http://<host>:<port>.")
    var issuer: String?

    @Option(help: "Address to listen on. Default: 127.0.0.1.")
    var host: String?

    @Option(help: "Port to listen on. Default: 8080.")
    var port: Int?

    @Option(help: "Data directory for the SQLite database and the development key. Default: latchkey-data.")
    var dataDir: String?

    @Option(help: "File holding the base64 master key (32 bytes). Or set LATCHKEY_MASTER_KEY.")
    var masterKeyFile: String?

    @Option(help: "File holding replaced master keys still to read, one base64 key per line. Or set LATCHKEY_MASTER_KEY_PREVIOUS.")
    var masterKeyPreviousFile: String?

    @Flag(help: "Production mode: refuse to start without a master key or with an http issuer.")
    var production = false

    @Flag(help: "Development mode (loopback issuer only).")
    var dev = false

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical. Default: info.")
    var logLevel: String?

    /// Flag values by setting name, for the settings this command line can set.
    var flagValues: [String: String] {
        var values: [String: String] = [:]
        values["database"] = database
        values["issuer"] = issuer
        values["host"] = host
        values["port"] = port.map(String.init)
        values["data-dir"] = dataDir
        values["master-key-file"] = masterKeyFile
        values["master-key-previous-file"] = masterKeyPreviousFile
        values["log-level"] = logLevel
        if production { values["production"] = "true" }
        if dev { values["dev"] = "true" }
        return values
    }

    func resolve(extra: [String: String] = [:]) throws -> LatchkeyConfiguration {
        let environment = ProcessInfo.processInfo.environment
        var source = ConfigurationSource()
        if let file = config ?? environment["LATCHKEY_CONFIG"] {
            try source.addFile(at: file)
        }
        source.addEnvironment(environment)
        for (key, value) in flagValues.merging(extra, uniquingKeysWith: { $1 }) {
            source.set(key, value, origin: "--\(key)")
        }
        return try LatchkeyConfiguration(source)
    }

    func makeLogger(_ configuration: LatchkeyConfiguration) -> Logger {
        // Logs go to stderr so command output (tables, JSON) stays clean on stdout.
        var logger = Logger(label: "latchkey") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = configuration.logLevel
        return logger
    }

    /// Opens the store for an operator command, runs `body`, and closes the store whether or not `body` throws.
    func withRuntime<T>(_ body: (LatchkeyRuntime) async throws -> T) async throws -> T {
        let configuration = try resolve()
        let runtime = try await LatchkeyRuntime.open(configuration, logger: makeLogger(configuration))
        do {
            let result = try await body(runtime)
            try await runtime.shutdown()
            return result
        } catch {
            try? await runtime.shutdown()
            throw error
        }
    }
}
