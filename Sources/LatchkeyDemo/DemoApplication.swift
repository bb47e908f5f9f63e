public import Hummingbird
import HummingbirdCore
public import LatchkeyResource
public import NIOCore
public import Logging

/// Builds the demo MCP server: `/mcp` and `GET /whoami` behind Latchkey tokens, and its RFC 9728 metadata.
///
/// - Parameters:
///   - channelHandlers: per-connection handlers that enforce deadlines (the executable passes Latchkey's
///     `ConnectionGuard`, which this target may not import); without them Hummingbird's idle timeout applies.
///   - maxConnections: the connection cap.
///   - exchangeTransport: how `upstream_profile` reaches Latchkey's token endpoint (when configured).
public func buildDemoApplication(
    configuration: DemoConfiguration, verifier: TokenVerifier, logger: Logger,
    channelHandlers: (@Sendable () -> [any RemovableChannelHandler])? = nil, maxConnections: Int = 512,
    exchangeTransport: any TokenExchangeTransport = URLSessionTokenExchangeTransport()
) throws -> some ApplicationProtocol {
    let server: HTTP1Channel.Configuration = if let channelHandlers {
        .init(additionalChannelHandlers: channelHandlers())
    } else {
        .init(idleTimeout: .seconds(30))
    }
    return Application(
        router: try buildDemoRouter(configuration: configuration, verifier: verifier, exchangeTransport: exchangeTransport, logger: logger),
        server: .http1(configuration: server),
        configuration: .init(
            address: .hostname(configuration.host, port: configuration.port), serverName: nil,
            availableConnectionsDelegate: MaximumAvailableConnections(maxConnections)
        ),
        logger: logger
    )
}

/// The demo's routes, separate from the server so tests drive them in-process.
///
/// - Parameter exchangeTransport: how `upstream_profile` reaches Latchkey's token endpoint (when configured).
public func buildDemoRouter(
    configuration: DemoConfiguration, verifier: TokenVerifier, notebook: Notebook = Notebook(),
    exchangeTransport: any TokenExchangeTransport = URLSessionTokenExchangeTransport(), logger: Logger
) throws -> Router<DemoRequestContext> {
    let router = Router(context: DemoRequestContext.self)
    try configuration.metadata.addRoutes(to: router)
    let upstreamProfile = configuration.upstreamExchange.map { UpstreamProfile(settings: $0, transport: exchangeTransport) }
    let endpoint = MCPEndpoint(
        configuration: configuration, tools: DemoTools(notebook: notebook, upstreamProfile: upstreamProfile),
        elicitation: ElicitationSupport(), logger: logger
    )
    router.group()
        .add(middleware: BearerTokenMiddleware(
            verifier: verifier, requiredScopes: [DemoConfiguration.toolsScope], resourceMetadataURL: configuration.metadataURL
        ))
        // A trivial protected route: what a token says, as JSON. Also what the middleware benchmark calls.
        .get("/whoami") { request, context -> Response in
            guard let token = context.accessToken else { throw HTTPError(.unauthorized) }
            // The same Host and Origin check as /mcp, against DNS rebinding.
            if let refusal = endpoint.hostRefusal(request) { return refusal }
            return try EditedResponse(headers: [.cacheControl: "no-store"], response: WhoAmI(token)).response(from: request, context: context)
        }
        .on(RouterPath(configuration.mcpPath), method: .post, use: endpoint.handle)
        .on(RouterPath(configuration.mcpPath), method: .get, use: endpoint.handle)
        .on(RouterPath(configuration.mcpPath), method: .delete, use: endpoint.handle)
    return router
}

extension WhoAmI: ResponseEncodable {}
