/// One security event as the audit trail stores it, before it is chained: when, what, who, from where, how it ended,
/// and the event's other fields as JSON. Values only, like the event itself: never a secret, a token or a password.
public struct AuditEntry: Sendable, Equatable {
    /// Unix seconds, when the event was recorded (not when the row was written, a moment later).
    public var recordedAt: Int64
    /// `SecurityEvent.name`.
    public var event: String
    public var userID: String?
    public var clientID: String?
    public var address: String?
    public var requestID: String?
    /// `SecurityEvent.Outcome` raw value.
    public var outcome: String
    /// The remaining fields: a JSON object of strings, keys sorted, printable and bounded (`AuditEntry.details(_:)`).
    public var details: String

    public init(
        recordedAt: Int64, event: String, userID: String?, clientID: String?, address: String?, requestID: String?,
        outcome: String, details: String
    ) {
        self.recordedAt = recordedAt
        self.event = event
        self.userID = userID
        self.clientID = clientID
        self.address = address
        self.requestID = requestID
        self.outcome = outcome
        self.details = details
    }

    /// Longest address and request id kept (either can come from a header a proxy forwards).
    public static let maxOriginLength = 100
    /// Longest value of a detail field.
    public static let maxDetailLength = 300

    /// The event's user and client go to their own columns (so `audit list --user` and the account page can query
    /// them); the address comes from `origin`, else from the event (`login.failed` carries one); the rest is `details`.
    public init(_ event: SecurityEvent, origin: EventOrigin, at time: Int64) {
        var fields = event.fields
        let userID = fields.removeValue(forKey: "user_id")
        let clientID = fields.removeValue(forKey: "client_id")
        let eventAddress = fields.removeValue(forKey: "address")
        self.init(
            recordedAt: time, event: event.name, userID: userID, clientID: clientID,
            address: (origin.address ?? eventAddress).map { SecurityEvent.printable($0, limit: Self.maxOriginLength) },
            requestID: origin.requestID.map { SecurityEvent.printable($0, limit: Self.maxOriginLength) },
            outcome: event.outcome.rawValue, details: Self.details(fields)
        )
    }

    /// A JSON object of `fields`, keys sorted, every value printable and at most `maxDetailLength` characters: one
    /// deterministic text, written and MACed as is.
    public static func details(_ fields: [String: String]) -> String {
        let members = fields.sorted { $0.key < $1.key }.map { key, value in
            quoted(SecurityEvent.printable(key, limit: 64)) + ":" + quoted(SecurityEvent.printable(value, limit: maxDetailLength))
        }
        return "{" + members.joined(separator: ",") + "}"
    }

    /// A JSON string literal (RFC 8259 §7). The input is already printable, so only `"` and `\` need escaping; other
    /// controls are escaped anyway, should one ever get here.
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
