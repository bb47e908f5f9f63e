import Foundation
import Hummingbird
import HummingbirdTesting
import LatchkeyServer
import LatchkeyTestSupport
import Testing

/// What only real sockets show: connections that stall are closed, and error answers give their descriptors back
/// (DESIGN §8). Deadlines are set to a second or two here; nothing asserts on elapsed time.
@Suite(.serialized)
struct ConnectionTests {
    static let settings = ["header-timeout": "1", "body-timeout": "2", "idle-timeout": "2"]

    @Test("a half-sent request head, a body that stops, and an idle keep-alive connection are each closed")
    func stalledConnections() async throws {
        let app = TestApp(Self.settings)
        defer { app.removeFiles() }
        try await app.testLive { client, _ in
            let port = try #require(client.port)
            // Headers that never end.
            let head = try RawConnection(port: port)
            head.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            #expect(head.readUntilClosed().closed, "a half-sent head must be closed after header-timeout")
            // A body that stops halfway.
            let body = try RawConnection(port: port)
            body.send("POST /token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\ngrant_type=")
            #expect(body.readUntilClosed().closed, "a half-sent body must be closed after body-timeout")
            // One answered request, then silence.
            let idle = try RawConnection(port: port)
            idle.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            let answer = idle.readUntilClosed()
            #expect(answer.text.hasPrefix("HTTP/1.1 200"))
            #expect(answer.closed, "an idle keep-alive connection must be closed after idle-timeout")
            // The server still answers (on a new connection: the test client's own idled out meanwhile, as it should).
            let fresh = try RawConnection(port: port)
            fresh.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            let health = fresh.readUntilClosed()
            #expect(health.text.hasPrefix("HTTP/1.1 200") && health.closed)
        }
    }

    @Test("413s with Connection: close give every descriptor back, though the bodies were never read")
    func closeAfterRefusal() async throws {
        let app = TestApp(Self.settings)
        defer { app.removeFiles() }
        try await app.testLive { client, _ in
            let port = try #require(client.port)
            #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
            let baseline = RawConnection.openDescriptors()
            let chunk = String(repeating: "x", count: 32 * 1024)
            // The clients stay connected and silent, as in the adversarial test (the server's sockets sat in
            // FIN-WAIT-2): only the server can give its descriptors back.
            var clients: [RawConnection] = []
            for _ in 0..<20 {
                let connection = try RawConnection(port: port)
                clients.append(connection)
                connection.send("POST /register HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: 1048576\r\n\r\n")
                connection.send(chunk)
                #expect(connection.read(until: "\r\n\r\n").hasPrefix("HTTP/1.1 413"))
            }
            // The server's ends close within the linger; poll rather than time it. What stays open is the clients' ends.
            var open = RawConnection.openDescriptors()
            for _ in 0..<100 where open > baseline + clients.count {
                try await Task.sleep(for: .milliseconds(100))
                open = RawConnection.openDescriptors()
            }
            #expect(open <= baseline + clients.count, "descriptors: \(baseline) before, \(open) with \(clients.count) clients still connected")
            #expect(clients.allSatisfy { $0.readUntilClosed().closed })
        }
    }

    @Test("an unknown Transfer-Encoding is refused as such (400 or 501), not as too large")
    func unknownTransferEncoding() async throws {
        let app = TestApp(Self.settings)
        defer { app.removeFiles() }
        try await app.testLive { client, _ in
            let port = try #require(client.port)
            let connection = try RawConnection(port: port)
            connection.send("POST /token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: gzip\r\n\r\ngrant_type=x")
            let answer = connection.read(until: "\r\n\r\n")
            #expect(answer.hasPrefix("HTTP/1.1 400") || answer.hasPrefix("HTTP/1.1 501"), "\(answer.prefix(40))")
        }
        try await app.test { client, _ in
            let response = try await client.execute(
                uri: "/token", method: .post, headers: [.contentType: "application/x-www-form-urlencoded", .transferEncoding: "gzip"],
                body: ByteBuffer(string: "grant_type=client_credentials")
            )
            #expect(response.status == .notImplemented)
            #expect(response.json["error"] as? String == "invalid_request")
        }
    }

    @Test("under a flood of silent connections at the cap, a new request is still answered at once")
    func flood() async throws {
        // A long header deadline, so only pushing out the longest-waiting connections can make room. Hummingbird's
        // live harness drops the connection cap (ApplicationConfiguration.with(address:) in 2.28.1 does not carry
        // availableConnectionsDelegate), so the probe alone would pass without eviction; the last check would not.
        let app = TestApp(["header-timeout": "60", "max-connections": "40"])
        defer { app.removeFiles() }
        try await app.testLive { client, _ in
            let port = try #require(client.port)
            var flood: [RawConnection] = []
            for _ in 0..<80 {
                let connection = try RawConnection(port: port, timeout: 5)
                connection.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
                flood.append(connection)
            }
            let probe = try RawConnection(port: port, timeout: 5)
            probe.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            #expect(probe.readUntilClosed().text.hasPrefix("HTTP/1.1 200"))
            // The oldest of the flood were pushed out.
            #expect(flood[0].readUntilClosed().closed)
        }
    }
}
