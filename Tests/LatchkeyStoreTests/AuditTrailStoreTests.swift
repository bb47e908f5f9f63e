import LatchkeyCore
import LatchkeyCrypto
import LatchkeyStore
import SQLKit
import Testing

/// The audit trail on every engine: one gap-free chain even with two instances appending at once, newest-first
/// queries by user and time, pruning that moves a keyed anchor, and tampering through SQL found by the verifier.
struct AuditTrailStoreTests {
    static let chain = AuditChain(keys: AuditKeys(ring: try! MasterKeyRing(current: MasterKey.generate())))

    static func entry(_ index: Int, user: String = "u1", event: String = "login.succeeded", at: Int64? = nil) -> AuditEntry {
        AuditEntry(
            recordedAt: at ?? 1_000 + Int64(index), event: event, userID: user, clientID: index.isMultiple(of: 2) ? "c1" : nil,
            address: "192.0.2.\(index % 250)", requestID: "req-\(index)", outcome: "success", details: #"{"n":"\#(index)"}"#
        )
    }

    /// Walks the stored chain as `latchkey audit verify` does.
    static func verify(_ store: SQLAuditTrailStore) async throws -> (problem: AuditChainVerifier.Problem?, count: Int) {
        let (anchor, head) = try await store.chainState()
        var verifier = AuditChainVerifier(chain: chain, anchor: anchor)
        verifier.check(try await store.records(after: anchor.seq, limit: 100_000))
        verifier.finish(storedHead: head)
        return (verifier.problem, verifier.count)
    }

    @Test("appends chain in order from seq 1; the head follows; the chain verifies", arguments: TestEngine.available)
    func append(engine: TestEngine) async throws {
        try await withTestDatabase(engine) { (databases) async throws -> Void in
            let store = SQLAuditTrailStore(database: databases[0], chain: Self.chain)
            #expect(try await store.chainState().anchor == .genesis)
            try await store.append((1...3).map { Self.entry($0) })
            try await store.append([Self.entry(4)])
            try await store.append([])
            let rows = try await store.records(after: 0, limit: 10)
            #expect(rows.map(\.seq) == [1, 2, 3, 4])
            #expect(rows.map(\.entry) == (1...4).map { Self.entry($0) })
            #expect(try await store.chainState().head == AuditHead(seq: 4, mac: rows[3].mac))
            #expect(try await store.records(after: 2, limit: 1).map(\.seq) == [3])
            let result = try await Self.verify(store)
            #expect(result.problem == nil)
            #expect(result.count == 4)
        }
    }

    @Test("list: newest first, by user, since a time, by event, limited", arguments: TestEngine.available)
    func list(engine: TestEngine) async throws {
        try await withTestDatabase(engine) { (databases) async throws -> Void in
            let store = SQLAuditTrailStore(database: databases[0], chain: Self.chain)
            try await store.append([
                Self.entry(1, user: "alice"), Self.entry(2, user: "bob"), Self.entry(3, user: "alice", event: "consent.granted"),
                Self.entry(4, user: "alice", event: "login.failed"),
            ])
            #expect(try await store.list(AuditQuery()).map(\.seq) == [4, 3, 2, 1])
            #expect(try await store.list(AuditQuery(userID: "alice")).map(\.seq) == [4, 3, 1])
            #expect(try await store.list(AuditQuery(userID: "alice", since: 1_003)).map(\.seq) == [4, 3])
            #expect(try await store.list(AuditQuery(userID: "alice", events: ["login.succeeded", "consent.granted"])).map(\.seq) == [3, 1])
            #expect(try await store.list(AuditQuery(events: [])).isEmpty)
            #expect(try await store.list(AuditQuery(limit: 2)).map(\.seq) == [4, 3])
        }
    }

