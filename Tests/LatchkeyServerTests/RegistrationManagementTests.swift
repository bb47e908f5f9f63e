import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LatchkeyServer
import LatchkeyTestSupport
import Testing
import LatchkeyCore

/// RFC 7592: reading, updating and deleting a registration with its registration access token.
struct RegistrationManagementTests {
    struct Registered {
        let clientID: String
        let token: String
        var path: String { "/register/\(clientID)" }
    }

    static func register(_ client: any TestClientProtocol, _ body: String = #"{"redirect_uris":["http://127.0.0.1/cb"],"client_name":"Original"}"#) async throws -> Registered {
        let json = try await client.register(body).json
        return Registered(clientID: try #require(json["client_id"] as? String), token: try #require(json["registration_access_token"] as? String))
    }

    @Test("read returns the metadata and a fresh token that replaces the old one")
    func read() async throws {
        let app = TestApp()
        defer { app.removeFiles() }
        try await app.test { client, _ in
            let registered = try await Self.register(client)
            let response = try await client.execute(uri: registered.path, method: .get, headers: [.authorization: "Bearer \(registered.token)"])
            #expect(response.status == .ok)
            #expect(response.headers[.cacheControl] == "no-store")
            #expect(response.json["client_name"] as? String == "Original")
            let newToken = try #require(response.json["registration_access_token"] as? String)
            #expect(newToken != registered.token)
            let stale = try await client.execute(uri: registered.path, method: .get, headers: [.authorization: "Bearer \(registered.token)"])
            #expect(stale.status == .unauthorized)
            #expect(try await client.execute(uri: registered.path, method: .get, headers: [.authorization: "Bearer \(newToken)"]).status == .ok)
        }
    }

    @Test("two reads racing with one token: exactly one gets the new token")
    func concurrentReads() async throws {
        let app = TestApp()
        defer { app.removeFiles() }
        try await app.test { client, _ in
            let registered = try await Self.register(client)
            let headers: HTTPFields = [.authorization: "Bearer \(registered.token)"]
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for _ in 0..<4 {
                    group.addTask { try await client.execute(uri: registered.path, method: .get, headers: headers).status }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == .ok }.count == 1)
            #expect(statuses.filter { $0 == .unauthorized }.count == 3)
        }
    }

    @Test("missing, wrong or foreign tokens and unknown clients get the same 401", arguments: ["none", "wrong", "foreign", "unknown", "basic"])
    func unauthorized(kind: String) async throws {
        let app = TestApp()
        defer { app.removeFiles() }
        try await app.test { client, _ in
            let mine = try await Self.register(client)
            let other = try await Self.register(client)
            let (path, header): (String, String?) = switch kind {
            case "none": (mine.path, nil)
            case "wrong": (mine.path, "Bearer not-the-token")
            case "foreign": (mine.path, "Bearer \(other.token)")
            case "unknown": ("/register/does-not-exist", "Bearer \(mine.token)")
            default: (mine.path, "Basic \(mine.token)")
            }
            for method in [HTTPRequest.Method.get, .delete] {
                let response = try await client.execute(uri: path, method: method, headers: header.map { [.authorization: $0] } ?? [:])
                #expect(response.status == .unauthorized)
                #expect(response.json["error"] as? String == "invalid_token")
                #expect(response.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
            }
        }
    }

    @Test("update replaces the metadata after validating it like a registration")
    func update() async throws {
        let app = TestApp()
        defer { app.removeFiles() }
        try await app.test { client, runtime in
            let registered = try await Self.register(client)
            let body = #"{"client_id":"\#(registered.clientID)","redirect_uris":["http://127.0.0.1/other"],"client_name":"Renamed"}"#
            let response = try await client.execute(uri: registered.path, method: .put, headers: [.authorization: "Bearer \(registered.token)", .contentType: "application/json"], body: ByteBuffer(string: body))
            #expect(response.status == .ok)
            #expect(response.json["client_name"] as? String == "Renamed")
            #expect(try await runtime.clients.client(id: registered.clientID)?.metadata.redirectURIs == ["http://127.0.0.1/other"])
        }
    }

