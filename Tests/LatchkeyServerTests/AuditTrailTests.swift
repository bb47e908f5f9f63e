import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LatchkeyCore
@testable import LatchkeyServer
import LatchkeyTestSupport
import Logging
import Synchronization
import Testing

/// The audit trail from real requests: what reaches the table, with the client address and request id, never a
/// secret; the account page's own-rows-only activity; operator commands; retention; the writer's bounded queue.
struct AuditTrailTests {
    /// Every column of every row, as one text per row, for "appears nowhere" checks.
    static func texts(_ records: [AuditRecord]) -> [String] {
        records.map { record in
            let entry = record.entry
            return [entry.event, entry.userID ?? "", entry.clientID ?? "", entry.address ?? "", entry.requestID ?? "", entry.outcome, entry.details, record.mac]
                .joined(separator: "|")
        }
    }

    @Test("sign-in failure and success, consent, a code and its replay reach the trail with the address and request id, never a secret; the chain verifies")
    func fromRequests() async throws {
        let app = TestApp(BrowserFlowTests.settings)
        defer { app.removeFiles() }
        try await app.testLive { client, runtime in
            let clientID = try await BrowserFlowTests.setup(client, runtime)
            let browser = TestBrowser(client)
            let loginPage = try await browser.get(BrowserFlowTests.authorizeURI(clientID))
            #expect(try await browser.login(loginPage, password: "not the password at all").status == .unauthorized)
            let consent = try await BrowserFlowTests.loginToConsent(browser, clientID)
            let approved = try await browser.decide(consent, "approve")
            let code = try #require(approved.redirectParameters["code"])
            let token = try await CodeGrantTests.exchange(client, .init(clientID: clientID, code: code))
            let access = try #require(token.json["access_token"] as? String)
            let refresh = try #require(token.json["refresh_token"] as? String)
            #expect(try await CodeGrantTests.exchange(client, .init(clientID: clientID, code: code)).status == .badRequest)

            await runtime.flushAuditTrail()
            let records = try await runtime.auditRecords(user: nil, since: nil, limit: 100)
            let byEvent = Dictionary(grouping: records, by: \.entry.event)
            let failed = try #require(byEvent["login.failed"]?.first)
            #expect(failed.entry.outcome == "failure")
            #expect(failed.entry.details == #"{"username":"alice"}"#)
            #expect(failed.entry.userID == "id-alice")
            let succeeded = try #require(byEvent["login.succeeded"]?.first)
            #expect(succeeded.entry.userID == "id-alice")
            #expect(succeeded.entry.outcome == "success")
            let granted = try #require(byEvent["consent.granted"]?.first)
            #expect(granted.entry.userID == "id-alice")
            #expect(granted.entry.clientID == clientID)
            #expect(granted.entry.details.contains(CodeGrantTests.resource))
            let replayed = try #require(byEvent["oauth.code.replayed"]?.first)
            #expect(replayed.entry.outcome == "refused")
            #expect(replayed.entry.clientID == clientID)
            #expect(replayed.entry.userID == "id-alice")
            let requestRows = [failed, succeeded, granted, replayed]
            for record in requestRows {
                #expect(record.entry.address == "127.0.0.1", "\(record.entry.event)")
                #expect(!(record.entry.requestID ?? "").isEmpty, "\(record.entry.event)")
            }
            #expect(Set(requestRows.compactMap(\.entry.requestID)).count == requestRows.count, "one request id per request")
            // No secret in any column: the passwords typed, the code, the tokens, the session cookie.
            let secrets = [TestBrowser.password, "not the password at all", code, access, refresh] + Array(browser.cookies.values)
            for text in Self.texts(records) {
                for secret in secrets where secret.count >= 8 {
                    #expect(!text.contains(secret))
                }
            }
            let verification = try await runtime.verifyAuditTrail()
            #expect(verification.problem == nil)
            #expect(verification.verified == records.count)
            #expect(verification.last.seq == records.first?.seq)
        }
    }

