import ArgumentParser
import Foundation
import LatchkeyCore
import LatchkeyServer

struct Audit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Read and verify the audit trail of security events.",
        discussion: """
            Every security event (sign-ins, approvals, revocations, replays, registry and key changes) is also stored \
            in an append-only table, each row chained to the one before by an HMAC under a key derived from the master \
            key. Rows older than audit-retention are pruned; the chain then starts at a keyed anchor.
            """,
        subcommands: [List.self, Verify.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List audit rows, newest first.",
            discussion: """
                Examples: latchkey audit list --since 24h
                          latchkey audit list --user alice --since 2026-12-01 --json
                """
        )
        @OptionGroup var options: ConfigOptions
        @Option(help: "Only this user's rows: a username or a user id.") var user: String?
        @Option(help: "Only rows recorded since: a duration back from now (90s, 30m, 24h, 7d) or an ISO 8601 date or time (2026-12-01, 2026-12-01T08:00:00Z).")
        var since: String?
        @Option(help: "Rows at most. Default: 100.") var limit: Int = 100
        @Flag(help: "Print the rows as JSON (one array).") var json = false

        func validate() throws {
            guard (1...100_000).contains(limit) else { throw ValidationError("--limit must be between 1 and 100000") }
            if let since, Audit.parseSince(since, now: 0) == nil {
                throw ValidationError("--since must be a duration like 24h or 7d, or an ISO 8601 date or time, got '\(since)'")
            }
        }

        func run() async throws {
            try await options.withRuntime { runtime in
                let since = self.since.flatMap { Audit.parseSince($0, now: runtime.clock.now()) }
                let records = try await runtime.auditRecords(user: user, since: since, limit: limit)
                if json {
                    let objects: [[String: Any]] = records.map(Audit.object)
                    let data = try JSONSerialization.data(withJSONObject: objects, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
                    print(String(decoding: data, as: UTF8.self))
                    return
                }
                guard !records.isEmpty else {
                    print("no audit rows match")
                    return
                }
                print(Audit.row(["SEQ", "TIME (UTC)", "EVENT", "OUTCOME", "USER", "CLIENT", "ADDRESS", "REQUEST", "DETAILS"]))
                for record in records {
                    let entry = record.entry
                    print(Audit.row([
                        String(record.seq), Audit.time(entry.recordedAt), entry.event, entry.outcome, entry.userID ?? "-",
                        entry.clientID ?? "-", entry.address ?? "-", entry.requestID ?? "-", entry.details,
                    ]))
                }
            }
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check every row's HMAC from the anchor to the newest row.",
            discussion: """
                Exits 0 and prints how many rows verified and the newest row as SEQ:MAC. Exits 1 naming the first \
                broken seq and what is wrong: edited, deleted, reordered, or a key that is not held. Deleting the \
                newest rows together with the stored head cannot be seen from the database alone: record the printed \
                head somewhere else (a ticket, another system's log) and pass it back with --expect-head to check that \
                the trail still reaches it. Rows MACed before a master-key rotation need the old key in \
                master-key-previous.
                """
        )
        @OptionGroup var options: ConfigOptions
        @Option(help: "A head printed by an earlier verify (SEQ:MAC): the trail must still contain it, unchanged.")
        var expectHead: String?

        func validate() throws {
            if let expectHead, AuditHead(text: expectHead) == nil {
                throw ValidationError("--expect-head must be SEQ:MAC as printed by `latchkey audit verify`, got '\(expectHead)'")
            }
        }

        func run() async throws {
            try await options.withRuntime { runtime in
                let result = try await runtime.verifyAuditTrail(expectedHead: expectHead.flatMap(AuditHead.init(text:)))
                if let problem = result.problem {
                    throw CommandFailure("audit trail broken at seq \(problem.seq): \(problem); \(Audit.rows(result.verified)) after the anchor (seq \(result.anchor.seq)) verified before it")
                }
                if let expected = expectHead.flatMap(AuditHead.init(text:)), expected.seq < result.anchor.seq {
                    print("note: seq \(expected.seq) was pruned by retention; only the rows after the anchor (seq \(result.anchor.seq)) could be checked")
                }
                let range = result.verified == 0 ? "no rows" : "seq \(result.anchor.seq + 1)…\(result.last.seq)"
                print("audit trail intact: \(Audit.rows(result.verified)) verified (\(range)), from the anchor at seq \(result.anchor.seq)")
                print("head: \(result.last.text)")
            }
        }
    }

    /// `24h`, `7d`, `30m`, `90s` back from `now`, or an ISO 8601 date (midnight UTC) or date and time.
    static func parseSince(_ text: String, now: Int64) -> Int64? {
        let units: [Character: Int64] = ["s": 1, "m": 60, "h": 3600, "d": 86400]
        if let unit = text.last.flatMap({ units[$0] }), let count = Int64(text.dropLast()), count >= 0, count <= 100 * 365 * 86400 / unit {
            return now - count * unit
        }
        let full = ISO8601DateFormatter()
        if let date = full.date(from: text) { return Int64(date.timeIntervalSince1970) }
        let day = ISO8601DateFormatter()
        day.formatOptions = [.withFullDate]
        return day.date(from: text).map { Int64($0.timeIntervalSince1970) }
    }

    static func rows(_ count: Int) -> String { count == 1 ? "1 row" : "\(count) rows" }

    static func time(_ seconds: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate, .withTime, .withColonSeparatorInTime, .withSpaceBetweenDateAndTime]
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }

    static func row(_ columns: [String]) -> String {
        let widths = [7, 19, 30, 8, 32, 24, 16, 24]
        return columns.enumerated().map { index, text in
            index < widths.count ? text.padding(toLength: max(widths[index], text.count), withPad: " ", startingAt: 0) : text
        }.joined(separator: " ")
    }

    static func object(_ record: AuditRecord) -> [String: Any] {
        let entry = record.entry
        var object: [String: Any] = [
            "seq": record.seq, "recorded_at": entry.recordedAt, "time": time(entry.recordedAt), "event": entry.event,
            "outcome": entry.outcome, "key_version": record.keyVersion, "mac": record.mac,
        ]
        object["user_id"] = entry.userID
        object["client_id"] = entry.clientID
        object["address"] = entry.address
        object["request_id"] = entry.requestID
        object["details"] = (try? JSONSerialization.jsonObject(with: Data(entry.details.utf8))) ?? entry.details
        return object
    }
}