    static let badUpdates: [(body: String, error: String)] = [
        (#"{"client_id":"someone-else","redirect_uris":["http://127.0.0.1/cb"]}"#, "invalid_request"),
        (#"{"redirect_uris":["http://127.0.0.1/cb"]}"#, "invalid_request"),
        (#"{"client_id":"ID","redirect_uris":["http://127.0.0.1/cb"],"registration_access_token":"x"}"#, "invalid_client_metadata"),
        (#"{"client_id":"ID","redirect_uris":["http://127.0.0.1/cb"],"client_id_issued_at":1}"#, "invalid_client_metadata"),
        (#"{"client_id":"ID","redirect_uris":["http://evil.example/cb"]}"#, "invalid_redirect_uri"),
        (#"{"client_id":"ID","redirect_uris":["http://127.0.0.1/cb"],"client_secret":"guess"}"#, "invalid_client_metadata"),
    ]

    @Test("a bad update is refused and changes nothing", arguments: badUpdates)
    func badUpdate(body: String, error: String) async throws {
        let app = TestApp()
        defer { app.removeFiles() }
        try await app.test { client, runtime in
            let registered = try await Self.register(client)
            let before = try await runtime.clients.client(id: registered.clientID)
            let response = try await client.execute(
                uri: registered.path, method: .put,
                headers: [.authorization: "Bearer \(registered.token)", .contentType: "application/json"],
                body: ByteBuffer(string: body.replacingOccurrences(of: "\"ID\"", with: "\"\(registered.clientID)\""))
            )
            #expect(response.status == .badRequest)
            #expect(response.json["error"] as? String == error)
            #expect(try await runtime.clients.client(id: registered.clientID) == before)
        }
    }

    @Test("delete removes the client; its token then fails")
    func delete() async throws {
        let app = TestApp()
        defer { app.removeFiles() }
        try await app.test { client, runtime in
            let registered = try await Self.register(client)
            let response = try await client.execute(uri: registered.path, method: .delete, headers: [.authorization: "Bearer \(registered.token)"])
            #expect(response.status == .noContent)
            #expect(try await runtime.clients.client(id: registered.clientID) == nil)
            #expect(try await client.execute(uri: registered.path, method: .get, headers: [.authorization: "Bearer \(registered.token)"]).status == .unauthorized)
        }
    }

    @Test("PUT and DELETE authenticate before reading the body: a bad token is 401 whatever the body, an over-deep one included")
    func authenticateBeforeBody() async throws {
        let app = TestApp()
        defer { app.removeFiles() }
        try await app.test { client, _ in
            let registered = try await Self.register(client)
            for (contentType, body) in [("application/json", RegistrationTests.deepBody), ("text/plain", "not json"), ("application/json", "{")] {
                let put = try await client.execute(
                    uri: "/register/0123456789abcdef0123456789abcdef", method: .put,
                    headers: [.authorization: "Bearer nope", .contentType: contentType], body: ByteBuffer(string: body)
                )
                #expect(put.status == .unauthorized, "\(contentType) \(body.prefix(10))")
                let wrongToken = try await client.execute(
                    uri: registered.path, method: .put, headers: [.authorization: "Bearer nope", .contentType: contentType], body: ByteBuffer(string: body)
                )
                #expect(wrongToken.status == .unauthorized)
            }
            // With the right token, the over-deep body is refused by the nesting check.
            let deep = try await client.execute(
                uri: registered.path, method: .put, headers: [.authorization: "Bearer \(registered.token)", .contentType: "application/json"],
                body: ByteBuffer(string: RegistrationTests.deepBody)
            )
            #expect(deep.status == .badRequest)
            #expect((deep.json["error_description"] as? String)?.contains("more than 32 levels deep") == true)
        }
    }

    @Test("management requests are rate limited per address like registrations")
    func rateLimited() async throws {
        let app = TestApp(["registration-rate-limit": "2"])
        defer { app.removeFiles() }
        try await app.test { client, _ in
            for _ in 0..<2 {
                #expect(try await client.execute(uri: "/register/abc", method: .delete, headers: [.authorization: "Bearer nope"]).status == .unauthorized)
            }
            let limited = try await client.execute(uri: "/register/abc", method: .put, headers: [.authorization: "Bearer nope"])
            #expect(limited.status == .tooManyRequests)
            #expect(limited.headers[.retryAfter] != nil)
            // Registration has its own budget.
            #expect(try await client.register(#"{"redirect_uris":["http://127.0.0.1/cb"]}"#).status == .created)
        }
    }
}
