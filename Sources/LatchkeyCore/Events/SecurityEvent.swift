/// Something an operator must be able to see after the fact: an attack detected, an account throttled, a client or
/// key or user changed. Values only — ids, names, addresses, never a secret, a token or a typed password.
///
/// Logged at `notice` or above by the server (`SecurityLog`); the audit trail stores the same events (`AuditEntry`).
public enum SecurityEvent: Sendable, Equatable {
    /// An authorization code came back after it was exchanged; what it issued is revoked (RFC 6749 §4.1.2).
    case codeReplayed(clientID: String, userID: String)
    /// A client assertion's `jti` came back while the first use is remembered: a captured assertion replayed
    /// (RFC 7523 §3 item 7). Refused; the client's key may have leaked, or its assertions are read in transit.
    case clientAssertionReplayed(clientID: String)
    /// A rotated refresh token came back outside the grace window; its family is revoked (RFC 9700 §4.14.2).
    case refreshTokenReused(clientID: String)
    /// A rotated refresh token came back once inside the grace window: a concurrent twin, forgiven once.
    case refreshGraceDuplicate(clientID: String, userID: String)
    /// A wrong password, an unknown or a disabled account. `username` only when the account exists: a name nobody has
    /// may be a password typed into the wrong field. `userID` with it, so the audit trail files it under the account.
    case loginFailed(username: String?, address: String, userID: String? = nil)
    /// A user signed in with the right password.
    case loginSucceeded(userID: String, username: String)
    /// A user signed out (`POST /logout`).
    case signedOut(userID: String)
    /// A user approved a client on the consent page: these scopes, for these resources.
    case consentGranted(userID: String, clientID: String, scopes: [String], resources: [String])
    /// A user revoked a remembered approval on their account page (and the client's refresh tokens for them).
    case consentRevoked(userID: String, clientID: String, resources: [String])
    /// Sign-in refused for `retryAfter` seconds after too many failures (from this address, or for the account).
    case loginThrottled(address: String, retryAfter: Int)
    case clientRegistered(clientID: String, name: String?, by: ClientChangeSource)
    case clientUpdated(clientID: String, endedApprovals: Bool)
    case clientDeleted(clientID: String, by: ClientChangeSource)
    case signingKeyRotated(keyID: String)
    case userDisabled(username: String, userID: String? = nil)
    case userEnabled(username: String, userID: String? = nil)
    /// A user connected an upstream provider to the vault (or replaced the connection, by callback or deposit).
    case upstreamConnected(userID: String, providerID: String)
    /// A user disconnected a provider; `revoked` says whether the upstream confirmed the revocation.
    case upstreamDisconnected(userID: String, providerID: String, revoked: Bool)
    /// A connect callback stored nothing: denied at the upstream, a stale or unknown state, an upstream failure.
    /// `reason` is an RFC 6749 code or Latchkey's own word, never upstream text.
    case upstreamConnectFailed(userID: String?, providerID: String?, reason: String)
    /// A connect flow came back in another browser or for another user than the one who started it: a link
    /// forwarded, or someone trying to attach their upstream account to a victim (or the reverse).
    case upstreamFlowMisused(startedBy: String, completedBy: String?, providerID: String)
    /// The upstream did not confirm revoking a disconnected provider's token (the local row is gone regardless).
    case upstreamRevocationFailed(userID: String, providerID: String, reason: String)

    /// Who changed the registry.
    public enum ClientChangeSource: String, Sendable, Equatable {
        /// RFC 7591 / 7592 over HTTP.
        case registration
        /// The `latchkey clients` command.
        case operatorCommand = "operator"
    }

    public enum Severity: Sendable, Equatable {
        /// Expected in normal operation, worth keeping (a registration, a key rotation).
        case notice
        /// An attack or a mistake someone should look at (a replay, a reuse, a lock-out).
        case warning
    }

    /// A stable, dotted name for filtering logs.
    public var name: String {
        switch self {
        case .codeReplayed: "oauth.code.replayed"
        case .refreshTokenReused: "oauth.refresh.reused"
        case .clientAssertionReplayed: "oauth.client_assertion.replayed"
        case .refreshGraceDuplicate: "oauth.refresh.grace_duplicate"
        case .loginFailed: "login.failed"
        case .loginThrottled: "login.throttled"
        case .loginSucceeded: "login.succeeded"
        case .signedOut: "login.signed_out"
        case .consentGranted: "consent.granted"
        case .consentRevoked: "consent.revoked"
        case .clientRegistered: "client.registered"
        case .clientUpdated: "client.updated"
        case .clientDeleted: "client.deleted"
        case .signingKeyRotated: "key.rotated"
        case .userDisabled: "user.disabled"
        case .userEnabled: "user.enabled"
        case .upstreamConnected: "vault.connected"
        case .upstreamDisconnected: "vault.disconnected"
        case .upstreamConnectFailed: "vault.connect_failed"
        case .upstreamFlowMisused: "vault.flow_misused"
        case .upstreamRevocationFailed: "vault.revocation_failed"
        }
    }

