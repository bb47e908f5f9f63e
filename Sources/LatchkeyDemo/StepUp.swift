import Foundation

/// The step-up rule: which scopes a JSON-RPC message (or batch) to `/mcp` needs beyond the route's own.
///
/// The middleware already requires `mcp:tools` for every request; a `tools/call` of a tool with more scopes needs
/// those too, and is refused with `403 insufficient_scope` before it reaches the MCP server, because the MCP
/// authorization spec signals step-up at the HTTP layer, not inside a JSON-RPC result.
enum StepUp {
    /// Every scope the calls in `body` need, in the tools' order, without duplicates; empty for anything else
    /// (including bodies that are not JSON-RPC, which the transport answers with its own error).
    static func requiredScopes(forBody body: Data) -> [String] {
        guard let json = try? JSONSerialization.jsonObject(with: body) else { return [] }
        let messages = (json as? [Any]) ?? [json]
        var scopes: [String] = []
        for case let message as [String: Any] in messages {
            guard message["method"] as? String == "tools/call",
                  let name = (message["params"] as? [String: Any])?["name"] as? String,
                  let required = DemoTools.requiredScopes(for: name) else { continue }
            for scope in required where !scopes.contains(scope) { scopes.append(scope) }
        }
        return scopes
    }
}
