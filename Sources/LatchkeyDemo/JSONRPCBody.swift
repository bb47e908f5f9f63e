import Foundation
import LatchkeyCore
import MCP

/// A POST body to `/mcp`, decoded once and re-encoded, so every later reader sees the same message.
///
/// Two JSON parsers read a body on its way through the SDK: the transport's (`JSONSerialization`, which keeps the last
/// of a repeated key) and the server's (`JSONDecoder`, which keeps the first). A body with a repeated `name`, `id` or
/// `method` could then pass the step-up check as one call and run as another, or leave the transport waiting for an
/// answer to an id the server never saw. Re-encoding removes repeated keys; the shapes the server would misread are
/// refused here.
struct JSONRPCBody: Sendable {
    let message: [String: Value]
    /// The re-encoded message: what the transport and the server get.
    let bytes: Data

    enum Problem: Error, Equatable {
        /// Not JSON (JSON-RPC `-32700`).
        case parse
        /// JSON, but not one JSON-RPC message object (`-32600`). Batches are not part of Streamable HTTP since
        /// 2025-06-18, and the transport refuses them too.
        case invalidRequest(String)
    }

    init(_ body: Data) throws(Problem) {
        // Measured before any parser runs: decoding deep nesting costs the square of its depth (DESIGN §8).
        guard JSONNesting.isWithin(JSONNesting.defaultLimit, body) else {
            throw .invalidRequest("the body nests arrays or objects more than \(JSONNesting.defaultLimit) levels deep")
        }
        guard let value = try? JSONDecoder().decode(Value.self, from: body) else { throw .parse }
        guard case .object(let message) = value else { throw .invalidRequest("the body must be one JSON-RPC message object") }
        if message["method"] != nil, message["result"] != nil || message["error"] != nil {
            throw .invalidRequest("a message is a request or a response, not both")
        }
        if let id = message["id"], id.stringValue == nil, id.intValue == nil {
            throw .invalidRequest("id must be a string or an integer")
        }
        self.message = message
        guard let bytes = try? JSONEncoder().encode(value) else { throw .parse }
        self.bytes = bytes
    }

    /// The JSON-RPC error answer for `problem`, with `id` null (RFC-style: the request could not be read).
    static func errorResponse(_ problem: Problem) -> MCP.HTTPResponse {
        switch problem {
        case .parse: .error(statusCode: 400, .parseError("the body is not JSON"))
        case .invalidRequest(let reason): .error(statusCode: 400, .invalidRequest(reason))
        }
    }
}
