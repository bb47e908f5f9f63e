import Foundation
@testable import LatchkeyResource
import Synchronization
import LatchkeyTestSupport
import Testing

/// A token endpoint in a closure: records every request, answers with `answer`, and can hold answers until released.
final class FakeExchangeTransport: TokenExchangeTransport {
    struct Sent: Sendable {
        var url: URL
        var headers: [String: String]
        var body: String
        var form: [String: String] {
            Dictionary(body.split(separator: "&").map { pair in
                let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? "" }
                return (parts[0], parts.count > 1 ? parts[1] : "")
            }, uniquingKeysWith: { first, _ in first })
        }
    }

    let answer: Mutex<@Sendable (Int) throws -> TokenExchangeResponse>
    let sent = Mutex<[Sent]>([])
    /// While set, answers wait for `release()`.
    let gate = Mutex<[CheckedContinuation<Void, Never>]?>(nil)

    init(_ answer: @escaping @Sendable (Int) throws -> TokenExchangeResponse) { self.answer = Mutex(answer) }

    static func token(_ value: String, expiresIn: Int? = 3540, scope: String = "read:user") -> TokenExchangeResponse {
        var fields = [#""access_token":"\#(value)""#, #""issued_token_type":"urn:ietf:params:oauth:token-type:access_token""#, #""token_type":"Bearer""#, #""scope":"\#(scope)""#]
        if let expiresIn { fields.append(#""expires_in":\#(expiresIn)"#) }
        return TokenExchangeResponse(status: 200, headers: ["Cache-Control": "no-store"], body: Data("{\(fields.joined(separator: ","))}".utf8))
    }

    /// A fresh token per request: `t1`, `t2`, …
    static func counting() -> FakeExchangeTransport { FakeExchangeTransport { token("t\($0)") } }

    var requests: [Sent] { sent.withLock { $0 } }
    func set(_ answer: @escaping @Sendable (Int) throws -> TokenExchangeResponse) { self.answer.withLock { $0 = answer } }
    func hold() { gate.withLock { $0 = [] } }
    func release() { gate.withLock { waiting in waiting?.forEach { $0.resume() }; waiting = nil } }
    var waiting: Int { gate.withLock { $0?.count ?? 0 } }

    func post(_ url: URL, headers: [String: String], body: Data) async throws -> TokenExchangeResponse {
        let count = sent.withLock { sent in
            sent.append(Sent(url: url, headers: headers, body: String(decoding: body, as: UTF8.self)))
            return sent.count
        }
        await withCheckedContinuation { continuation in
            let held = gate.withLock { waiting -> Bool in
                guard waiting != nil else { return false }
                waiting?.append(continuation)
                return true
            }
            if !held { continuation.resume() }
        }
        return try answer.withLock { $0 }(count)
    }
}

/// A clock tests move by hand.
final class ManualClock: Sendable {
    let time = Mutex<Int64>(1_000_000)
    var now: @Sendable () -> Int64 { { [self] in time.withLock { $0 } } }
    func advance(_ seconds: Int64) { time.withLock { $0 += seconds } }
}

struct UpstreamTokensTests {
    static let endpoint = URL(string: "https://auth.example.com/token")!

    static func tokens(_ transport: FakeExchangeTransport, clock: ManualClock = ManualClock(), secret: String = "s3cret", capacity: Int = 10_000) -> UpstreamTokens {
        UpstreamTokens(tokenEndpoint: endpoint, clientID: "mcp-server", clientSecret: secret, transport: transport, capacity: capacity, now: clock.now)
    }

    static func error(_ status: Int, _ body: String, headers: [String: String] = [:]) -> TokenExchangeResponse {
        TokenExchangeResponse(status: status, headers: headers, body: Data(body.utf8))
    }

    @Test("the request is exactly the contract: form-encoded RFC 8693 parameters and client_secret_basic, id and secret form-encoded")
    func requestShape() async throws {
        let transport = FakeExchangeTransport.counting()
        let tokens = Self.tokens(transport, secret: "a:b+c/d e%")
        let token = try await tokens.accessToken(for: "subject.jwt+/=", provider: "demo-cloud")
        #expect(token == UpstreamAccessToken(token: "t1", tokenType: "Bearer", expiresAt: 1_000_000 + 3540, scopes: ["read:user"]))
        #expect(token.authorization == "Bearer t1")
        #expect(!token.description.contains("t1"))
        let sent = try #require(transport.requests.first)
        #expect(sent.url == Self.endpoint)
        #expect(sent.headers["Content-Type"] == "application/x-www-form-urlencoded")
        // RFC 6749 §2.3.1: urlencode(id) ":" urlencode(secret), then base64.
        #expect(sent.headers["Authorization"] == "Basic " + Data("mcp-server:a%3Ab%2Bc%2Fd%20e%25".utf8).base64EncodedString())
        #expect(sent.body == "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange&subject_token=subject.jwt%2B%2F%3D"
            + "&subject_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Aaccess_token&audience=demo-cloud"
            + "&requested_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Aaccess_token")
        #expect(sent.form["subject_token"] == "subject.jwt+/=")
        #expect(sent.form["latchkey_force_refresh"] == nil)
    }

    @Test("answers are cached per subject token and provider until the expiry minus the margin, never past the subject token's exp")
    func caching() async throws {
        let transport = FakeExchangeTransport.counting()
        let clock = ManualClock()
        let tokens = Self.tokens(transport, clock: clock)
        #expect(try await tokens.accessToken(for: "alice", provider: "demo-cloud").token == "t1")
        #expect(try await tokens.accessToken(for: "alice", provider: "demo-cloud").token == "t1")
        #expect(try await tokens.accessToken(for: "bob", provider: "demo-cloud").token == "t2")
        #expect(try await tokens.accessToken(for: "alice", provider: "github").token == "t3")
        #expect(transport.requests.count == 3)
        // 3540 s lifetime, 30 s margin: still cached at +3509, not at +3510.
        clock.advance(3509)
        #expect(try await tokens.accessToken(for: "alice", provider: "demo-cloud").token == "t1")
        clock.advance(1)
        #expect(try await tokens.accessToken(for: "alice", provider: "demo-cloud").token == "t4")

        // The subject token expires first: its exp bounds the entry.
        let now = clock.now()
        #expect(try await tokens.accessToken(for: "carol", provider: "demo-cloud", subjectExpiresAt: now + 10).token == "t5")
        clock.advance(9)
        #expect(try await tokens.accessToken(for: "carol", provider: "demo-cloud", subjectExpiresAt: now + 10).token == "t5")
        clock.advance(1)
        #expect(try await tokens.accessToken(for: "carol", provider: "demo-cloud", subjectExpiresAt: now + 10).token == "t6")
    }

    @Test("without expires_in an answer is cached briefly; a short-lived one for half its life; an expired one not at all")
    func unknownAndShortLifetimes() async throws {
        let clock = ManualClock()
        let transport = FakeExchangeTransport { FakeExchangeTransport.token("t\($0)", expiresIn: $0 == 1 ? nil : 20) }
        let tokens = Self.tokens(transport, clock: clock)
        let first = try await tokens.accessToken(for: "alice", provider: "p")
        #expect(first.expiresAt == nil)
        clock.advance(59)
        #expect(try await tokens.accessToken(for: "alice", provider: "p").token == "t1")
        clock.advance(1)
        #expect(try await tokens.accessToken(for: "alice", provider: "p").token == "t2")
        // 20 s left, less than two 30 s margins: kept for half of it, not fetched again on every call.
        clock.advance(9)
        #expect(try await tokens.accessToken(for: "alice", provider: "p").token == "t2")
        clock.advance(1)
        #expect(try await tokens.accessToken(for: "alice", provider: "p").token == "t3")

        // A token already expired when it arrives is handed out, never kept.
        let expired = Self.tokens(FakeExchangeTransport { FakeExchangeTransport.token("e\($0)", expiresIn: 0) }, clock: clock)
        #expect(try await expired.accessToken(for: "alice", provider: "p").token == "e1")
        #expect(try await expired.accessToken(for: "alice", provider: "p").token == "e2")
        #expect(expired.cachedCount == 0)
    }

    @Test("forceRefresh bypasses the cache, sends latchkey_force_refresh=true and replaces the entry")
    func forceRefresh() async throws {
        let transport = FakeExchangeTransport.counting()
        let tokens = Self.tokens(transport)
        #expect(try await tokens.accessToken(for: "alice", provider: "p").token == "t1")
        #expect(try await tokens.accessToken(for: "alice", provider: "p", forceRefresh: true).token == "t2")
        #expect(transport.requests.last?.form["latchkey_force_refresh"] == "true")
        #expect(try await tokens.accessToken(for: "alice", provider: "p").token == "t2")
        #expect(transport.requests.count == 2)

        // A failed forced refresh drops the entry it was meant to replace.
        transport.set { _ in Self.error(503, #"{"error":"temporarily_unavailable"}"#, headers: ["Retry-After": "7"]) }
        await #expect(throws: UpstreamTokensError.temporarilyUnavailable(retryAfter: 7)) {
            try await tokens.accessToken(for: "alice", provider: "p", forceRefresh: true)
        }
        #expect(tokens.cachedCount == 0)
    }

    @Test("concurrent calls for one key share one request; a forced call does not join a plain one")
    func singleFlight() async throws {
        let transport = FakeExchangeTransport.counting()
        let tokens = Self.tokens(transport)
        transport.hold()
        try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<20 { group.addTask { try await tokens.accessToken(for: "alice", provider: "p").token } }
            while transport.waiting < 1 { try await Task.sleep(for: .milliseconds(5)) }
            // Forced callers share their own request, not the plain one under way.
            for _ in 0..<5 { group.addTask { try await tokens.accessToken(for: "alice", provider: "p", forceRefresh: true).token } }
            while transport.waiting < 2 { try await Task.sleep(for: .milliseconds(5)) }
            try await Task.sleep(for: .milliseconds(20))
            #expect(transport.requests.count == 2)
            transport.release()
            var answers: [String: Int] = [:]
            for try await token in group { answers[token, default: 0] += 1 }
            #expect(answers == ["t1": 20, "t2": 5])
        }
        // The forced (newer) answer is the one kept, whichever finished last.
        #expect(try await tokens.accessToken(for: "alice", provider: "p").token == "t2")
        #expect(transport.requests.count == 2)
    }

    static let connectURL = "https://auth.example.com/connections/demo-cloud/connect?for=opaque123"

    static let errorTable: [(TokenExchangeResponse, UpstreamTokensError)] = [
        (error(400, #"{"error":"connection_required","error_description":"Connect Demo Cloud","error_uri":"\#(connectURL)","provider":"demo-cloud","connection_status":"not_connected"}"#),
         .connectionRequired(connectURL: connectURL, provider: "demo-cloud", status: "not_connected")),
        (error(400, #"{"error":"connection_required","error_uri":"\#(connectURL)","provider":"demo-cloud","connection_status":"needs_reauth"}"#),
         .connectionRequired(connectURL: connectURL, provider: "demo-cloud", status: "needs_reauth")),
        (error(400, #"{"error":"connection_required","provider":"demo-cloud"}"#), .unexpected(status: 400)),
        (error(400, #"{"error":"invalid_request","error_description":"The subject token has expired"}"#), .invalidSubjectToken),
        (error(400, #"{"error":"invalid_target"}"#), .notPermitted),
        (error(400, #"{"error":"unauthorized_client"}"#), .notPermitted),
        (error(400, #"{"error":"unsupported_grant_type"}"#), .unexpected(status: 400)),
        (error(401, #"{"error":"invalid_client"}"#, headers: ["WWW-Authenticate": "Basic"]), .clientAuthenticationFailed),
        (error(503, #"{"error":"temporarily_unavailable"}"#, headers: ["Retry-After": "30"]), .temporarilyUnavailable(retryAfter: 30)),
        (error(503, "<html>down</html>"), .temporarilyUnavailable(retryAfter: nil)),
        (error(500, #"{"error":"server_error"}"#), .unexpected(status: 500)),
        (error(200, "<html>captive portal</html>"), .unexpected(status: 200)),
        (error(200, "null"), .unexpected(status: 200)),
        (error(200, #"{"access_token":"x","token_type":"Bearer","issued_token_type":"urn:ietf:params:oauth:token-type:refresh_token"}"#), .unexpected(status: 200)),
        (error(200, #"{"access_token":"","token_type":"Bearer"}"#), .unexpected(status: 200)),
    ]

    @Test("each answer maps to its typed error, which never carries token text", arguments: 0..<errorTable.count)
    func errors(_ row: Int) async throws {
        let (response, expected) = Self.errorTable[row]
        let transport = FakeExchangeTransport { _ in response }
        let tokens = Self.tokens(transport)
        await #expect(throws: expected) { try await tokens.accessToken(for: "the-subject-token", provider: "demo-cloud") }
        #expect(!expected.description.contains("the-subject-token"))
        #expect(tokens.cachedCount == 0)
    }

    @Test("Latchkey unreachable is temporarily unavailable")
    func unreachable() async throws {
        let tokens = Self.tokens(FakeExchangeTransport { _ in throw URLError(.cannotConnectToHost) })
        await #expect(throws: UpstreamTokensError.temporarilyUnavailable(retryAfter: nil)) {
            try await tokens.accessToken(for: "alice", provider: "p")
        }
    }

    @Test("the cache is bounded: past capacity, expired entries go first, then all")
    func bounded() async throws {
        let transport = FakeExchangeTransport.counting()
        let tokens = Self.tokens(transport, capacity: 3)
        for subject in ["a", "b", "c"] { _ = try await tokens.accessToken(for: subject, provider: "p") }
        #expect(tokens.cachedCount == 3)
        _ = try await tokens.accessToken(for: "d", provider: "p")
        #expect(tokens.cachedCount == 1)
    }
}

/// `UpstreamTokens` against an in-process Latchkey. The exchange grant itself is tested where it lands; what holds
/// whatever grants Latchkey serves: a client it does not know is `clientAuthenticationFailed`.
struct UpstreamTokensLatchkeyTests {
    @Test("unknown client credentials at Latchkey's /token are clientAuthenticationFailed")
    func unknownClient() async throws {
        let app = TestApp(VerifierTest.settings)
        defer { app.removeFiles() }
        try await app.test { client, _ in
            let transport = RouterExchangeTransport(client)
            let tokens = UpstreamTokens(
                tokenEndpoint: URL(string: "http://127.0.0.1:8080/token")!, clientID: "nobody", clientSecret: "wrong", transport: transport
            )
            await #expect(throws: UpstreamTokensError.clientAuthenticationFailed) {
                try await tokens.accessToken(for: try await VerifierTest.token(client), provider: "demo-cloud")
            }
            #expect(transport.posts == 1)
        }
    }
}