    @Test("two instances appending at once keep one gap-free chain", arguments: TestEngine.available)
    func concurrentAppends(engine: TestEngine) async throws {
        try await withTestDatabase(engine, instances: 2) { (databases) async throws -> Void in
            let stores = databases.map { SQLAuditTrailStore(database: $0, chain: Self.chain) }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for round in 0..<20 {
                    for (index, store) in stores.enumerated() {
                        group.addTask { try await store.append([Self.entry(round * 10 + index), Self.entry(round * 10 + index + 5)]) }
                    }
                }
                try await group.waitForAll()
            }
            let rows = try await stores[0].records(after: 0, limit: 1000)
            #expect(rows.map(\.seq) == Array(1...80))
            let result = try await Self.verify(stores[1])
            #expect(result.problem == nil)
            #expect(result.count == 80)
        }
    }

    @Test("pruning deletes the oldest rows in batches, moves the anchor with them, and the rest still verifies", arguments: TestEngine.available)
    func prune(engine: TestEngine) async throws {
        try await withTestDatabase(engine) { (databases) async throws -> Void in
            let store = SQLAuditTrailStore(database: databases[0], chain: Self.chain)
            try await store.append((1...10).map { Self.entry($0) })
            // Recorded at 1001…1010: before 1008 are seqs 1…7, in batches of 3.
            #expect(try await store.prune(recordedBefore: 1_008, limit: 3) == 3)
            #expect(try await store.prune(recordedBefore: 1_008, limit: 3) == 3)
            #expect(try await store.prune(recordedBefore: 1_008, limit: 3) == 1)
            #expect(try await store.prune(recordedBefore: 1_008, limit: 3) == 0)
            let (anchor, _) = try await store.chainState()
            #expect(anchor.seq == 7)
            #expect(try await store.records(after: 0, limit: 100).map(\.seq) == [8, 9, 10])
            var result = try await Self.verify(store)
            #expect(result.problem == nil)
            #expect(result.count == 3)
            // Appending after a prune chains on from the head.
            try await store.append([Self.entry(11)])
            result = try await Self.verify(store)
            #expect(result.problem == nil)
            #expect(result.count == 4)
            // Deleting past the anchor without the key to move it is found.
            try await databases[0].withSession { try await $0.raw("DELETE FROM audit_events WHERE seq = 8").run() }
            #expect(try await Self.verify(store).problem == .deleted(from: 8, through: 8))
            // Moving the anchor by SQL (to the deleted row's values) lacks the tag.
            try await databases[0].withSession { try await $0.raw("UPDATE audit_chain SET anchor_seq = 8").run() }
            #expect(try await Self.verify(store).problem == .anchorForged(seq: 8))
        }
    }

    @Test("tampering through SQL is found: an edited column, a deleted middle row, swapped rows, deleted newest rows", arguments: TestEngine.available)
    func tampering(engine: TestEngine) async throws {
        try await withTestDatabase(engine) { (databases) async throws -> Void in
            let store = SQLAuditTrailStore(database: databases[0], chain: Self.chain)
            try await store.append((1...8).map { Self.entry($0) })
            let database = databases[0]
            try await database.withSession { try await $0.raw("UPDATE audit_events SET address = '203.0.113.9' WHERE seq = 3").run() }
            #expect(try await Self.verify(store).problem == .edited(seq: 3))
            try await database.withSession { try await $0.raw("UPDATE audit_events SET address = '192.0.2.3' WHERE seq = 3").run() }
            #expect(try await Self.verify(store).problem == nil)
            try await database.withSession { db in
                try await db.raw("UPDATE audit_events SET seq = 100 WHERE seq = 5").run()
                try await db.raw("UPDATE audit_events SET seq = 5 WHERE seq = 6").run()
                try await db.raw("UPDATE audit_events SET seq = 6 WHERE seq = 100").run()
            }
            #expect(try await Self.verify(store).problem == .reordered(seq: 5, writtenAs: 6))
            try await database.withSession { try await $0.raw("DELETE FROM audit_events WHERE seq >= 5").run() }
            #expect(try await Self.verify(store).problem == .newestDeleted(after: 4, through: 8))
            try await database.withSession { try await $0.raw("DELETE FROM audit_events WHERE seq = 2").run() }
            #expect(try await Self.verify(store).problem == .deleted(from: 2, through: 2))
        }
    }
}
