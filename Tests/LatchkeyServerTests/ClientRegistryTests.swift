import Foundation
import HTTPTypes
import HummingbirdTesting
import LatchkeyCore
import LatchkeyStore
@testable import LatchkeyServer
import LatchkeyTestSupport
import Logging
import Synchronization
import Testing

/// A registry that stays clean (issue 13 §3): last use, pruning, the cap.
struct ClientRegistryTests {
    static let day: Int64 = 86400

    @Test("defaults: unused 24 h, idle 90 days, 100000 clients; 0 means never; every client the configuration names is kept")
    func settings() throws {
        let defaults = try TestApp(["introspection-clients": "gateway"]).configuration()
        #expect(defaults.clientRetention == ClientRetention(unusedTTL: Self.day, idleTTL: 90 * Self.day, protectedClientIDs: ["gateway"]))
        #expect(defaults.registration.maxClients == 100_000)
        let off = try TestApp([
            "registration-unused-client-ttl": "0", "registration-idle-client-ttl": "0", "registration-max-clients": "0",
            "resources": #"[{"uri":"https://mcp.example.com/mcp","client_id":"notes-mcp"}]"#,
        ]).configuration()
        #expect(off.clientRetention == ClientRetention(unusedTTL: 0, idleTTL: 0, protectedClientIDs: ["notes-mcp", "introspector"]))
        #expect(off.registration.maxClients == 0)
    }

    /// Counts the writes `ClientUseRecorder` makes; fails them on demand.
    final class CountingRegistry: ClientRegistryStore {
        let writes = Mutex<[String]>([])
        let failing = Mutex(false)
        func recordUse(clientID: String, now: Int64, granularity: Int64) async throws -> Bool {
            if failing.withLock({ $0 }) { throw CancellationError() }
            writes.withLock { $0.append(clientID) }
            return true
        }
        func count(kind: ClientKind) async throws -> Int { 0 }
        func prunable(_ cutoffs: ClientRetention.Cutoffs, protected: Set<String>, after cursor: String?, limit: Int) async throws -> [RegisteredClient] { [] }
        func deletePrunable(_ clientIDs: [String], _ cutoffs: ClientRetention.Cutoffs) async throws -> [String] { [] }
        func activeFamilies(clientIDs: [String], now: Int64) async throws -> [String: Int] { [:] }
    }

    /// Writes what the recorder queued, as its service would; returns how many. An empty id marks the end of the
    /// queue. One iterator for the whole test: the stream ends when its iterator goes.
    static func drain(_ recorder: ClientUseRecorder, _ queue: inout AsyncStream<String>.Iterator) async -> Int {
        recorder.pending.yield("")
        var written = 0
        while let clientID = await queue.next(), !clientID.isEmpty {
            await recorder.write(clientID)
            written += 1
        }
        return written
    }

    @Test("a client is queued once per hour per instance however many tokens it gets; a failed write is retried at its next token")
    func debounce() async throws {
        let clock = TestClock()
        let registry = CountingRegistry()
        let recorder = ClientUseRecorder(store: registry, clock: clock.unix, logger: Logger(label: "test"))
        var queue = recorder.uses.makeAsyncIterator()
        for _ in 0..<3 {
            recorder.noteUse("hot")
            recorder.noteUse("other")
        }
        #expect(await Self.drain(recorder, &queue) == 2)
        clock.advance(3599)
        recorder.noteUse("hot")
        #expect(await Self.drain(recorder, &queue) == 0)
        clock.advance(1)
        registry.failing.withLock { $0 = true }
        recorder.noteUse("hot")
        #expect(await Self.drain(recorder, &queue) == 1)
        registry.failing.withLock { $0 = false }
        recorder.noteUse("hot")
        #expect(await Self.drain(recorder, &queue) == 1)
        #expect(registry.writes.withLock { $0 } == ["hot", "other", "hot"])
    }

    /// Waits for the recorder's service to write `clientID`'s use (it runs beside the request, not in it). The client
    /// cache would answer with the row it read before the write, so this reads the registry itself.
    static func lastUse(of clientID: String, in runtime: LatchkeyRuntime) async throws -> Int64? {
        for _ in 0..<500 {
            if let used = try await SQLClientStore(database: runtime.database).client(id: clientID)?.lastUsedAt { return used }
            try await Task.sleep(for: .milliseconds(10))
        }
        return nil
    }

