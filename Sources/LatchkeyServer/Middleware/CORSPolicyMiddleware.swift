import Hummingbird

/// CORS for the endpoints browser-based MCP clients call (DESIGN §5): metadata, JWKS, registration, token and
/// revocation. Introspection (server to server), pages and `/authorize` get none.
///
/// Any origin is allowed because no credentials (cookies) are involved on these endpoints.
struct CORSPolicyMiddleware<Context: RequestContext>: RouterMiddleware {
    let isCORSPath: @Sendable (String) -> Bool

    static var allowHeaders: String { "Authorization, Content-Type, Accept, mcp-protocol-version" }
    static var allowMethods: String { "GET, POST, PUT, DELETE, OPTIONS" }
    static var exposeHeaders: String { "WWW-Authenticate, Retry-After, Location" }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.headers[.origin] != nil, isCORSPath(request.uri.path) else {
            return try await next(request, context)
        }
        if request.method == .options {
            return Response(status: .noContent, headers: [
                .accessControlAllowOrigin: "*",
                .accessControlAllowMethods: Self.allowMethods,
                .accessControlAllowHeaders: Self.allowHeaders,
                .accessControlMaxAge: "86400",
            ])
        }
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as any HTTPResponseError {
            // Errors must carry CORS headers too, or a browser client cannot read the OAuth error.
            response = try error.response(from: request, context: context)
        }
        response.headers[.accessControlAllowOrigin] = "*"
        response.headers[.accessControlExposeHeaders] = Self.exposeHeaders
        return response
    }
}
