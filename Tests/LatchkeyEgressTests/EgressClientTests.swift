import Hummingbird
import HummingbirdTesting
import LatchkeyCore
import LatchkeyEgress
import NIOCore
import NIOHTTP1
import Synchronization
import Testing

/// The egress client against a small server on loopback (under `egress-allow-loopback`), and its refusals.
struct EgressClientTests {
    /// Answers from a fixed table; for names the tests make up.
    struct StubResolver: HostResolver {
        let table: [String: [String]]
        func addresses(of host: String) async throws -> [IPAddress] {
            guard let texts = table[host] else { throw EgressError.unresolvable(host: host) }
            return texts.compactMap(IPAddress.init)
        }
    }

    static let resolver = StubResolver(table: [
        "public.example.com": ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"],
        "internal.example.com": ["10.0.0.5"],
        "mixed.example.com": ["93.184.216.34", "127.0.0.1"],
        "rebind.example.com": ["169.254.169.254"],
        "auth.localhost.example.com": ["93.184.216.34"],
    ])

    static func client(
        loopback: Bool = false, maxBytes: Int = 1024, readTimeout: TimeAmount = .seconds(5), deadline: TimeAmount = .seconds(10)
    ) -> EgressClient {
        EgressClient(
            configuration: .init(
                policy: EgressAddressPolicy(allowsLoopback: loopback), connectTimeout: .seconds(2), readTimeout: readTimeout,
                deadline: deadline, maxResponseBytes: maxBytes
            ),
            resolver: resolver
        )
    }

    @Test("refused before any connection: loopback, unspecified, mapped forms, localhost names, private answers, http", arguments: [
        "https://127.0.0.1/", "https://[::1]/", "https://[::ffff:127.0.0.1]/", "https://[::ffff:7f00:1]/", "https://0.0.0.0/",
        "https://[::]/", "https://localhost/", "https://localhost./", "https://auth.localhost/", "https://169.254.169.254/latest",
        "https://[fd00:ec2::254]/", "https://internal.example.com/token", "https://mixed.example.com/", "https://rebind.example.com/",
    ])
    func refused(url: String) async throws {
        await #expect { try await Self.client().target(of: url) } throws: { error in
            if case .refused = error as? EgressError { return true }
            return false
        }
    }

    @Test("only https; a name that is not in DNS is unresolvable; a public name resolves to an address it checked")
    func schemesAndNames() async throws {
        await #expect(throws: EgressError.schemeNotAllowed("http")) { try await Self.client().target(of: "http://public.example.com/") }
        await #expect(throws: EgressError.schemeNotAllowed("ftp")) { try await Self.client().target(of: "ftp://public.example.com/") }
        await #expect(throws: EgressError.invalidURL) { try await Self.client().target(of: "file:///etc/passwd") }
        await #expect(throws: EgressError.invalidURL) { try await Self.client().target(of: "/relative") }
        await #expect(throws: EgressError.unresolvable(host: "nowhere.example.com")) { try await Self.client().target(of: "https://nowhere.example.com/") }
        let target = try await Self.client().target(of: "https://public.example.com/.well-known/oauth-authorization-server")
        #expect(target == .init(host: "public.example.com", address: try #require(IPAddress("93.184.216.34"))))
        // A name that merely contains "localhost" is an ordinary name.
        #expect(try await Self.client().target(of: "https://auth.localhost.example.com/").host == "auth.localhost.example.com")
    }

    final class Counter: Sendable {
        let count = Mutex(0)
        var value: Int { count.withLock { $0 } }
    }

    /// A server with an answer, a redirect, an oversized body and a slow one; counts what reached `/sink`.
    static func withUpstream(_ body: @escaping @Sendable (Int, Counter) async throws -> Void) async throws {
        let sinkHits = Counter()
        let router = Router()
        router.get("/ok") { _, _ in "hello" }
        router.post("/token") { request, _ in
            let form = try await request.body.collect(upTo: 1024)
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: #"{"got":"\#(String(buffer: form))"}"#)))
        }
        router.get("/big") { _, _ in String(repeating: "x", count: 4096) }
        router.get("/slow") { _, _ in
            try await Task.sleep(for: .seconds(3))
            return "late"
        }
        // Headers at once, then a byte every 300 ms: each read is quick, the whole answer is not.
        router.get("/drip") { _, _ in
            Response(status: .ok, body: ResponseBody { writer in
                for _ in 0..<20 {
                    try await writer.write(ByteBuffer(string: "x"))
                    try await Task.sleep(for: .milliseconds(300))
                }
                try await writer.finish(nil)
            })
        }
        router.get("/sink") { _, _ in
            sinkHits.count.withLock { $0 += 1 }
            return "stolen"
        }
        // Were the redirect followed, the body (a refresh token) would go to /sink.
        router.post("/redirect") { _, _ in Response(status: .found, headers: [.location: "/sink"]) }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            try await body(try #require(client.port), sinkHits)
        }
    }

    @Test("a request goes out and its answer comes back; a 3xx is an error and the redirect target never hears of it")
    func exchange() async throws {
        try await Self.withUpstream { port, sinkHits in
            let client = Self.client(loopback: true)
            let ok = try await client.send(.init(url: "http://127.0.0.1:\(port)/ok"))
            #expect(ok.status == 200 && String(buffer: ok.body) == "hello")
            let posted = try await client.send(.init(
                method: .POST, url: "http://127.0.0.1:\(port)/token", headers: [("Content-Type", "application/x-www-form-urlencoded")],
                body: ByteBuffer(string: "grant_type=refresh_token")
            ))
            #expect(String(buffer: posted.body) == #"{"got":"grant_type=refresh_token"}"#)
            await #expect(throws: EgressError.redirected(status: 302)) {
                try await client.send(.init(method: .POST, url: "http://127.0.0.1:\(port)/redirect", body: ByteBuffer(string: "refresh_token=secret")))
            }
            #expect(sinkHits.value == 0)
        }
    }

    @Test("an oversized body and a server that stops answering are errors, not waits")
    func limits() async throws {
        try await Self.withUpstream { port, _ in
            await #expect(throws: EgressError.responseTooLarge(limit: 1024)) {
                try await Self.client(loopback: true).send(.init(url: "http://127.0.0.1:\(port)/big"))
            }
            await #expect(throws: EgressError.timedOut) {
                try await Self.client(loopback: true, readTimeout: .milliseconds(500)).send(.init(url: "http://127.0.0.1:\(port)/slow"))
            }
            // Every read is within the read timeout and the 20-byte answer would complete after 6 s: only the
            // deadline makes this an error.
            await #expect(throws: EgressError.timedOut) {
                try await Self.client(loopback: true, readTimeout: .seconds(2), deadline: .seconds(1)).send(.init(url: "http://127.0.0.1:\(port)/drip"))
            }
        }
    }
}
