import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LatchkeyCore
import LatchkeyServer
import LatchkeyTestSupport
import Testing

/// `trusted-proxies` and request ids, over real sockets (the peer is 127.0.0.1).
struct RequestOriginTests {
    static let body = #"{"redirect_uris":["http://127.0.0.1/cb"]}"#
    static let requestID = HTTPField.Name("X-Request-Id")!
    static let forwardedFor = HTTPField.Name("X-Forwarded-For")!

    @Test("behind a trusted proxy, rate limits key on the forwarded client address")
    func trustedProxyKeysOnClient() async throws {
        let app = TestApp(["registration-rate-limit": "1", "trusted-proxies": "127.0.0.1"])
        defer { app.removeFiles() }
        try await app.testLive { client, _ in
            #expect(try await client.register(Self.body, headers: [Self.forwardedFor: "203.0.113.1"]).status == .created)
            #expect(try await client.register(Self.body, headers: [Self.forwardedFor: "203.0.113.2"]).status == .created)
            // The same client again, even with a forged first hop: the proxy's appended hop is what counts.
            let again = try await client.register(Self.body, headers: [Self.forwardedFor: "198.51.100.9, 203.0.113.1"])
            #expect(again.status == .tooManyRequests)
        }
    }

    @Test("without trusted proxies, X-Forwarded-For cannot buy a fresh rate-limit bucket")
    func untrustedHeaderIgnored() async throws {
        let app = TestApp(["registration-rate-limit": "1"])
        defer { app.removeFiles() }
        try await app.testLive { client, _ in
            let first = try await client.register(Self.body, headers: [Self.forwardedFor: "203.0.113.1"])
            #expect(first.status == .created)
            #expect(try await client.register(Self.body, headers: [Self.forwardedFor: "203.0.113.2"]).status == .tooManyRequests)
        }
    }

    @Test("every response carries a request id; a trusted proxy's id is kept, anyone else's is not")
    func requestIDs() async throws {
        let untrusted = TestApp()
        defer { untrusted.removeFiles() }
        try await untrusted.testLive { client, _ in
            let first = try await client.execute(uri: "/healthz", method: .get)
            let second = try await client.execute(uri: "/healthz", method: .get)
            let ids = [first.headers[Self.requestID], second.headers[Self.requestID]].compactMap { $0 }
            #expect(ids.count == 2 && ids[0] != ids[1])
            let chosen = try await client.execute(uri: "/healthz", method: .get, headers: [Self.requestID: "chosen-by-client"])
            #expect(chosen.headers[Self.requestID] != nil && chosen.headers[Self.requestID] != "chosen-by-client")
            // Errors too.
            let refused = try await client.execute(uri: "/token", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"], body: ByteBuffer(string: "grant_type=nope"))
            #expect(refused.status.code >= 400 && refused.headers[Self.requestID] != nil)
        }
        let trusted = TestApp(["trusted-proxies": "127.0.0.0/8"])
        defer { trusted.removeFiles() }
        try await trusted.testLive { client, _ in
            let kept = try await client.execute(uri: "/healthz", method: .get, headers: [Self.requestID: "edge-7f3a9c"])
            #expect(kept.headers[Self.requestID] == "edge-7f3a9c")
            let refused = try await client.execute(uri: "/nowhere", method: .get, headers: [Self.requestID: "edge-404"])
            #expect(refused.status == .notFound && refused.headers[Self.requestID] == "edge-404")
            // Not an id: replaced, never written into the log as given.
            for bad in ["has space", String(repeating: "a", count: 129), "quote\"d", "nl\\nx"] {
                let replaced = try await client.execute(uri: "/healthz", method: .get, headers: [Self.requestID: bad])
                #expect(replaced.headers[Self.requestID] != nil && replaced.headers[Self.requestID] != bad)
            }
        }
    }

    @Test("trusted-proxies and trusted-proxies-header are checked at start")
    func settings() throws {
        #expect(throws: (any Error).self) { try TestApp(["trusted-proxies": "10.0.0.0/33"]).configuration() }
        #expect(throws: (any Error).self) { try TestApp(["trusted-proxies": "proxy.internal"]).configuration() }
        #expect(throws: (any Error).self) { try TestApp(["trusted-proxies-header": "x-real-ip"]).configuration() }
        let configuration = try TestApp(["trusted-proxies": "10.0.0.0/8, 192.0.2.1", "trusted-proxies-header": "Forwarded"]).configuration()
        #expect(configuration.trustedProxies.networks.map(\.description) == ["10.0.0.0/8", "192.0.2.1/32"])
        #expect(configuration.trustedProxies.header == .forwarded)
    }
}
