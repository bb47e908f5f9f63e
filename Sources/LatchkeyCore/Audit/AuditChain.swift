/// The MAC keys of the audit trail, by key version. Implemented in LatchkeyCrypto (HMAC-SHA256 under a subkey of each
/// master key held); Core only chains and checks.
public protocol AuditMACKeys: Sendable {
    /// The version new rows are MACed with.
    var currentVersion: Int { get }
    /// Lowercase hex of the MAC of `message` under the key of `version`; `nil` when that key is not held.
    func mac(_ message: [UInt8], version: Int) -> String?
    /// Compares two MACs in constant time.
    func equal(_ first: String, _ second: String) -> Bool
}

/// The chain rule of the audit trail: each row's MAC covers the previous row's MAC and the row itself, so a row
/// edited, deleted from the middle, or moved breaks every MAC from there on, and only the key can mend it.
public struct AuditChain: Sendable {
    public let keys: any AuditMACKeys

    public init(keys: any AuditMACKeys) {
        self.keys = keys
    }

    /// Chains `entries` after `head`, seq after seq, under the current key.
    public func seal(_ entries: [AuditEntry], after head: AuditHead) -> [AuditRecord] {
        var previous = head
        var records: [AuditRecord] = []
        records.reserveCapacity(entries.count)
        let version = keys.currentVersion
        for entry in entries {
            let seq = previous.seq + 1
            // The current key is always held.
            let mac = keys.mac(AuditRecord.canonicalBytes(previousMAC: previous.mac, seq: seq, entry: entry, keyVersion: version), version: version) ?? ""
            records.append(AuditRecord(seq: seq, entry: entry, keyVersion: version, mac: mac))
            previous = AuditHead(seq: seq, mac: mac)
        }
        return records
    }

    /// The anchor after pruning through `last`: its seq and MAC, tagged under the current key.
    public func anchor(after last: AuditHead) -> AuditAnchor {
        let version = keys.currentVersion
        let tag = keys.mac(AuditAnchor.canonicalBytes(seq: last.seq, mac: last.mac), version: version) ?? ""
        return AuditAnchor(seq: last.seq, mac: last.mac, keyVersion: version, tag: tag)
    }

    /// Whether `record`'s MAC is the one chaining it after `previousMAC`; `nil` when its key is not held.
    func isChained(_ record: AuditRecord, after previousMAC: String, asSeq seq: Int64? = nil) -> Bool? {
        let bytes = AuditRecord.canonicalBytes(previousMAC: previousMAC, seq: seq ?? record.seq, entry: record.entry, keyVersion: record.keyVersion)
        guard let expected = keys.mac(bytes, version: record.keyVersion) else { return nil }
        return keys.equal(expected, record.mac)
    }

    /// Whether the anchor is the genesis anchor or carries a tag the key of its version made.
    func isAuthentic(_ anchor: AuditAnchor) -> Bool {
        if anchor == .genesis { return true }
        guard let expected = keys.mac(AuditAnchor.canonicalBytes(seq: anchor.seq, mac: anchor.mac), version: anchor.keyVersion) else { return false }
        return keys.equal(expected, anchor.tag)
    }
}