    @Test("/account lists the user's own recent sign-ins, approvals and revocations, and never another user's")
    func accountActivity() async throws {
        let app = TestApp(BrowserFlowTests.settings)
        defer { app.removeFiles() }
        try await app.test { client, runtime in
            let clientID = try await BrowserFlowTests.setup(client, runtime)
            try await BrowserFlowTests.createUser(runtime, "bob")
            // Bob's rows carry an address Alice's never do.
            try await runtime.auditTrail.append([
                AuditEntry(.loginSucceeded(userID: "id-bob", username: "bob"), origin: EventOrigin(address: "203.0.113.99", requestID: "bob-1"), at: runtime.clock.now()),
                AuditEntry(.consentGranted(userID: "id-bob", clientID: "bobs-client", scopes: [], resources: []), origin: EventOrigin(address: "203.0.113.99", requestID: "bob-2"), at: runtime.clock.now()),
            ])
            let browser = TestBrowser(client)
            _ = try await browser.decide(try await BrowserFlowTests.loginToConsent(browser, clientID), "approve")
            await runtime.flushAuditTrail()
            var page = try await browser.get("/account").text
            #expect(page.contains("Recent activity"))
            #expect(page.contains("Signed in"))
            #expect(page.contains("Approved an application: <strong>Evil &lt;script&gt;x&lt;/script&gt;</strong>"))
            #expect(!page.contains("203.0.113.99"))
            #expect(!page.contains("bobs-client"))
            // Revoking on the page is recorded and shown.
            let form = [
                ("csrf_token", TestBrowser.field("csrf_token", in: page) ?? ""), ("client_id", clientID),
                ("audience", TestBrowser.field("audience", in: page) ?? ""),
            ]
            #expect(try await browser.post("/account/revoke", form).status == .seeOther)
            await runtime.flushAuditTrail()
            page = try await browser.get("/account").text
            #expect(page.contains("Revoked an application&#39;s access") || page.contains("Revoked an application's access"))
            let revoked = try await runtime.auditRecords(user: "alice", since: nil, limit: 10).first { $0.entry.event == "consent.revoked" }
            #expect(revoked?.entry.clientID == clientID)
            // Bob sees his own.
            let bob = TestBrowser(client)
            _ = try await bob.login(try await bob.get("/account"), username: "bob")
            let bobs = try await bob.get("/account").text
            #expect(bobs.contains("203.0.113.99"))
            #expect(!bobs.contains("Evil &lt;script&gt;"))
        }
    }

    @Test("operator commands record with the address 'operator'; --user takes a name or an id; --since filters")
    func operatorCommands() async throws {
        let app = TestApp(BrowserFlowTests.settings)
        defer { app.removeFiles() }
        try await app.test { _, runtime in
            _ = try await runtime.createUser(username: "carol", password: "a good password")
            try await runtime.setUserDisabled(username: "carol", true)
            try await runtime.rotateSigningKey(retiredPublishFor: 60)
            await runtime.flushAuditTrail()
            let rows = try await runtime.auditRecords(user: nil, since: nil, limit: 10)
            #expect(rows.map(\.entry.event) == ["key.rotated", "user.disabled"])
            #expect(rows.allSatisfy { $0.entry.address == "operator" && $0.entry.requestID == nil })
            #expect(try await runtime.auditRecords(user: "carol", since: nil, limit: 10).map(\.entry.event) == ["user.disabled"])
            try await runtime.auditTrail.append([AuditEntry(.signedOut(userID: "id-x"), origin: .unknown, at: 5)])
            #expect(try await runtime.auditRecords(user: "id-x", since: nil, limit: 10).count == 1)
            #expect(try await runtime.auditRecords(user: nil, since: 100, limit: 10).count == 2)
        }
    }

    @Test("what is still queued when the server stops reaches the trail (the writer drains on shutdown; runtime.shutdown flushes once more, which is what commands rely on)")
    func shutdownFlushes() async throws {
        let app = TestApp(BrowserFlowTests.settings)
        defer { app.removeFiles() }
        try await app.test { _, runtime in
            runtime.events.record(.signedOut(userID: "queued-at-exit"), origin: .operatorCommand)
        }
        try await TestApp(BrowserFlowTests.settings, directory: app.directory).test { _, runtime in
            let rows = try await runtime.auditRecords(user: "queued-at-exit", since: nil, limit: 10)
            #expect(rows.map(\.entry.event) == ["login.signed_out"])
            #expect(try await runtime.verifyAuditTrail().problem == nil)
        }
    }

