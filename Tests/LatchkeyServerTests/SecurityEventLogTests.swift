import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LatchkeyServer
import LatchkeyTestSupport
import Logging
import NIOCore
import Testing

/// What an operator sees in the log: registry changes, failed sign-ins, disabled users — named, structured, at
/// notice or above, and with nothing secret in them.
struct SecurityEventLogTests {
    @Test("registration, update and deletion of a client are logged with its id, never its secrets")
    func registry() async throws {
        var app = TestApp(BrowserFlowTests.settings)
        let logs = LogRecorder()
        app.logs = logs
        defer { app.removeFiles() }
        try await app.test { client, _ in
            let json = try await client.register(#"{"redirect_uris":["https://app.example.com/cb"],"client_name":"Notes App"}"#).json
            let clientID = try #require(json["client_id"] as? String)
            let token = try #require(json["registration_access_token"] as? String)
            let update = #"{"client_id":"\#(clientID)","redirect_uris":["https://app.example.com/other"]}"#
            let updated = try await client.execute(
                uri: "/register/\(clientID)", method: .put, headers: [.authorization: "Bearer \(token)", .contentType: "application/json"],
                body: ByteBuffer(string: update)
            )
            #expect(updated.status == .ok)
            let newToken = try #require(updated.json["registration_access_token"] as? String)
            #expect(try await client.execute(uri: "/register/\(clientID)", method: .delete, headers: [.authorization: "Bearer \(newToken)"]).status == .noContent)

            #expect(logs.events == ["client.registered", "client.updated", "client.deleted"])
            let registered = try #require(logs.entry(event: "client.registered"))
            #expect(registered.level == .notice && registered.metadata["client_id"] == clientID && registered.metadata["by"] == "registration")
            #expect(registered.metadata["client_name"] == "Notes App")
            #expect(logs.entry(event: "client.updated")?.metadata["ended_approvals"] == "true")
            let everything = logs.all.map { "\($0.message) \($0.metadata)" }.joined(separator: "\n")
            #expect(!everything.contains(token) && !everything.contains(newToken))
        }
    }

    @Test("a failed sign-in names the account only when it exists; disabling a user is logged")
    func signIns() async throws {
        var app = TestApp(BrowserFlowTests.settings)
        let logs = LogRecorder()
        app.logs = logs
        defer { app.removeFiles() }
        try await app.test { client, runtime in
            let clientID = try await BrowserFlowTests.setup(client, runtime)
            let browser = TestBrowser(client)
            let page = try await browser.get(BrowserFlowTests.authorizeURI(clientID))
            #expect(try await browser.login(page, password: "wrong password").status == .unauthorized)
            #expect(try await browser.login(page, username: "hunter2secret", password: "x").status == .unauthorized)
            try await runtime.setUserDisabled(username: "alice", true)

            let failures = logs.all.filter { $0.metadata["event"] == "login.failed" }
            #expect(failures.map { $0.metadata["username"] } == ["alice", "(unknown)"])
            #expect(failures.allSatisfy { $0.metadata["address"] != nil && !"\($0.metadata)".contains("wrong password") })
            #expect(!"\(logs.all)".contains("hunter2secret"))
            #expect(logs.entry(event: "user.disabled")?.metadata["username"] == "alice")
        }
    }
}
