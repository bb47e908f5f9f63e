import LatchkeyCore
import LatchkeyCrypto
import Testing

/// The audit trail's chain rule, without a database: each row's HMAC covers the previous row's MAC and the row, so
/// editing, deleting from the middle or the start, reordering and a foreign key are each found, at the first broken seq.
struct AuditChainTests {
    static let key = try! MasterKey(base64: MasterKeyTests.fixedBase64)
    static let chain = AuditChain(keys: AuditKeys(ring: try! MasterKeyRing(current: key)))

    static func entry(_ index: Int, user: String? = "u1") -> AuditEntry {
        AuditEntry(
            recordedAt: 1_700_000_000 + Int64(index), event: "login.succeeded", userID: user, clientID: nil, address: "192.0.2.\(index % 250)",
            requestID: "req-\(index)", outcome: "success", details: #"{"username":"alice"}"#
        )
    }

    static func rows(_ count: Int, chain: AuditChain = chain, after head: AuditHead = AuditHead(seq: 0, mac: "")) -> [AuditRecord] {
        chain.seal((1...count).map { entry(Int(head.seq) + $0) }, after: head)
    }

    static func verify(
        _ rows: [AuditRecord], anchor: AuditAnchor = .genesis, head: AuditHead? = nil, expected: AuditHead? = nil, chain: AuditChain = chain,
        page: Int = 4
    ) -> (problem: AuditChainVerifier.Problem?, count: Int) {
        var verifier = AuditChainVerifier(chain: chain, anchor: anchor, expectedHead: expected)
        // In pages, with the next page as lookahead, as the runtime walks it.
        var start = 0
        while start < rows.count {
            let end = min(start + page, rows.count)
            verifier.check(Array(rows[start..<end]), lookahead: Array(rows[end..<min(end + page, rows.count)]))
            start = end
        }
        let last = rows.last.map { AuditHead(seq: $0.seq, mac: $0.mac) } ?? AuditHead(seq: anchor.seq, mac: anchor.mac)
        verifier.finish(storedHead: head ?? last)
        return (verifier.problem, verifier.count)
    }

    @Test("a row's MAC is HMAC-SHA256 under HKDF(master key, \"latchkey/audit/v1\") of the previous MAC and the length-prefixed columns")
    func knownAnswer() {
        // Computed independently with Python (hmac, hashlib; HKDF by RFC 5869 with an empty salt).
        let entry = AuditEntry(
            recordedAt: 1_700_000_000, event: "login.succeeded", userID: "u1", clientID: nil, address: "192.0.2.1", requestID: "req-1",
            outcome: "success", details: #"{"username":"alice"}"#
        )
        let record = Self.chain.seal([entry], after: AuditHead(seq: 0, mac: ""))[0]
        #expect(record.seq == 1)
        #expect(record.keyVersion == MasterKeyTests.fixedVersion)
        #expect(record.mac == "f7185b0e96d32b6bd10086c3484e5f5ade31eaa8203f63626398dec87f502828")
    }

    @Test("an untouched chain verifies, page by page, and ends at the stored head")
    func intact() {
        let rows = Self.rows(10)
        let result = Self.verify(rows)
        #expect(result.problem == nil)
        #expect(result.count == 10)
        #expect(rows.map(\.seq) == Array(1...10))
    }

    @Test("text cannot move from one column into the next: the lengths are part of what is MACed")
    func noShifting() {
        var first = Self.entry(1)
        first.address = "192.0.2.1"
        first.requestID = "x"
        var second = first
        second.address = "192.0.2.1x"
        second.requestID = ""
        let head = AuditHead(seq: 0, mac: "")
        #expect(Self.chain.seal([first], after: head)[0].mac != Self.chain.seal([second], after: head)[0].mac)
        var missing = first
        missing.requestID = nil
        var empty = first
        empty.requestID = ""
        #expect(Self.chain.seal([missing], after: head)[0].mac != Self.chain.seal([empty], after: head)[0].mac)
    }

    @Test("editing any column of a row is found at that row", arguments: [
        "recordedAt", "event", "userID", "clientID", "address", "requestID", "outcome", "details", "mac",
    ])
    func edited(column: String) {
        var rows = Self.rows(8)
        switch column {
        case "recordedAt": rows[4].entry.recordedAt += 1
        case "event": rows[4].entry.event = "login.failed"
        case "userID": rows[4].entry.userID = "u2"
        case "clientID": rows[4].entry.clientID = "c"
        case "address": rows[4].entry.address = "198.51.100.7"
        case "requestID": rows[4].entry.requestID = nil
        case "outcome": rows[4].entry.outcome = "failure"
        case "details": rows[4].entry.details = "{}"
        default: rows[4].mac = String(repeating: "0", count: 64)
        }
        let result = Self.verify(rows)
        #expect(result.problem == .edited(seq: 5))
        #expect(result.count == 4)
    }