    public var severity: Severity {
        switch self {
        case .codeReplayed, .refreshTokenReused, .clientAssertionReplayed, .loginThrottled, .upstreamFlowMisused, .upstreamRevocationFailed: .warning
        case .refreshGraceDuplicate, .loginFailed, .clientRegistered, .clientUpdated, .clientDeleted, .signingKeyRotated,
             .userDisabled, .userEnabled, .upstreamConnected, .upstreamDisconnected, .upstreamConnectFailed,
             .loginSucceeded, .signedOut, .consentGranted, .consentRevoked: .notice
        }
    }

    /// How what the event records ended, for the audit trail's `outcome` column.
    public enum Outcome: String, Sendable, Equatable, CaseIterable {
        /// What was asked for was done (a sign-in, an approval, a registration, a forgiven twin refresh).
        case success
        /// It failed for a reason that is not an attack in itself (a wrong password, an upstream that said no).
        case failure
        /// Latchkey refused and defended itself (a replay, a reuse, a throttle, a misused flow).
        case refused
    }

    public var outcome: Outcome {
        switch self {
        case .codeReplayed, .refreshTokenReused, .clientAssertionReplayed, .loginThrottled, .upstreamFlowMisused: .refused
        case .loginFailed, .upstreamConnectFailed, .upstreamRevocationFailed: .failure
        case .refreshGraceDuplicate, .loginSucceeded, .signedOut, .consentGranted, .consentRevoked, .clientRegistered,
             .clientUpdated, .clientDeleted, .signingKeyRotated, .userDisabled, .userEnabled, .upstreamConnected, .upstreamDisconnected: .success
        }
    }

    /// A client-chosen text as it may appear in a log line: no control characters (a forged second line), at most
    /// `limit` characters.
    static func printable(_ text: String, limit: Int = 100) -> String {
        let unprintable: Set<Unicode.GeneralCategory> = [.control, .lineSeparator, .paragraphSeparator, .format]
        return String(String.UnicodeScalarView(text.unicodeScalars.filter { !unprintable.contains($0.properties.generalCategory) }.prefix(limit)))
    }

    /// A list as one printable field: space-separated, at most 300 characters (scopes and resources are checked against
    /// the configuration before an approval, but stay bounded here anyway).
    static func summary(_ values: [String]) -> String {
        printable(values.joined(separator: " "), limit: 300)
    }

    /// The event's values by field name, for structured logs.
    public var fields: [String: String] {
        switch self {
        case .codeReplayed(let clientID, let userID), .refreshGraceDuplicate(let clientID, let userID):
            ["client_id": clientID, "user_id": userID]
        case .refreshTokenReused(let clientID), .clientAssertionReplayed(let clientID):
            ["client_id": clientID]
        case .loginFailed(let username, let address, let userID):
            ["username": username ?? "(unknown)", "address": address].merging(userID.map { ["user_id": $0] } ?? [:]) { $1 }
        case .loginSucceeded(let userID, let username):
            ["user_id": userID, "username": username]
        case .signedOut(let userID):
            ["user_id": userID]
        case .consentGranted(let userID, let clientID, let scopes, let resources):
            ["user_id": userID, "client_id": clientID, "scope": Self.summary(scopes), "resource": Self.summary(resources)]
        case .consentRevoked(let userID, let clientID, let resources):
            ["user_id": userID, "client_id": clientID, "resource": Self.summary(resources)]
        case .loginThrottled(let address, let retryAfter):
            ["address": address, "retry_after": String(retryAfter)]
        case .clientRegistered(let clientID, let name, let source):
            ["client_id": clientID, "client_name": Self.printable(name ?? ""), "by": source.rawValue]
        case .clientUpdated(let clientID, let endedApprovals):
            ["client_id": clientID, "ended_approvals": String(endedApprovals)]
        case .clientDeleted(let clientID, let source):
            ["client_id": clientID, "by": source.rawValue]
        case .signingKeyRotated(let keyID):
            ["kid": keyID]
        case .userDisabled(let username, let userID), .userEnabled(let username, let userID):
            ["username": username].merging(userID.map { ["user_id": $0] } ?? [:]) { $1 }
        case .upstreamConnected(let userID, let providerID):
            ["user_id": userID, "provider": providerID]
        case .upstreamDisconnected(let userID, let providerID, let revoked):
            ["user_id": userID, "provider": providerID, "revoked": String(revoked)]
        case .upstreamConnectFailed(let userID, let providerID, let reason):
            ["user_id": userID ?? "(none)", "provider": providerID ?? "(unknown)", "reason": reason]
        case .upstreamFlowMisused(let startedBy, let completedBy, let providerID):
            ["started_by": startedBy, "completed_by": completedBy ?? "(not signed in)", "provider": providerID]
        case .upstreamRevocationFailed(let userID, let providerID, let reason):
            ["user_id": userID, "provider": providerID, "reason": reason]
        }
    }
}
