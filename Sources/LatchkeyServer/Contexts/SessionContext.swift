public import Hummingbird
import LatchkeyCore
public import NIOCore

/// The context of every page route: the browser's signed-in user, if any, and for an unsafe method the form, already
/// checked for its CSRF token by `SessionMiddleware`. A handler never sees a signed-in user on a POST whose form did
/// not come from one of our pages in this browser.
public struct SessionContext: ChildRequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?
    /// The client's address (see `LatchkeyRequestContext.clientIP`).
    public let clientIP: String
    /// The active session and its user; set by the middleware.
    var signedIn: SignedIn?
    /// The body of a POST, read once by the middleware; `nil` for safe methods.
    var form: FormParameters?
    /// Which of our pages' tokens the form carried, if any.
    var formToken: FormToken?

    public init(context: LatchkeyRequestContext) throws {
        self.coreContext = context.coreContext
        self.remoteAddress = context.remoteAddress
        self.clientIP = context.clientIP
    }

    /// The form of a POST. Throws (a server error) only if the route was added outside the middleware's group.
    func requireForm() throws -> FormParameters {
        guard let form else { throw OAuthError.serverError(debug: "a page POST ran without SessionMiddleware") }
        return form
    }
}

/// The CSRF token a form carried: one only our pages in this browser know.
enum FormToken: Sendable, Equatable {
    /// Derived from the browser's session: every form shown to a signed-in user.
    case session
    /// Derived from the browser's login cookie: the sign-in form, shown before there is a session.
    case login
}

/// A signed-in browser: its session and the user, who may still sign in.
struct SignedIn: Sendable {
    var session: BrowserSession
    var user: User
}

/// Resolves the browser session once per page request and guards every unsafe method against CSRF, so no page
/// controller writes the check itself.
///
/// With a session, every form but the sign-in form must carry the token derived from that session, or it is refused
/// (`403`) before any handler runs. The login cookie's token is never enough there: a client can choose that cookie's
/// value, and it outlives a sign-in. The sign-in form carries the login token, which its handler requires (it shows
/// its own page when the token is wrong). Without a session the other handlers only send the user to sign in, which
/// changes nothing.
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
            let token = form["csrf_token"]
            if let current, sessions.checkCSRF(token, session: current.session) {
                context.formToken = .session
            } else if sessions.checkLoginCSRF(token, request: request) {
                context.formToken = .login
            }
            if current != nil, context.formToken != .session, request.uri.path != pages.paths.login {
                return pages.error(title: "This page expired", message: "The form does not belong to your current session.",
                                   hint: "Go back, reload the page and try again.", status: .forbidden)
            }
        }
        context.signedIn = current
        return try await next(request, context)
    }
}
