import LatchkeyCore
import Testing

/// How a security event becomes an audit row: user and client in their own columns, the address and request id from
/// where it came, an outcome, and the rest as one deterministic, printable, bounded JSON object.
struct AuditEntryTests {
    @Test("user and client get their own columns, the origin fills address and request id, the rest is details")
    func columns() {
        let event = SecurityEvent.consentGranted(userID: "u1", clientID: "c1", scopes: ["mcp:tools", "offline_access"], resources: ["https://mcp.example/mcp"])
        let entry = AuditEntry(event, origin: EventOrigin(address: "192.0.2.7", requestID: "r-1"), at: 1_700_000_000)
        #expect(entry.recordedAt == 1_700_000_000)
        #expect(entry.event == "consent.granted")
        #expect(entry.userID == "u1")
        #expect(entry.clientID == "c1")
        #expect(entry.address == "192.0.2.7")
        #expect(entry.requestID == "r-1")
        #expect(entry.outcome == "success")
        #expect(entry.details == #"{"resource":"https://mcp.example/mcp","scope":"mcp:tools offline_access"}"#)
    }

    @Test("without an origin, an event's own address is used; an operator's command says so")
    func addresses() {
        let failed = AuditEntry(.loginFailed(username: nil, address: "198.51.100.1"), origin: .unknown, at: 0)
        #expect(failed.address == "198.51.100.1")
        #expect(failed.outcome == "failure")
        #expect(failed.details == #"{"username":"(unknown)"}"#)
        let disabled = AuditEntry(.userDisabled(username: "alice"), origin: .operatorCommand, at: 0)
        #expect(disabled.address == "operator")
        #expect(disabled.requestID == nil)
    }

    @Test("outcomes: attacks refused, failures failed, the rest succeeded", arguments: [
        (SecurityEvent.codeReplayed(clientID: "c", userID: "u"), SecurityEvent.Outcome.refused),
        (.refreshTokenReused(clientID: "c"), .refused),
        (.loginThrottled(address: "a", retryAfter: 1), .refused),
        (.loginFailed(username: nil, address: "a"), .failure),
        (.loginSucceeded(userID: "u", username: "alice"), .success),
        (.consentRevoked(userID: "u", clientID: "c", resources: []), .success),
    ])
    func outcomes(event: SecurityEvent, outcome: SecurityEvent.Outcome) {
        #expect(event.outcome == outcome)
    }

    @Test("details are printable, escaped JSON, each value bounded, so no row can carry a forged line or a huge value")
    func details() {
        let details = AuditEntry.details(["b": "quote \" back \\ line\nbreak", "a": String(repeating: "x", count: 1000)])
        #expect(details.hasPrefix(#"{"a":""#))
        #expect(details.contains(#""b":"quote \" back \\ linebreak""#))
        #expect(!details.contains("\n"))
        #expect(details.count < 2 * AuditEntry.maxDetailLength)
        // Deterministic: the same fields always give the same text (it is MACed as written).
        #expect(AuditEntry.details(["z": "1", "y": "2"]) == AuditEntry.details(["y": "2", "z": "1"]))
    }

    @Test("an address or request id from a header is made printable and bounded")
    func origin() {
        let entry = AuditEntry(.signedOut(userID: "u"), origin: EventOrigin(address: "1.2.3.4\r\nX", requestID: String(repeating: "r", count: 500)), at: 0)
        #expect(entry.address == "1.2.3.4X")
        #expect(entry.requestID?.count == AuditEntry.maxOriginLength)
    }
}
