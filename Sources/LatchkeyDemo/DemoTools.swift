import Foundation
public import LatchkeyResource
public import MCP

/// The demo's tools, the scopes each needs, and what each does with the caller's verified token.
public struct DemoTools: Sendable {
    public struct Entry: Sendable {
        public var tool: Tool
        public var requiredScopes: [String]
    }

    public static let entries: [Entry] = [
        Entry(
            tool: Tool(
                name: "whoami",
                title: "Who am I?",
                description: "Shows who the access token was issued to: subject, client id, scopes, audience and expiry.",
                inputSchema: ["type": "object", "properties": [:]],
                annotations: .init(readOnlyHint: true, openWorldHint: false)
            ),
            requiredScopes: [DemoConfiguration.toolsScope]
        ),
        Entry(
            tool: Tool(
                name: "read_notes",
                title: "Read my notes",
                description: "Lists the notes you saved with write_note.",
                inputSchema: ["type": "object", "properties": [:]],
                annotations: .init(readOnlyHint: true, openWorldHint: false)
            ),
            requiredScopes: [DemoConfiguration.toolsScope]
        ),
        Entry(
            tool: Tool(
                name: "write_note",
                title: "Write a note",
                description: "Saves a short note for you. Needs the demo:write scope: without it the server answers 403 insufficient_scope and your client asks you to approve more access.",
                inputSchema: [
                    "type": "object",
                    "properties": ["text": ["type": "string", "maxLength": .int(Notebook.maxNoteLength)]],
                    "required": ["text"],
                ],
                annotations: .init(readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false)
            ),
            requiredScopes: [DemoConfiguration.toolsScope, DemoConfiguration.writeScope]
        ),
    ]

    public let notebook: Notebook
    /// `upstream_profile`, when the demo is configured for the vault's token exchange.
    let upstreamProfile: UpstreamProfile?

    public init(notebook: Notebook) {
        self.notebook = notebook
        self.upstreamProfile = nil
    }

    init(notebook: Notebook, upstreamProfile: UpstreamProfile?) {
        self.notebook = notebook
        self.upstreamProfile = upstreamProfile
    }

    /// The tools this server offers: `entries`, plus `upstream_profile` when it is configured.
    public var tools: [Tool] {
        (Self.entries + (upstreamProfile == nil ? [] : [UpstreamProfile.entry])).map(\.tool)
    }

    /// The scopes a call to `name` needs; `nil` for a tool the demo does not have.
    public static func requiredScopes(for name: String) -> [String]? {
        (entries + [UpstreamProfile.entry]).first { $0.tool.name == name }?.requiredScopes
    }

    /// Runs a tool for the caller. `bearerToken` is the caller's raw token (the subject token of `upstream_profile`'s
    /// exchange); `supportsURLElicitation` whether the caller's client declared URL-mode elicitation.
    public func call(
        _ parameters: CallTool.Parameters, token: VerifiedToken, bearerToken: String? = nil, supportsURLElicitation: Bool = false
    ) async throws -> CallTool.Result {
        // `StepUp` answers 403 before a call gets here; checking again where the SDK has decoded the call means a
        // body that `StepUp` reads differently (duplicate keys, say) still cannot run a tool without its scopes.
        if let required = Self.requiredScopes(for: parameters.name), !token.hasScopes(required) {
            return CallTool.Result(
                content: [.text(text: "\(parameters.name) needs the scopes \(required.joined(separator: " ")).", annotations: nil, _meta: nil)],
                isError: true
            )
        }
        switch parameters.name {
        case "whoami":
            let summary = WhoAmI(token)
            return try CallTool.Result(content: [.text(text: summary.text, annotations: nil, _meta: nil)], structuredContent: summary)
        case "read_notes":
            let notes = notebook.notes(for: token.subject)
            let text = notes.isEmpty ? "You have no notes yet." : notes.enumerated().map { "\($0.offset + 1). \($0.element)" }.joined(separator: "\n")
            return CallTool.Result(content: [.text(text: text, annotations: nil, _meta: nil)], structuredContent: .object(["notes": .array(notes.map(Value.string))]))
        case "write_note" where !token.isUserToken:
            // A token without a user (client_credentials) is the client speaking for itself: it may not write into a
            // user's notebook, whatever scopes it holds.
            return CallTool.Result(
                content: [.text(text: "write_note acts for a user; this token has none (it was issued to a client for itself).", annotations: nil, _meta: nil)],
                isError: true
            )
        case "upstream_profile":
            // Not offered (and unknown) unless the token exchange is configured.
            guard let upstreamProfile else { throw MCPError.invalidParams("Unknown tool: upstream_profile") }
            return try await upstreamProfile.call(token: token, bearerToken: bearerToken, supportsURLElicitation: supportsURLElicitation)
        case "write_note":
            guard let text = parameters.arguments?["text"]?.stringValue, !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                return CallTool.Result(content: [.text(text: "write_note needs a non-empty string argument 'text'.", annotations: nil, _meta: nil)], isError: true)
            }
            let count = notebook.add(text, for: token.subject)
            return CallTool.Result(content: [.text(text: "Saved. You have \(count) note\(count == 1 ? "" : "s").", annotations: nil, _meta: nil)], structuredContent: .object(["count": .int(count)]))
        default:
            throw MCPError.invalidParams("Unknown tool: \(parameters.name.prefix(64))")
        }
    }
}

/// What `whoami` reports: the verified token's claims.
struct WhoAmI: Codable, Sendable {
    var subject: String
    var clientID: String
    var scopes: [String]
    var audience: [String]
    var issuer: String
    var expiresAt: Int64

    init(_ token: VerifiedToken) {
        subject = token.subject
        clientID = token.clientID
        scopes = token.scopes
        audience = token.audience
        issuer = token.issuer
        expiresAt = token.expiresAt
    }

    enum CodingKeys: String, CodingKey {
        case subject, scopes, audience, issuer
        case clientID = "client_id"
        case expiresAt = "expires_at"
    }

    var text: String {
        """
        subject: \(subject)
        client_id: \(clientID)
        scopes: \(scopes.joined(separator: " "))
        audience: \(audience.joined(separator: " "))
        issuer: \(issuer)
        expires_at: \(expiresAt)
        """
    }
}
