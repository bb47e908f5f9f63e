import Foundation
import HTTPTypes
import Hummingbird
import LatchkeyResource
import Logging
import MCP
import NIOFoundationEssentialsCompat

/// `/mcp`: Streamable HTTP (MCP 2025-06-18 and later) without sessions, behind `BearerTokenMiddleware`.
///
/// Each POST gets its own MCP `Server` on a `StatelessHTTPServerTransport`, with tool handlers that close over that
/// request's verified token: a shared server would mix clients (the transport matches answers by JSON-RPC id, which
/// every client starts at 0) and would refuse a second `initialize`. GET (a server-to-client stream) and DELETE
/// (ending a session) are answered `405`, which the spec allows for a server without them.
struct MCPEndpoint: Sendable {
    static let maxBodyBytes = 1 << 20

    let configuration: DemoConfiguration
    let tools: DemoTools
    let elicitation: ElicitationSupport
    let logger: Logger

    func handle(_ request: Request, context: DemoRequestContext) async throws -> Response {
        guard let token = context.accessToken else { throw HTTPError(.unauthorized) }
        let validation = StandardValidationPipeline(validators: [
            OriginValidator(allowedHosts: configuration.allowedHosts, allowedOrigins: configuration.allowedOrigins),
            AcceptHeaderValidator(mode: .jsonOnly),
            ContentTypeValidator(),
            ProtocolVersionValidator(),
        ])
        var body = Data()
        if request.method == .post {
            let parsed: JSONRPCBody
            do {
                parsed = try JSONRPCBody(Data(buffer: try await request.body.collect(upTo: Self.maxBodyBytes)))
            } catch let problem as JSONRPCBody.Problem {
                return Self.response(JSONRPCBody.errorResponse(problem))
            }
            // The transport's checks (Host and Origin against DNS rebinding, Accept, Content-Type, protocol version)
            // come first, so a request they refuse never gets a step-up challenge.
            let context = HTTPValidationContext(
                httpMethod: "POST", sessionID: nil, isInitializationRequest: parsed.message["method"]?.stringValue == "initialize",
                supportedProtocolVersions: Version.supported
            )
            if let refusal = validation.validate(Self.mcpRequest(request, body: parsed.bytes), context: context) {
                return Self.response(refusal)
            }
            let required = StepUp.requiredScopes(for: parsed.message)
            if !token.hasScopes(required) {
                return BearerChallenge(
                    resourceMetadataURL: configuration.metadataURL, error: "insufficient_scope",
                    errorDescription: "This tool needs the scopes \(required.joined(separator: " "))", scopes: required
                ).response(.forbidden)
            }
            elicitation.record(parsed.message, token: token)
            body = parsed.bytes
        }
        let server = Server(
            name: "latchkey-demo", version: "1.0.0", title: "Latchkey demo",
            instructions: "A demo MCP server protected by Latchkey. Try whoami, then write_note to see a scope step-up.",
            capabilities: .init(tools: .init(listChanged: false))
        )
        let transport = StatelessHTTPServerTransport(validationPipeline: validation, logger: logger)
        let tools = self.tools
        let bearerToken = context.bearerToken
        let supportsURLElicitation = elicitation.supportsURLMode(token)
        await server.withMethodHandler(ListTools.self) { _ in ListTools.Result(tools: tools.tools) }
        await server.withMethodHandler(CallTool.self) { parameters in
            try await tools.call(parameters, token: token, bearerToken: bearerToken, supportsURLElicitation: supportsURLElicitation)
        }
        try await server.start(transport: transport)
        // The transport waits for the server's answer without a time limit; a message the server drops would hold the
        // request, the server and its task forever. Stopping the server ends the wait with an error answer.
        let watchdog = Task { [timeout = configuration.requestTimeout] in
            try await Task.sleep(for: timeout)
            await server.stop()
        }
        let answer = await transport.handleRequest(Self.mcpRequest(request, body: body))
        watchdog.cancel()
        await server.stop()
        return Self.response(answer)
    }

    /// The transport's Host and Origin check (DNS rebinding) for routes outside the transport; `nil` when it passes.
    func hostRefusal(_ request: Request) -> Response? {
        let validator = OriginValidator(allowedHosts: configuration.allowedHosts, allowedOrigins: configuration.allowedOrigins)
        let context = HTTPValidationContext(httpMethod: request.method.rawValue, sessionID: nil, isInitializationRequest: false, supportedProtocolVersions: Version.supported)
        return validator.validate(Self.mcpRequest(request, body: Data()), context: context).map(Self.response)
    }

    /// The SDK's framework-neutral request. HTTP/1.1's `Host` is `:authority` in HTTPTypes; the SDK wants `Host`.
    static func mcpRequest(_ request: Request, body: Data) -> MCP.HTTPRequest {
        var headers: [String: String] = [:]
        for field in request.headers {
            headers[field.name.canonicalName] = headers[field.name.canonicalName].map { $0 + ", " + field.value } ?? field.value
        }
        if let authority = request.head.authority { headers["host"] = authority }
        return MCP.HTTPRequest(method: request.method.rawValue, headers: headers, body: body.isEmpty ? nil : body, path: request.uri.path)
    }

    static func response(_ answer: MCP.HTTPResponse) -> Response {
        var headers = HTTPFields()
        for (name, value) in answer.headers {
            if let name = HTTPField.Name(name) { headers[name] = value }
        }
        headers[.cacheControl] = "no-store"
        let status = HTTPResponse.Status(code: answer.statusCode)
        switch answer {
        case .stream(let stream, _):
            return Response(status: status, headers: headers, body: ResponseBody { writer in
                for try await chunk in stream { try await writer.write(ByteBuffer(data: chunk)) }
                try await writer.finish(nil)
            })
        default:
            return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(data: answer.bodyData ?? Data())))
        }
    }
}
