import LatchkeyCore
import Testing

struct SecurityEventTests {
    @Test("attacks and lock-outs are warnings, the rest notices; every event has a dotted name and only its own fields", arguments: [
        (SecurityEvent.codeReplayed(clientID: "c", userID: "u"), "oauth.code.replayed", SecurityEvent.Severity.warning, ["client_id", "user_id"]),
        (.refreshTokenReused(clientID: "c"), "oauth.refresh.reused", .warning, ["client_id"]),
        (.refreshGraceDuplicate(clientID: "c", userID: "u"), "oauth.refresh.grace_duplicate", .notice, ["client_id", "user_id"]),
        (.loginFailed(username: nil, address: "1.2.3.4"), "login.failed", .notice, ["username", "address"]),
        (.loginThrottled(address: "1.2.3.4", retryAfter: 30), "login.throttled", .warning, ["address", "retry_after"]),
        (.clientRegistered(clientID: "c", name: "n", by: .registration), "client.registered", .notice, ["client_id", "client_name", "by"]),
        (.clientUpdated(clientID: "c", endedApprovals: true), "client.updated", .notice, ["client_id", "ended_approvals"]),
        (.clientDeleted(clientID: "c", by: .operatorCommand), "client.deleted", .notice, ["client_id", "by"]),
        (.signingKeyRotated(keyID: "k"), "key.rotated", .notice, ["kid"]),
        (.userDisabled(username: "alice"), "user.disabled", .notice, ["username"]),
        (.userEnabled(username: "alice"), "user.enabled", .notice, ["username"]),
        (.userEnabled(username: "alice", userID: "u"), "user.enabled", .notice, ["username", "user_id"]),
        (.loginFailed(username: "alice", address: "1.2.3.4", userID: "u"), "login.failed", .notice, ["username", "address", "user_id"]),
        (.loginSucceeded(userID: "u", username: "alice"), "login.succeeded", .notice, ["user_id", "username"]),
        (.signedOut(userID: "u"), "login.signed_out", .notice, ["user_id"]),
        (.consentGranted(userID: "u", clientID: "c", scopes: ["mcp:tools"], resources: ["https://mcp.example/mcp"]), "consent.granted", .notice,
         ["user_id", "client_id", "scope", "resource"]),
        (.consentRevoked(userID: "u", clientID: "c", resources: ["https://mcp.example/mcp"]), "consent.revoked", .notice, ["user_id", "client_id", "resource"]),
    ])
    func shape(event: SecurityEvent, name: String, severity: SecurityEvent.Severity, fields: [String]) {
        #expect(event.name == name)
        #expect(event.severity == severity)
        #expect(Set(event.fields.keys) == Set(fields))
    }

    @Test("an unknown account is logged as unknown, never as what was typed")
    func unknownAccount() {
        #expect(SecurityEvent.loginFailed(username: nil, address: "a").fields["username"] == "(unknown)")
    }

    @Test("a client's chosen name cannot forge a log line and is capped")
    func clientName() {
        let event = SecurityEvent.clientRegistered(clientID: "c", name: "App\nlevel=critical event=forged\u{2028}x" + String(repeating: "y", count: 200), by: .registration)
        let logged = event.fields["client_name"] ?? ""
        #expect(!logged.contains("\n") && !logged.contains("\u{2028}"))
        #expect(logged.hasPrefix("Applevel=critical"))
        #expect(logged.count == 100)
    }
}
