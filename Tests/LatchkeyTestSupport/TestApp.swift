public import Foundation
public import Hummingbird
public import HummingbirdTesting
public import LatchkeyCore
public import LatchkeyServer
import Synchronization
import Logging
import NIOFoundationEssentialsCompat

/// A Latchkey on a fresh temporary SQLite store, configured by `settings` (setting name → value).
public struct TestApp: Sendable {
    public let directory: URL
    public var settings: [String: String]
    /// When set, the server logs here (at `notice` and above) instead of to the console.
    public var logs: LogRecorder?
    /// The runtime's clock; a `TestClock` lets a test move time forward.
    public var clock: UnixClock = .system

    public init(_ settings: [String: String] = [:], directory: URL? = nil) {
        self.directory = directory ?? FileManager.default.temporaryDirectory.appendingPathComponent("latchkey-server-test-\(UUID().uuidString)")
        var defaults = [
            "data-dir": self.directory.path,
            "registration-rate-limit": "0",
            // Most tests register machine clients by DCR for brevity; RegistrationTests checks the default (off).
            "registration-allow-client-credentials": "true",
            // The client `TokenEndpointTests.introspector` adds.
            "introspection-clients": "introspector",
            "log-level": "warning",
            // Test servers stop at once, as before the drain window: a second of drain per stopped server adds up over
            // hundreds of tests, and widens a Hummingbird race (a connection accepted as a server stops) that once
            // crashed the test process. DrainTests and QuiesceDelayTests test the window itself.
            "shutdown-drain-window": "0",
        ]
        defaults.merge(settings) { $1 }
        self.settings = defaults
    }

    public func configuration() throws -> LatchkeyConfiguration {
        var source = ConfigurationSource()
        for (key, value) in settings { source.set(key, value, origin: "test") }
        return try LatchkeyConfiguration(source)
    }

    /// Opens the runtime, runs `body` against the router in-process, and closes the store.
    public func test<R: Sendable>(_ body: @escaping @Sendable (any TestClientProtocol, LatchkeyRuntime) async throws -> R) async throws -> R {
        try await run(.router, body)
    }

    /// Like `test`, but over a real server on a free loopback port (`client.port`), for what only sockets show.
    public func testLive<R: Sendable>(_ body: @escaping @Sendable (any TestClientProtocol, LatchkeyRuntime) async throws -> R) async throws -> R {
        var live = self
        live.settings["port"] = "0"
        live.settings["issuer"] = live.settings["issuer"] ?? "http://127.0.0.1:8080"
        return try await live.run(.live, body)
    }

    private func run<R: Sendable>(
        _ mode: TestingSetup, _ body: @escaping @Sendable (any TestClientProtocol, LatchkeyRuntime) async throws -> R
    ) async throws -> R {
        var logger: Logger
        if let logs {
            logger = Logger(label: "test") { _ in logs.handler }
        } else {
            logger = Logger(label: "test")
            logger.logLevel = .warning
        }
        let runtime = try await LatchkeyRuntime.open(try configuration(), logger: logger, clock: clock)
        do {
            let app = try await buildApplication(runtime: runtime)
            let result = try await app.test(mode) { client in try await body(client, runtime) }
            try await runtime.shutdown()
            return result
        } catch {
            try? await runtime.shutdown()
            throw error
        }
    }

    public func removeFiles() {
        try? FileManager.default.removeItem(at: directory)
    }
}

extension TestResponse {
    public var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any]) ?? [:]
    }

    public var text: String { String(buffer: body) }
}

extension TestClientProtocol {
    /// `POST /register` with a JSON string body.
    public func register(_ json: String, path: String = "/register", headers: HTTPFields = [:]) async throws -> TestResponse {
        var fields: HTTPFields = [.contentType: "application/json"]
        fields.append(contentsOf: headers)
        return try await execute(uri: path, method: .post, headers: fields, body: ByteBuffer(string: json))
    }
}

/// Wall-clock time plus an offset a test moves forward (expiry without waiting).
public final class TestClock: Sendable {
    let offset = Mutex<Int64>(0)

    public init() {}

    public var unix: UnixClock {
        UnixClock { [self] in Int64(Date().timeIntervalSince1970) + self.offset.withLock { $0 } }
    }

    public func advance(_ seconds: Int64) {
        offset.withLock { $0 += seconds }
    }
}
