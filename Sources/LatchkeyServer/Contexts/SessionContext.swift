public import Hummingbird
import LatchkeyCore
public import NIOCore

/// The context of every page route: the browser's signed-in user, if any, and for an unsafe method the form, already
/// checked for its CSRF token by `SessionMiddleware`. A handler never sees a signed-in user on a POST whose form did
/// not come from one of our pages in this browser.
public struct SessionContext: ChildRequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?
    /// The active session and its user; set by the middleware.
    var signedIn: SignedIn?
    /// The body of a POST, read once by the middleware; `nil` for safe methods.
    var form: FormParameters?

    public init(context: LatchkeyRequestContext) throws {
        self.coreContext = context.coreContext
        self.remoteAddress = context.remoteAddress
    }

    /// The form of a POST. Throws (a server error) only if the route was added outside the middleware's group.
    func requireForm() throws -> FormParameters {
        guard let form else { throw OAuthError.serverError(debug: "a page POST ran without SessionMiddleware") }
        return form
    }

    /// The peer address as a throttling key.
    var clientIP: String { remoteAddress?.ipAddress ?? "unknown" }
}

/// A signed-in browser: its session and the user, who may still sign in.
struct SignedIn: Sendable {
    var session: BrowserSession
    var user: User
}

/// Resolves the browser session once per page request and guards every unsafe method against CSRF, so no page
/// controller writes the check itself.
///
/// A POST's form must carry a token only our pages in this browser know: the one derived from its session, or the
/// one derived from its login cookie (the sign-in form, shown before there is a session). With a session and neither
/// token, the request is refused (`403`) before any handler runs; without a session the handler decides — the
/// sign-in form checks the login token, the others send the user to sign in, which changes nothing.
struct SessionMiddleware: RouterMiddleware {
    typealias Context = SessionContext
    let sessions: BrowserSessions
    let pages: PageRenderer

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let current = try await sessions.current(request)
        if ![.get, .head, .options].contains(request.method) {
            let form = try await FormBody.read(request)
            context.form = form
            if let current {
                let token = form["csrf_token"]
                guard sessions.checkCSRF(token, session: current.session) || sessions.checkLoginCSRF(token, request: request) else {
                    return pages.error(title: "This page expired", message: "The form does not belong to your current session.",
                                       hint: "Go back, reload the page and try again.", status: .forbidden)
                }
            }
        }
        context.signedIn = current
        return try await next(request, context)
    }
}
