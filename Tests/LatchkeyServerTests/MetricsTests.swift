import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LatchkeyCore
@testable import LatchkeyServer
import LatchkeyTestSupport
import Logging
import LatchkeyStore
import NIOCore
import SQLKit
import Testing

/// Prometheus metrics (`metrics-listen`): what is counted, with which labels, and where it is served. Each test's
/// runtime has a registry of its own, so counts are exact however many tests run at once.
struct MetricsTests {
    /// Metrics on; port 0 lets the listener take any free port while the test runs.
    static let settings = CodeGrantTests.settings.merging(["metrics-listen": "127.0.0.1:0"]) { $1 }

    /// The value of the sample `name{labels}` in `text`, or nil when there is no such series. Every label given must
    /// match; the series may carry others.
    static func sample(_ text: String, _ name: String, _ labels: [String: String] = [:]) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix(name + "{") || line.hasPrefix(name + " ") {
            guard let space = line.lastIndex(of: " ") else { continue }
            let series = line[..<space]
            let matches = labels.allSatisfy { series.contains("\($0.key)=\"\($0.value)\"") }
            if matches { return Double(line[line.index(after: space)...]) }
        }
        return nil
    }

    @Test("a request is counted and timed under its route template, method and status")
    func requestByRoute() async throws {
        let app = TestApp(Self.settings)
        defer { app.removeFiles() }
        try await app.test { (client, runtime) async throws in
            #expect(try await client.execute(uri: "/.well-known/oauth-authorization-server", method: .get).status == .ok)
            let clientID = "raw-client-id-\(UUID().uuidString)"
            #expect(try await client.execute(uri: "/register/\(clientID)", method: .get).status == .unauthorized)

            let text = runtime.metrics.exposition()
            let discovery = ["method": "GET", "route": "/.well-known/oauth-authorization-server", "status": "200"]
            #expect(Self.sample(text, "latchkey_http_requests_total", discovery) == 1)
            #expect(Self.sample(text, "latchkey_http_request_duration_seconds_count", discovery) == 1)
            #expect(Self.sample(text, "latchkey_http_request_duration_seconds_bucket", discovery.merging(["le": "10.0"]) { $1 }) == 1)
            // The management route counts under its template; the id the client sent is in no label.
            #expect(Self.sample(text, "latchkey_http_requests_total", ["route": "/register/{client_id}", "status": "401"]) == 1)
            #expect(!text.contains(clientID))
            // Every store operation reports its wait for a connection (opening the runtime ran several).
            #expect((Self.sample(text, "latchkey_database_pool_wait_seconds_count", ["engine": "sqlite"]) ?? 0) >= 1)
        }
    }

    @Test("paths no route matches, and unknown methods, add no label values")
    func unmatchedPaths() async throws {
        let app = TestApp(Self.settings)
        defer { app.removeFiles() }
        try await app.test { (client, runtime) async throws in
            let probes = (0..<3).map { "/probe-\($0)-\(UUID().uuidString)" }
            for path in probes {
                #expect(try await client.execute(uri: path, method: .get).status == .notFound)
            }
            let custom = try #require(HTTPRequest.Method("SURPRISE"))
            _ = try await client.execute(uri: "/token", method: custom)

            let text = runtime.metrics.exposition()
            #expect(Self.sample(text, "latchkey_http_requests_total", ["method": "GET", "route": "unmatched", "status": "404"]) == 3)
            #expect(Self.sample(text, "latchkey_http_requests_total", ["method": "other"]) == 1)
            // Every series of the request counter: the probes made none of their own.
            let series = text.split(separator: "\n").filter { $0.hasPrefix("latchkey_http_requests_total{") }
            #expect(series.count == 2, "\(series)")
            #expect(!text.contains("SURPRISE"))
            for path in probes { #expect(!text.contains(path)) }
        }
    }

    @Test("an issued token counts under its grant; a refused grant counts nothing")
    func tokensByGrant() async throws {
        let app = TestApp(Self.settings)
        defer { app.removeFiles() }
        try await app.test { (client, runtime) async throws in
            let worker = try await OAuthTest.registerWorker(client)
            #expect(try await OAuthTest.post(client, "/token", "grant_type=client_credentials", authorization: worker.basic).status == .ok)
            #expect(try await OAuthTest.post(client, "/token", "grant_type=client_credentials&scope=nope", authorization: worker.basic).status == .badRequest)

            let setup = try await CodeGrantTests.setup(client, runtime)
            #expect(try await CodeGrantTests.exchange(client, setup).status == .ok)

            let text = runtime.metrics.exposition()
            #expect(Self.sample(text, "latchkey_tokens_issued_total", ["grant": "client_credentials"]) == 1)
            #expect(Self.sample(text, "latchkey_tokens_issued_total", ["grant": "authorization_code"]) == 1)
            #expect(Self.sample(text, "latchkey_tokens_issued_total", ["grant": "refresh_token"]) == 0)
            #expect(Self.sample(text, "latchkey_security_events_total", ["event": "client.registered"]) == 2)
        }
    }

    @Test("a replayed code and a reused refresh token count as security events")
    func replayAndReuse() async throws {
        let app = TestApp(Self.settings)
        defer { app.removeFiles() }
        try await app.test { (client, runtime) async throws in
            let setup = try await CodeGrantTests.setup(client, runtime)
            #expect(try await CodeGrantTests.exchange(client, setup).status == .ok)
            #expect(try await CodeGrantTests.exchange(client, setup).status == .badRequest)
            let events = "latchkey_security_events_total"
            #expect(Self.sample(runtime.metrics.exposition(), events, ["event": "oauth.code.replayed"]) == 1)
            #expect(Self.sample(runtime.metrics.exposition(), events, ["event": "oauth.refresh.reused"]) == nil)

            // Another family: rotate, the one forgiven duplicate, then reuse.
            let other = try await CodeGrantTests.setup(client, runtime)
            let token = try #require(try await CodeGrantTests.exchange(client, other).json["refresh_token"] as? String)
            #expect(try await CodeGrantTests.refresh(client, other, token).status == .ok)
            #expect(try await CodeGrantTests.refresh(client, other, token).status == .ok)
            #expect(try await CodeGrantTests.refresh(client, other, token).status == .badRequest)

            let text = runtime.metrics.exposition()
            #expect(Self.sample(text, events, ["event": "oauth.refresh.grace_duplicate"]) == 1)
            #expect(Self.sample(text, events, ["event": "oauth.refresh.reused"]) == 1)
            #expect(Self.sample(text, "latchkey_tokens_issued_total", ["grant": "refresh_token"]) == 2)
        }
    }

    @Test("a client id URL on a private address is refused by egress, counted by reason, its host in no label")
    func egressRefusal() async throws {
        let app = TestApp(Self.settings)
        defer { app.removeFiles() }
        try await app.test { (client, runtime) async throws in
            let clientID = "https://10.9.8.7/client.json"
            let query = "response_type=code&client_id=\(clientID.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)"
                + "&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb&code_challenge=\(String(repeating: "a", count: 43))&code_challenge_method=S256"
            _ = try await client.execute(uri: "/authorize?\(query)", method: .get)
            let text = runtime.metrics.exposition()
            #expect(Self.sample(text, "latchkey_egress_refusals_total", ["purpose": "client_metadata", "reason": "private_network"]) == 1)
            #expect(!text.contains("10.9.8.7"))
        }
    }

    @Test("a failed statement counts as a database error; each borrowed connection records its wait, by pool")
    func databaseMetrics() async throws {
        let metrics = LatchkeyMetrics.prometheus()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("latchkey-metrics-test-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = try LatchkeyDatabase(
            location: .sqlite(path: directory.appendingPathComponent("latchkey.sqlite").path), logger: Logger(label: "test"), metrics: metrics.factory
        )
        await #expect(throws: (any Error).self) {
            try await database.withSession { try await $0.raw("SELECT * FROM no_such_table").run() }
        }
        try await database.withReadSession { try await $0.raw("SELECT 1").run() }
        try await database.shutdown()

        let text = metrics.exposition()
        #expect(Self.sample(text, "latchkey_database_errors_total", ["engine": "sqlite", "pool": "writer", "kind": "operation"]) == 1)
        #expect(Self.sample(text, "latchkey_database_errors_total", ["pool": "readers", "kind": "operation"]) == 0)
        #expect(Self.sample(text, "latchkey_database_errors_total", ["pool": "writer", "kind": "connection"]) == 0)
        #expect(Self.sample(text, "latchkey_database_pool_wait_seconds_count", ["engine": "sqlite", "pool": "writer"]) == 1)
        #expect(Self.sample(text, "latchkey_database_pool_wait_seconds_count", ["engine": "sqlite", "pool": "readers"]) == 1)
    }

    @Test("the metrics listener serves GET /metrics in the text format, and nothing else")
    func listenerServesMetrics() async throws {
        let metrics = LatchkeyMetrics.prometheus()
        let address = try #require(MetricsListenAddress("127.0.0.1:0"))
        let app = buildMetricsApplication(metrics: metrics, address: address, logger: Logger(label: "test"))
        try await app.test(.live) { (client) async throws in
            let empty = try await client.execute(uri: "/metrics", method: .get)
            #expect(empty.status == .ok)
            #expect(empty.headers[.contentType] == "text/plain; version=0.0.4; charset=utf-8")
            metrics.cache("client").hit()
            let response = try await client.execute(uri: "/metrics", method: .get)
            #expect(Self.sample(String(buffer: response.body), "latchkey_cache_hits_total", ["cache": "client"]) == 1)
            #expect(try await client.execute(uri: "/", method: .get).status == .notFound)
            #expect(try await client.execute(uri: "/token", method: .get).status == .notFound)
        }
    }

    @Test("the public listener has no /metrics, with metrics on or off")
    func publicListenerHasNoMetrics() async throws {
        for settings in [Self.settings, CodeGrantTests.settings] {
            let app = TestApp(settings)
            defer { app.removeFiles() }
            try await app.testLive { (client, runtime) async throws in
                #expect(try await client.execute(uri: "/metrics", method: .get).status == .notFound)
                #expect((runtime.metrics.registry != nil) == (settings["metrics-listen"] != nil))
            }
        }
    }

    @Test("without metrics-listen nothing is recorded")
    func offByDefault() async throws {
        let app = TestApp(CodeGrantTests.settings)
        defer { app.removeFiles() }
        try await app.test { (client, runtime) async throws in
            #expect(try await client.execute(uri: "/.well-known/oauth-authorization-server", method: .get).status == .ok)
            #expect(runtime.metrics.registry == nil)
            #expect(runtime.metrics.exposition().isEmpty)
            #expect(try app.configuration().metricsListen == nil)
        }
    }

    static let goodAddresses: [(String, String, Int, Bool)] = [
        ("127.0.0.1:9090", "127.0.0.1", 9090, true),
        ("[::1]:9090", "::1", 9090, true),
        ("localhost:9100", "localhost", 9100, true),
        ("0.0.0.0:9090", "0.0.0.0", 9090, false),
        ("10.1.2.3:9090", "10.1.2.3", 9090, false),
        ("[fd00::1]:9090", "fd00::1", 9090, false),
    ]

    @Test("metrics-listen takes an IP address and a port", arguments: goodAddresses)
    func listenAddresses(text: String, host: String, port: Int, loopback: Bool) throws {
        var source = ConfigurationSource()
        source.set("metrics-listen", text, origin: "test")
        let address = try #require(try LatchkeyConfiguration(source).metricsListen)
        #expect(address.host == host && address.port == port && address.isLoopback == loopback)
    }

    @Test(
        "a metrics-listen that is not an address and port is refused, saying what to write",
        arguments: ["9090", "127.0.0.1", "127.0.0.1:", "127.0.0.1:70000", "127.0.0.1:90a", "127.0.0.1:+90", "::1:9090", "[127.0.0.1]:9090",
                    "metrics.example.com:9090", "http://127.0.0.1:9090", "127.1:9090"]
    )
    func badListenAddresses(text: String) {
        var source = ConfigurationSource()
        source.set("metrics-listen", text, origin: "test")
        #expect {
            try LatchkeyConfiguration(source)
        } throws: { error in
            let description = "\(error)"
            return description.contains("metrics-listen") && description.contains("127.0.0.1:9090") && description.contains(text)
        }
    }
}