    @Test("a DCR client without a token goes after a day, one that got a token after 90 idle days; the operator's and configured ones stay")
    func prunes() async throws {
        let clock = TestClock()
        var app = TestApp(["resources": #"[{"uri":"https://mcp.example.com/mcp","client_id":"notes-mcp"}]"#])
        app.clock = clock.unix
        defer { app.removeFiles() }
        try await app.test { client, runtime in
            let used = try await OAuthTest.registerWorker(client)
            let unused = try await OAuthTest.registerWorker(client)
            _ = try await OAuthTest.introspector(runtime)
            let machine = try await runtime.addClient(.object([
                "client_name": .string("billing"), "grant_types": .array([.string("client_credentials")]),
            ]))
            // A DCR row under a configured id (as an upgrade may leave one): kept all the same.
            var named = try #require(try await runtime.clients.client(id: unused.id))
            named.clientID = "notes-mcp"
            try await runtime.clients.create(named)

            let token = try await OAuthTest.post(client, "/token", "grant_type=client_credentials", authorization: used.basic)
            #expect(token.status == .ok)
            let usedAt = try await Self.lastUse(of: used.id, in: runtime)
            #expect(usedAt != nil)
            // `clients list`: every kind, last use, grants (a client_credentials client holds no refresh family).
            let listed = Dictionary(uniqueKeysWithValues: try await runtime.clientListings(after: nil, limit: 10).map { ($0.clientID, $0) })
            #expect(listed.count == 5)
            #expect(listed[used.id]?.kind == .dynamic)
            #expect(listed[used.id]?.lastUsedAt == usedAt)
            #expect(listed[unused.id]?.lastUsedAt == nil)
            #expect(listed[machine.clientID]?.kind == .operatorAdded)
            #expect(listed[used.id]?.activeGrants == 0)

            clock.advance(Self.day + 1)
            #expect(try await runtime.prunableClients().map(\.client.clientID) == [unused.id])
            #expect(try await runtime.pruneClients() == 1)
            #expect(try await runtime.clientRegistry.count(kind: .dynamic) == 2)

            clock.advance(90 * Self.day)
            let idle = try await runtime.prunableClients()
            #expect(idle.map(\.client.clientID) == [used.id])
            #expect(idle.first?.reason == .idle(lastUsedAt: try #require(idle.first?.client.lastUsedAt)))
            #expect(try await runtime.pruneClients() == 1)
            #expect(try await runtime.clientRegistry.prunable(
                runtime.configuration.clientRetention.cutoffs(now: clock.unix.now()), protected: [], after: nil, limit: 10
            ).map(\.clientID) == ["notes-mcp"])
            #expect(try await runtime.clientRegistry.count(kind: .operatorAdded) == 2)
            for id in ["introspector", machine.clientID, "notes-mcp"] {
                #expect(try await runtime.clients.client(id: id) != nil, "\(id) was pruned")
            }
        }
    }

    @Test("past registration-max-clients /register answers 503 temporarily_unavailable with Retry-After, logged once a minute; under it, registration works")
    func cap() async throws {
        let clock = TestClock()
        var app = TestApp(["registration-max-clients": "2"])
        app.clock = clock.unix
        let logs = LogRecorder()
        app.logs = logs
        defer { app.removeFiles() }
        try await app.test { client, runtime in
            // The operator's clients do not count.
            _ = try await OAuthTest.introspector(runtime)
            // A refused registration gives its place back.
            #expect(try await client.register(#"{"redirect_uris":["ftp://x"]}"#).status == .badRequest)
            let first = try await OAuthTest.registerWorker(client)
            _ = try await OAuthTest.registerWorker(client)
            for _ in 0..<3 {
                let refused = try await client.register(#"{"redirect_uris":["http://127.0.0.1/cb"]}"#)
                #expect(refused.status == .serviceUnavailable)
                #expect(refused.json["error"] as? String == "temporarily_unavailable")
                #expect(refused.json["error_description"] as? String != nil)
                #expect(refused.headers[.retryAfter] == "3600")
                #expect(refused.headers[.cacheControl] == "no-store")
            }
            #expect(logs.all.filter { $0.message.contains("registration-max-clients") }.count == 1)
            #expect(try await runtime.clientRegistry.count(kind: .dynamic) == 2)

            // Room again (a prune, a deletion): seen once the cached count is re-read.
            #expect(try await runtime.deleteClient(id: first.id))
            clock.advance(30)
            #expect(try await client.register(#"{"redirect_uris":["http://127.0.0.1/cb"]}"#).status == .created)
            #expect(try await client.register(#"{"redirect_uris":["http://127.0.0.1/cb"]}"#).status == .serviceUnavailable)
            clock.advance(60)
            #expect(try await client.register(#"{"redirect_uris":["http://127.0.0.1/cb"]}"#).status == .serviceUnavailable)
            #expect(logs.all.filter { $0.message.contains("registration-max-clients") }.count == 2)
        }
    }
}
