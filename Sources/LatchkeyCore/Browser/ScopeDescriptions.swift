/// What each scope lets a client do, in words for the consent page.
public enum ScopeDescriptions {
    static let known: [String: String] = [
        "mcp:tools": "call the tools this MCP server offers, on your behalf",
        "mcp:resources": "read the resources this MCP server exposes",
        "mcp:prompts": "use the prompts this MCP server offers",
        "offline_access": "keep access when you are not using it, until you revoke it",
        "credentials:read": "see which services (GitHub, …) you connected to Latchkey, and as whom; never their tokens",
        "credentials:write": "connect, replace and disconnect the services you connected to Latchkey on your behalf",
    ]

    /// The description of `scope`; scopes the operator added get a generic one naming them.
    public static func describe(_ scope: String) -> String {
        known[scope] ?? "use the permission named \u{201C}\(scope)\u{201D}"
    }
}
