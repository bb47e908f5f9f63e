import LatchkeyResource
import MCP
import Synchronization

/// Which callers declared URL-mode elicitation (MCP 2025-11-25) in their `initialize`.
///
/// `/mcp` is stateless: each POST gets a fresh MCP `Server`, so a `tools/call` never sees the capabilities its
/// client declared. They are remembered here per (token subject, client id), the pair a client's later calls carry
/// too, in a bounded map (a caller who was forgotten gets the tool-error fallback, never a wrong elicitation).
final class ElicitationSupport: Sendable {
    static let capacity = 10_000

    struct Caller: Hashable, Sendable {
        var subject: String
        var clientID: String
    }

    let urlMode = Mutex<[Caller: Bool]>([:])

    /// Notes what an `initialize` message declared; ignores anything else.
    func record(_ message: [String: Value], token: VerifiedToken) {
        guard message["method"]?.stringValue == "initialize" else { return }
        let elicitation = message["params"]?.objectValue?["capabilities"]?.objectValue?["elicitation"]?.objectValue
        // `"elicitation": {}` means form mode only; URL mode is `"elicitation": {"url": {}}`.
        let supportsURL = elicitation?["url"]?.objectValue != nil
        let caller = Caller(subject: token.subject, clientID: token.clientID)
        urlMode.withLock { map in
            if map[caller] == nil, map.count >= Self.capacity { map.removeAll(keepingCapacity: true) }
            map[caller] = supportsURL
        }
    }

    /// Whether the caller behind `token` declared URL-mode elicitation when it last initialized.
    func supportsURLMode(_ token: VerifiedToken) -> Bool {
        urlMode.withLock { $0[Caller(subject: token.subject, clientID: token.clientID)] ?? false }
    }
}
