import MCP

/// The step-up rule: which scopes a JSON-RPC message to `/mcp` needs beyond the route's own.
///
/// The middleware already requires `mcp:tools` for every request; a `tools/call` of a tool with more scopes needs
/// those too, and is refused with `403 insufficient_scope` before it reaches the MCP server, because the MCP
/// authorization spec signals step-up at the HTTP layer, not inside a JSON-RPC result. It reads the message as
/// `JSONRPCBody` decoded it, the same bytes the MCP server then gets, so the two cannot disagree.
enum StepUp {
    /// The scopes the call in `message` needs; empty for anything but a `tools/call` of a known tool.
    static func requiredScopes(for message: [String: Value]) -> [String] {
        guard message["method"]?.stringValue == "tools/call",
              let name = message["params"]?.objectValue?["name"]?.stringValue else { return [] }
        return DemoTools.requiredScopes(for: name) ?? []
    }
}
