public import Hummingbird
import LatchkeyCore
public import NIOCore

/// The context of the endpoints where a client authenticates (`/token`, `/introspect`, `/revoke`; RFC 6749 §2.3):
/// `ClientAuthenticationMiddleware` has read the form and authenticated the client before the handler runs.
public struct ClientAuthenticatedContext: ChildRequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?
    /// Set by the middleware; a handler reads it through `authenticated()`.
    var authentication: Authentication?

    struct Authentication: Sendable {
        var client: RegisteredClient
        /// The request's form, read once.
        var form: FormParameters
    }

    public init(context: LatchkeyRequestContext) throws {
        self.coreContext = context.coreContext
        self.remoteAddress = context.remoteAddress
    }

    /// The peer address, as `SessionContext.clientIP`: for the audit trail's origin of token-endpoint events.
    var clientIP: String { remoteAddress?.ipAddress ?? "unknown" }

    /// The authenticated client and the form. Throws (a server error) only if the route was added outside the
    /// middleware's group — a wiring mistake, not a client's.
    func authenticated() throws -> (client: RegisteredClient, form: FormParameters) {
        guard let authentication else {
            throw OAuthError.serverError(debug: "a client-authenticated route ran without ClientAuthenticationMiddleware")
        }
        return (authentication.client, authentication.form)
    }
}

/// Reads the form strictly and authenticates the client it names (or the `Authorization: Basic` header names).
struct ClientAuthenticationMiddleware: RouterMiddleware {
    typealias Context = ClientAuthenticatedContext
    let authenticator: ClientAuthenticator
    /// Parameters that may repeat (RFC 8707 `resource` at `/token`); any other repeat is `invalid_request`.
    let repeatable: Set<String>
    /// Parameters whose absence is reported before client authentication (`grant_type`, RFC 6749 §5.2).
    let required: [String]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let form = try await FormBody.read(request, repeatable: repeatable)
        for name in required { _ = try form.require(name) }
        let client = try await authenticator.authenticate(try ClientCredentials(authorization: request.headers[.authorization], form: form))
        var context = context
        context.authentication = .init(client: client, form: form)
        return try await next(request, context)
    }
}