    @Test("retention prunes rows older than audit-retention, and the trail still verifies from the moved anchor")
    func retention() async throws {
        let clock = TestClock()
        // Retention off in the configuration, so the server's own retention service does not race this one.
        var app = TestApp(BrowserFlowTests.settings.merging(["audit-retention": "0"]) { $1 })
        app.clock = clock.unix
        defer { app.removeFiles() }
        try await app.test { _, runtime in
            let now = runtime.clock.now()
            try await runtime.auditTrail.append((0..<7).map { AuditEntry(.signedOut(userID: "u\($0)"), origin: .unknown, at: now - 90000 + Int64($0)) })
            try await runtime.auditTrail.append([AuditEntry(.signedOut(userID: "new"), origin: .unknown, at: now)])
            let service = AuditRetentionService(store: runtime.auditTrail, retention: 86400, interval: .seconds(3600), clock: runtime.clock, logger: runtime.logger, batch: 3)
            #expect(try await service.prune() == 7)
            let verification = try await runtime.verifyAuditTrail()
            #expect(verification.problem == nil)
            #expect(verification.anchor.seq == 7)
            #expect(verification.verified == 1)
        }
    }

    @Test("audit-retention: a year by default, 0 keeps forever, less than a day is refused")
    func retentionSetting() throws {
        #expect(try TestApp().configuration().auditRetention == 365 * 86400)
        #expect(try TestApp(["audit-retention": "0"]).configuration().auditRetention == 0)
        #expect(try TestApp(["audit-retention": "86400"]).configuration().auditRetention == 86400)
        #expect(throws: ConfigurationError.self) { try TestApp(["audit-retention": "3600"]).configuration() }
    }

    /// A store that fails until told otherwise, and keeps what it was given.
    final class FlakyStore: AuditTrailStore, Sendable {
        let down = Mutex(true)
        let written = Mutex<[AuditEntry]>([])

        func append(_ entries: [AuditEntry]) async throws {
            if down.withLock({ $0 }) { throw CancellationError() }
            written.withLock { $0 += entries }
        }
        func chainState() async throws -> (anchor: AuditAnchor, head: AuditHead) { (.genesis, AuditHead(seq: 0, mac: "")) }
        func records(after seq: Int64, limit: Int) async throws -> [AuditRecord] { [] }
        func list(_ query: AuditQuery) async throws -> [AuditRecord] { [] }
        func prune(recordedBefore cutoff: Int64, limit: Int) async throws -> Int { 0 }
    }

    @Test("while the store is down records stay queued up to the cap, the rest are dropped and counted with one warning each way")
    func boundedQueue() async throws {
        let logs = LogRecorder()
        let store = FlakyStore()
        let recorder = AuditRecorder(store: store, clock: .system, logger: Logger(label: "test") { _ in logs.handler }, capacity: 5, batchSize: 2)
        for index in 0..<8 { recorder.enqueue(.signedOut(userID: "u\(index)"), origin: .unknown) }
        #expect(recorder.queued == 5)
        #expect(await !recorder.flush())
        #expect(await !recorder.flush())
        #expect(recorder.queued == 5)
        #expect(logs.all.filter { $0.message.contains("dropping audit records") }.count == 1)
        #expect(logs.all.filter { $0.message.contains("could not write audit records") }.count == 1)
        store.down.withLock { $0 = false }
        #expect(await recorder.flush())
        #expect(recorder.queued == 0)
        #expect(store.written.withLock { $0.map(\.userID) } == (0..<5).map { "u\($0)" })
        let recovered = try #require(logs.all.first { $0.message.contains("written again") })
        #expect(recovered.metadata["dropped"] == "3")
    }
}
