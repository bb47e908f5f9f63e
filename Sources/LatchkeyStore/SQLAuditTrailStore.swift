public import LatchkeyCore
import SQLKit

/// `AuditTrailStore` over SQL. Every append and every prune runs in one transaction holding the chain's one lock —
/// `AdvisoryLock.auditTrail` on PostgreSQL, the write lock `BEGIN IMMEDIATE` takes on SQLite — so of two instances
/// appending at once, one chains after the other and seqs never fork. The MACs are made here, inside that
/// transaction, from the head read under the lock.
public struct SQLAuditTrailStore: AuditTrailStore {
    let database: LatchkeyDatabase
    let chain: AuditChain

    public init(database: LatchkeyDatabase, chain: AuditChain) {
        self.database = database
        self.chain = chain
    }

    static let columns = "seq, recorded_at, event, user_id, client_id, address, request_id, outcome, details, key_version, mac"

    public func append(_ entries: [AuditEntry]) async throws {
        guard !entries.isEmpty else { return }
        let engine = database.engine
        try await database.withTransaction { db in
            if engine == .postgres { try await AdvisoryLock.auditTrail.acquire(in: db) }
            let state = try await Self.state(db)
            let records = chain.seal(entries, after: state.head)
            for record in records {
                let entry = record.entry
                try await db.raw("""
                    INSERT INTO audit_events (\(unsafeRaw: Self.columns)) VALUES (\(bind: record.seq), \(bind: entry.recordedAt),
                    \(bind: entry.event), \(bind: entry.userID), \(bind: entry.clientID), \(bind: entry.address), \(bind: entry.requestID),
                    \(bind: entry.outcome), \(bind: entry.details), \(bind: Int64(record.keyVersion)), \(bind: record.mac))
                    """).run()
            }
            if let last = records.last {
                try await db.raw("UPDATE audit_chain SET head_seq = \(bind: last.seq), head_mac = \(bind: last.mac) WHERE id = 1").run()
            }
        }
    }

    public func chainState() async throws -> (anchor: AuditAnchor, head: AuditHead) {
        try await database.withReadSession { db in try await Self.state(db) }
    }

    static func state(_ db: any SQLDatabase) async throws -> (anchor: AuditAnchor, head: AuditHead) {
        guard let row = try await db.raw("""
            SELECT head_seq, head_mac, anchor_seq, anchor_mac, anchor_key_version, anchor_tag FROM audit_chain WHERE id = 1
            """).first()
        else { throw AuditStoreError.chainRowMissing }
        let anchor = AuditAnchor(
            seq: try row.decode(column: "anchor_seq", as: Int64.self), mac: try row.decode(column: "anchor_mac", as: String.self),
            keyVersion: Int(try row.decode(column: "anchor_key_version", as: Int64.self)), tag: try row.decode(column: "anchor_tag", as: String.self)
        )
        let head = AuditHead(seq: try row.decode(column: "head_seq", as: Int64.self), mac: try row.decode(column: "head_mac", as: String.self))
        return (anchor, head)
    }

    public func records(after seq: Int64, limit: Int) async throws -> [AuditRecord] {
        try await database.withReadSession { db in
            try await db.raw("""
                SELECT \(unsafeRaw: Self.columns) FROM audit_events WHERE seq > \(bind: seq) ORDER BY seq LIMIT \(bind: limit)
                """).all().map(Self.record)
        }
    }

    public func list(_ query: AuditQuery) async throws -> [AuditRecord] {
        try await database.withReadSession { db in
            var sql: SQLQueryString = "SELECT \(unsafeRaw: Self.columns) FROM audit_events WHERE 1 = 1"
            if let userID = query.userID { sql = sql + " AND user_id = \(bind: userID)" }
            if let since = query.since { sql = sql + " AND recorded_at >= \(bind: since)" }
            if let events = query.events {
                guard !events.isEmpty else { return [] }
                sql = sql + " AND event IN (" + events.map { "\(bind: $0)" as SQLQueryString }.joined(separator: ", ") + ")"
            }
            sql = sql + " ORDER BY seq DESC LIMIT \(bind: max(0, query.limit))"
            return try await db.raw(sql).all().map(Self.record)
        }
    }

    public func prune(recordedBefore cutoff: Int64, limit: Int) async throws -> Int {
        let engine = database.engine
        return try await database.withTransaction { db in
            if engine == .postgres { try await AdvisoryLock.auditTrail.acquire(in: db) }
            let state = try await Self.state(db)
            let oldest = try await db.raw("""
                SELECT seq, mac, recorded_at FROM audit_events WHERE seq > \(bind: state.anchor.seq) ORDER BY seq LIMIT \(bind: limit)
                """).all()
            // A contiguous run from the start: the anchor must be the row just before the first one kept.
            var last: AuditHead?
            var count = 0
            for row in oldest {
                guard try row.decode(column: "recorded_at", as: Int64.self) < cutoff else { break }
                last = AuditHead(seq: try row.decode(column: "seq", as: Int64.self), mac: try row.decode(column: "mac", as: String.self))
                count += 1
            }
            guard let last else { return 0 }
            try await db.raw("DELETE FROM audit_events WHERE seq > \(bind: state.anchor.seq) AND seq <= \(bind: last.seq)").run()
            let anchor = chain.anchor(after: last)
            try await db.raw("""
                UPDATE audit_chain SET anchor_seq = \(bind: anchor.seq), anchor_mac = \(bind: anchor.mac),
                anchor_key_version = \(bind: Int64(anchor.keyVersion)), anchor_tag = \(bind: anchor.tag) WHERE id = 1
                """).run()
            return count
        }
    }

    static func record(_ row: any SQLRow) throws -> AuditRecord {
        AuditRecord(
            seq: try row.decode(column: "seq", as: Int64.self),
            entry: AuditEntry(
                recordedAt: try row.decode(column: "recorded_at", as: Int64.self),
                event: try row.decode(column: "event", as: String.self),
                userID: try row.decode(column: "user_id", as: String?.self),
                clientID: try row.decode(column: "client_id", as: String?.self),
                address: try row.decode(column: "address", as: String?.self),
                requestID: try row.decode(column: "request_id", as: String?.self),
                outcome: try row.decode(column: "outcome", as: String.self),
                details: try row.decode(column: "details", as: String.self)
            ),
            keyVersion: Int(try row.decode(column: "key_version", as: Int64.self)),
            mac: try row.decode(column: "mac", as: String.self)
        )
    }
}

public enum AuditStoreError: Error, CustomStringConvertible {
    /// `audit_chain` lost its one row (migration 14 inserts it): someone deleted it.
    case chainRowMissing

    public var description: String {
        "the audit trail's chain row (audit_chain, id 1) is missing: it was deleted; restore it from a backup"
    }
}
