/// Walks the audit trail from its anchor, row by row in seq order, and names the first place where the chain is
/// broken. Fed page by page (`check`), so a long trail is never held in memory; `finish` compares the end of the
/// walk with the head the store keeps and, when the operator gives one, a head recorded outside the database.
///
/// What it can tell apart, at the first broken seq:
/// - `deleted`: seqs are missing (from the middle, or from the start without the anchor moving).
/// - `reordered`: a row's MAC is right for another place in the chain (rows swapped or renumbered).
/// - `edited`: any other MAC mismatch — a column changed, or rows deleted and the rest renumbered.
/// - `unknownKey`: the row was MACed under a master key that is not held (`master-key-previous`), or its key version
///   was changed; it cannot be checked.
/// - `anchorForged`: the anchor's tag is wrong: it was moved or edited by someone without the key.
/// - `newestDeleted`, `headMismatch`: the trail ends before the head the store (or the operator) recorded.
///
/// What it cannot tell: rows deleted from the end together with the store's head copy, or everything deleted with
/// the anchor reset. Only a head recorded outside the database (`expectedHead`) shows that.
public struct AuditChainVerifier: Sendable {
    public enum Problem: Sendable, Equatable, CustomStringConvertible {
        case anchorForged(seq: Int64)
        case deleted(from: Int64, through: Int64)
        case edited(seq: Int64)
        case reordered(seq: Int64, writtenAs: Int64)
        case unknownKey(seq: Int64, version: Int)
        case newestDeleted(after: Int64, through: Int64)
        case headMismatch(seq: Int64)

        /// The first seq found broken.
        public var seq: Int64 {
            switch self {
            case .anchorForged(let seq), .edited(let seq), .reordered(let seq, _), .unknownKey(let seq, _), .headMismatch(let seq): seq
            case .deleted(let from, _): from
            case .newestDeleted(let after, _): after + 1
            }
        }

        public var description: String {
            switch self {
            case .anchorForged(let seq):
                "the anchor (seq \(seq)) does not carry a valid tag: it was moved or edited without the key, hiding rows deleted from the start"
            case .deleted(let from, let through):
                from == through ? "seq \(from) is missing: the row was deleted" : "seqs \(from)…\(through) are missing: the rows were deleted"
            case .edited(let seq):
                "seq \(seq) does not match its MAC: the row was edited, or rows before it were deleted and the rest renumbered"
            case .reordered(let seq, let writtenAs):
                "seq \(seq) was written as seq \(writtenAs): the rows were reordered"
            case .unknownKey(let seq, let version):
                "seq \(seq) was MACed under master key version \(version), which is not held (list it in master-key-previous), or its key version was edited"
            case .newestDeleted(let after, let through):
                "the trail ends at seq \(after) but seq \(through) was recorded: the newest rows were deleted"
            case .headMismatch(let seq):
                "seq \(seq) does not carry the MAC recorded for it as the head: the row or the recorded head was changed"
            }
        }
    }

    let chain: AuditChain
    public let anchor: AuditAnchor
    /// A head recorded outside the database, if the operator gave one.
    let expectedHead: AuditHead?
    /// The last row verified (the anchor before any).
    public private(set) var last: AuditHead
    /// Rows verified so far.
    public private(set) var count = 0
    /// The first problem; checking stops there.
    public private(set) var problem: Problem?
    /// The last rows verified, to diagnose a reorder.
    private var recent: [AuditHead] = []
    static let window = 32

    public init(chain: AuditChain, anchor: AuditAnchor, expectedHead: AuditHead? = nil) {
        self.chain = chain
        self.anchor = anchor
        self.expectedHead = expectedHead
        self.last = AuditHead(seq: anchor.seq, mac: anchor.mac)
        self.recent = [last]
        if !chain.isAuthentic(anchor) {
            problem = .anchorForged(seq: anchor.seq)
        } else if let expectedHead, expectedHead.seq == anchor.seq, !anchor.isGenesis, !chain.keys.equal(expectedHead.mac, anchor.mac) {
            problem = .headMismatch(seq: anchor.seq)
        }
    }

    /// Checks `rows` (ascending seq, each after the last row checked). `lookahead` is the start of the next page, used
    /// only to diagnose a reorder. Returns the first problem, which stays set.
    @discardableResult
    public mutating func check(_ rows: [AuditRecord], lookahead: [AuditRecord] = []) -> Problem? {
        guard problem == nil else { return problem }
        for (index, row) in rows.enumerated() {
            let expected = last.seq + 1
            if row.seq > expected {
                problem = .deleted(from: expected, through: row.seq - 1)
                return problem
            }
            guard let chained = chain.isChained(row, after: last.mac) else {
                problem = .unknownKey(seq: row.seq, version: row.keyVersion)
                return problem
            }
            guard chained, row.seq == expected else {
                let following = Array(rows[(index + 1)...]) + lookahead
                problem = diagnose(row, following: following)
                return problem
            }
            if let expectedHead, expectedHead.seq == row.seq, !chain.keys.equal(expectedHead.mac, row.mac) {
                problem = .headMismatch(seq: row.seq)
                return problem
            }
            last = AuditHead(seq: row.seq, mac: row.mac)
            count += 1
            recent.append(last)
            if recent.count > Self.window { recent.removeFirst(recent.count - Self.window) }
        }
        return nil
    }

    /// The end of the walk against the head the store keeps and the one the operator recorded. Returns the problem, if any.
    @discardableResult
    public mutating func finish(storedHead: AuditHead) -> Problem? {
        guard problem == nil else { return problem }
        for head in [expectedHead, storedHead].compactMap({ $0 }) {
            if head.seq > last.seq {
                problem = .newestDeleted(after: last.seq, through: head.seq)
                return problem
            }
            if head.seq == last.seq, !chain.keys.equal(head.mac, last.mac) {
                problem = .headMismatch(seq: head.seq)
                return problem
            }
        }
        // A stored head behind the last row: rows were added without it, which only a writer without the key would
        // do — and their MACs would have failed above — or the head was edited.
        if storedHead.seq < last.seq {
            problem = .headMismatch(seq: storedHead.seq)
        }
        return problem
    }

    /// A row that does not chain where it stands: if its MAC chains it after another recent or following row, it was
    /// moved; otherwise it was edited.
    func diagnose(_ row: AuditRecord, following: [AuditRecord]) -> Problem {
        let candidates = recent + following.prefix(Self.window).map { AuditHead(seq: $0.seq, mac: $0.mac) }
        // Swapped seqs: seqs are only permuted, so the row's original seq is a neighbour's seq, or one past one.
        let seqs = Set(candidates.flatMap { [$0.seq, $0.seq + 1] }).sorted()
        for candidate in candidates {
            for seq in seqs where seq != row.seq || candidate.mac != last.mac {
                if chain.isChained(row, after: candidate.mac, asSeq: seq) == true {
                    return .reordered(seq: row.seq, writtenAs: seq)
                }
            }
        }
        return .edited(seq: row.seq)
    }
}
