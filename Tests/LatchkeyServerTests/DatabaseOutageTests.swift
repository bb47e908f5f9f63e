import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
@testable import LatchkeyServer
import LatchkeyCore
import LatchkeyStore
import SQLKit
import LatchkeyTestSupport
import Logging
import Testing

/// Issue 14 §2: a database that cannot be used answers 503 with Retry-After and an RFC-shaped body, logs the outage
/// once, and recovers by itself.
struct DatabaseOutageTests {
    @Test("while another process holds the SQLite write lock past busy_timeout: 503 + Retry-After, one log line each way")
    func lockedDatabase() async throws {
        var app = TestApp()
        let logs = LogRecorder()
        app.logs = logs
        defer { app.removeFiles() }
        try await app.test { client, runtime in
            // Another process's long write transaction, on the same file.
            let other = try LatchkeyDatabase(location: runtime.configuration.database, logger: Logger(label: "other"))
            let (release, releaseSignal) = AsyncStream<Void>.makeStream()
            let (held, heldSignal) = AsyncStream<Void>.makeStream()
            let holder = Task {
                try await other.withSession { db in
                    try await db.raw("BEGIN EXCLUSIVE").run()
                    heldSignal.yield()
                    for await _ in release { break }
                    try await db.raw("ROLLBACK").run()
                }
            }
            for await _ in held { break }

            let refused = try await client.register(#"{"redirect_uris":["http://127.0.0.1/cb"]}"#)
            #expect(refused.status == .serviceUnavailable)
            #expect(refused.headers[.retryAfter] == "5")
            #expect(refused.json["error"] as? String == "temporarily_unavailable")
            #expect(logs.all.filter { $0.message.contains("database unreachable") }.count == 1)

            releaseSignal.yield()
            try await holder.value
            try await other.shutdown()
            let registered = try await client.register(#"{"redirect_uris":["http://127.0.0.1/cb"]}"#)
            #expect(registered.status == .created)
            #expect(logs.all.filter { $0.message.contains("database reachable again") }.count == 1)
            #expect(logs.all.filter { $0.level >= .error && !$0.message.contains("database unreachable") }.isEmpty, "no stack per request")
        }
    }

    @Test("the token endpoint answers server_error (RFC 6749 has no code for it there), also with 503 and Retry-After")
    func tokenEndpointShape() {
        let token = OAuthError.databaseUnavailable(path: "/token")
        #expect(token.code.rawValue == "server_error" && token.httpStatus == 503 && token.retryAfter == 5)
        #expect(OAuthError.databaseUnavailable(path: "/authorize").code.rawValue == "temporarily_unavailable")
        #expect(OAuthError.databaseUnavailable(path: "/register/abc").code.rawValue == "temporarily_unavailable")
        #expect(OAuthError.databaseUnavailable(path: "/introspect").code.rawValue == "server_error")
    }
}
