/// A row of the audit trail: an entry, its place in the chain, and the MAC that chains it to the row before.
public struct AuditRecord: Sendable, Equatable {
    /// 1, 2, 3…: gap-free in the whole chain, across instances.
    public var seq: Int64
    public var entry: AuditEntry
    /// `MasterKey.version` of the master key whose audit subkey made `mac`.
    public var keyVersion: Int
    /// Lowercase hex of HMAC-SHA256(audit key, previous row's MAC ‖ this row's canonical encoding).
    public var mac: String

    public init(seq: Int64, entry: AuditEntry, keyVersion: Int, mac: String) {
        self.seq = seq
        self.entry = entry
        self.keyVersion = keyVersion
        self.mac = mac
    }

    /// What the MAC covers: a domain label, the previous MAC, then every column of the row but the MAC, each as a
    /// presence byte and a 4-byte big-endian length before its UTF-8 bytes. The lengths make the encoding
    /// unambiguous, so no text can move from one column into the next (`"ab","c"` ≠ `"a","bc"`), and the presence byte
    /// keeps a missing value apart from an empty one.
    public static func canonicalBytes(
        previousMAC: String, seq: Int64, entry: AuditEntry, keyVersion: Int
    ) -> [UInt8] {
        var bytes = Array("latchkey/audit/row/v1".utf8)
        func append(_ value: String?) {
            guard let value else {
                bytes.append(0)
                return
            }
            let utf8 = Array(value.utf8)
            bytes.append(1)
            let count = UInt32(clamping: utf8.count)
            bytes += [UInt8(count >> 24), UInt8((count >> 16) & 0xff), UInt8((count >> 8) & 0xff), UInt8(count & 0xff)]
            bytes += utf8
        }
        append(previousMAC)
        append(String(seq))
        append(String(entry.recordedAt))
        append(entry.event)
        append(entry.userID)
        append(entry.clientID)
        append(entry.address)
        append(entry.requestID)
        append(entry.outcome)
        append(entry.details)
        append(String(keyVersion))
        return bytes
    }
}

/// Where the chain starts: the seq and MAC of the last row retention pruned (seq 0 and an empty MAC before any),
/// with a tag only the server's key can make, so nobody can move it forward to hide rows deleted from the start.
public struct AuditAnchor: Sendable, Equatable {
    public var seq: Int64
    public var mac: String
    /// The key that made `tag`; 0 for the genesis anchor, which has no tag.
    public var keyVersion: Int
    public var tag: String

    public init(seq: Int64, mac: String, keyVersion: Int, tag: String) {
        self.seq = seq
        self.mac = mac
        self.keyVersion = keyVersion
        self.tag = tag
    }

    /// Before anything was pruned: the first row chains from an empty MAC.
    public static let genesis = AuditAnchor(seq: 0, mac: "", keyVersion: 0, tag: "")

    public var isGenesis: Bool { seq == 0 && mac.isEmpty }

    /// What the tag covers: a label of its own (an anchor tag can never pass for a row MAC), the seq and the MAC.
    public static func canonicalBytes(seq: Int64, mac: String) -> [UInt8] {
        Array("latchkey/audit/anchor/v1".utf8) + [0] + Array(String(seq).utf8) + [0] + Array(mac.utf8)
    }
}

/// The newest row's seq and MAC: the next append chains from it. The store keeps a copy (`audit_chain`); an operator
/// who records it elsewhere (`latchkey audit verify` prints it) can later prove that no newest rows were deleted.
public struct AuditHead: Sendable, Equatable {
    public var seq: Int64
    public var mac: String

    public init(seq: Int64, mac: String) {
        self.seq = seq
        self.mac = mac
    }

    /// `SEQ:MAC`, as printed by `latchkey audit verify` and accepted by its `--expect-head`.
    public var text: String { "\(seq):\(mac)" }

    public init?(text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let seq = Int64(parts[0]), seq >= 0,
              parts[1].count == 64, parts[1].allSatisfy({ $0.isHexDigit && !$0.isUppercase })
        else { return nil }
        self.init(seq: seq, mac: String(parts[1]))
    }
}