    @Test("deleting rows from the middle is found as the missing seqs; renumbering the rest to hide the gap is an edit")
    func deletedMiddle() {
        var rows = Self.rows(8)
        rows.removeSubrange(3...4)
        #expect(Self.verify(rows).problem == .deleted(from: 4, through: 5))
        for index in 3..<rows.count { rows[index].seq -= 2 }
        #expect(Self.verify(rows, head: AuditHead(seq: 6, mac: rows[5].mac)).problem == .edited(seq: 4))
    }

    @Test("deleting rows from the start without moving the anchor is found; a moved anchor without the key's tag too")
    func deletedStart() {
        let rows = Self.rows(8)
        #expect(Self.verify(Array(rows.dropFirst(3))).problem == .deleted(from: 1, through: 3))
        // Moving the anchor to the last deleted row needs its tag, which only the key makes.
        let forged = AuditAnchor(seq: 3, mac: rows[2].mac, keyVersion: Self.key.version, tag: String(repeating: "a", count: 64))
        #expect(Self.verify(Array(rows.dropFirst(3)), anchor: forged).problem == .anchorForged(seq: 3))
        // Pruning (the server, with the key) moves it properly: the rest verifies.
        let pruned = Self.chain.anchor(after: AuditHead(seq: 3, mac: rows[2].mac))
        let result = Self.verify(Array(rows.dropFirst(3)), anchor: pruned)
        #expect(result.problem == nil)
        #expect(result.count == 5)
        // Deleting past the anchor is found again.
        #expect(Self.verify(Array(rows.dropFirst(5)), anchor: pruned).problem == .deleted(from: 4, through: 5))
    }

    @Test("swapping two rows' seqs is found as a reorder, naming the seq the row was written as")
    func reordered() {
        var rows = Self.rows(8)
        rows[3].seq = 5
        rows[4].seq = 4
        rows.swapAt(3, 4)
        #expect(Self.verify(rows, page: 8).problem == .reordered(seq: 4, writtenAs: 5))
        // Across a page boundary, found through the lookahead.
        var across = Self.rows(8)
        across[3].seq = 5
        across[4].seq = 4
        across.swapAt(3, 4)
        #expect(Self.verify(across, page: 4).problem == .reordered(seq: 4, writtenAs: 5))
    }

    @Test("rows MACed under a key that is not held, or under another key, are named as such")
    func wrongKey() {
        let other = AuditChain(keys: AuditKeys(ring: try! MasterKeyRing(current: MasterKey.generate())))
        // A whole chain made with another master key: its version is unknown here.
        #expect(Self.verify(Self.rows(3, chain: other)).problem == .unknownKey(seq: 1, version: other.keys.currentVersion))
        // A row re-MACed with another key but stamped with ours does not verify.
        var rows = Self.rows(3)
        rows[1].mac = other.seal([rows[1].entry], after: AuditHead(seq: 1, mac: rows[0].mac))[0].mac
        #expect(Self.verify(rows).problem == .edited(seq: 2))
    }

    @Test("after a master-key rotation the chain verifies while the previous key is held")
    func rotation() throws {
        let next = MasterKey.generate()
        let rotated = AuditChain(keys: AuditKeys(ring: try MasterKeyRing(current: next, previous: [Self.key])))
        let old = Self.rows(3)
        let new = Self.rows(3, chain: rotated, after: AuditHead(seq: 3, mac: old[2].mac))
        #expect(new.allSatisfy { $0.keyVersion == next.version })
        #expect(Self.verify(old + new, chain: rotated).problem == nil)
        let forgotten = AuditChain(keys: AuditKeys(ring: try MasterKeyRing(current: next)))
        #expect(Self.verify(old + new, chain: forgotten).problem == .unknownKey(seq: 1, version: Self.key.version))
    }

    @Test("deleting the newest rows is found against the stored head; with the head changed too, only a head recorded elsewhere finds it")
    func truncatedTail() {
        let rows = Self.rows(8)
        let kept = Array(rows.prefix(5))
        #expect(Self.verify(kept, head: AuditHead(seq: 8, mac: rows[7].mac)).problem == .newestDeleted(after: 5, through: 8))
        // The stored head rewound to the last kept row: the database alone cannot tell.
        #expect(Self.verify(kept).problem == nil)
        // A head the operator recorded outside the database still can.
        #expect(Self.verify(kept, expected: AuditHead(seq: 8, mac: rows[7].mac)).problem == .newestDeleted(after: 5, through: 8))
        #expect(Self.verify(rows, expected: AuditHead(seq: 6, mac: rows[5].mac)).problem == nil)
        #expect(Self.verify(rows, expected: AuditHead(seq: 6, mac: rows[4].mac)).problem == .headMismatch(seq: 6))
    }

    @Test("a head is written and read as SEQ:MAC")
    func headText() {
        let head = AuditHead(seq: 42, mac: String(repeating: "ab", count: 32))
        #expect(AuditHead(text: head.text) == head)
        #expect(AuditHead(text: "42") == nil)
        #expect(AuditHead(text: "x:" + head.mac) == nil)
        #expect(AuditHead(text: "42:" + head.mac.uppercased()) == nil)
    }
}
