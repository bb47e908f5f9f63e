import Foundation
import Hummingbird
import LatchkeyCore
import LatchkeyCrypto

/// The login form, shown by `/authorize` and `/account` when no one is signed in, and by `GET /login`.
struct LoginPages: Sendable {
    let pages: PageRenderer
    let sessions: BrowserSessions

    func page(
        _ request: Request, returnTo: String, clientName: String?, error: String? = nil, username: String? = nil,
        status: HTTPResponse.Status = .ok, retryAfter: Int? = nil
    ) -> Response {
        let csrf = sessions.loginCSRF(request)
        var values: [String: Any] = [
            "title": "Sign in", "csrf": csrf.token, "returnTo": returnTo, "loginPath": pages.paths.login,
        ]
        values["clientName"] = clientName
        values["error"] = error
        values["username"] = username
        var headers: HTTPFields = [:]
        if let retryAfter { headers[.retryAfter] = String(retryAfter) }
        var response = pages.render("login", values, status: status, headers: headers)
        if let cookie = csrf.cookie { response.setCookie(cookie) }
        return response
    }
}

/// `GET /login`, `POST /login` and `POST /logout`.
struct LoginController {
    typealias Context = SessionContext
    let login: LoginPages
    let sessions: BrowserSessions
    let users: any UserStore
    let passwords: PasswordHasher
    let clients: any ClientStore
    let limits: LoginLimits
    let events: SecurityLog
    /// One `login.throttled` line per address and minute.
    let throttleLog = RateLimiter(limit: 1, windowSeconds: 60)
    let clock: UnixClock

    var paths: PagePaths { login.pages.paths }

    func addRoutes(to router: some RouterMethods<Context>) {
        router.get(RouterPath(paths.login)) { request, _ in
            let returnTo = safeReturn(request.uri.queryParameters["return_to"].map(String.init))
            return login.page(request, returnTo: returnTo, clientName: try await clientName(returnTo))
        }
        router.post(RouterPath(paths.login)) { request, context in
            try await signIn(
                request, form: try context.requireForm(), formToken: context.formToken, address: context.clientIP,
                origin: EventOrigin(address: context.clientIP, requestID: context.id)
            )
        }
        router.post(RouterPath(paths.logout)) { request, context in
            // SessionMiddleware refused a signed-in browser's form without its token; signing out without a
            // session only clears the cookie.
            if let userID = context.signedIn?.user.id {
                events.record(.signedOut(userID: userID), origin: EventOrigin(address: context.clientIP, requestID: context.id))
            }
            return try await signOut(request)
        }
    }

    func signIn(_ request: Request, form: FormParameters, formToken: FormToken?, address: String, origin: EventOrigin) async throws -> Response {
        let returnTo = safeReturn(form["return_to"])
        let clientName = try await clientName(returnTo)
        // Login CSRF would sign a victim into the attacker's account: the form must be this browser's sign-in form.
        guard formToken == .login else {
            return login.page(request, returnTo: returnTo, clientName: clientName,
                              error: "The sign-in form expired. Please try again.", status: .forbidden)
        }
        let typed = form["username"] ?? ""
        // A name that is not a valid username is an unknown user: never looked up, and throttled under one key, so
        // variants (case, a NUL, other junk) cannot each get a fresh count.
        let username = try? User.normalizeUsername(typed)
        let time = clock.now()
        let account = username ?? "(invalid)"
        let delay: Int
        switch limits.admit(account: account, address: address, now: time) {
        case .refuse(let wait):
            // Refusals cost the attacker nothing: log the first per address and minute, not every one.
            if throttleLog.check(address, now: time) == nil {
                events.record(.loginThrottled(address: address, retryAfter: wait), origin: origin)
            }
            let minutes = max(1, (wait + 59) / 60)
            let when = wait < 60 ? "\(wait) second\(wait == 1 ? "" : "s")" : "\(minutes) minute\(minutes == 1 ? "" : "s")"
            return login.page(request, returnTo: returnTo, clientName: clientName,
                              error: "Too many failed sign-in attempts. Try again in \(when).",
                              username: typed, status: .tooManyRequests, retryAfter: wait)
        case .proceed(let admitted):
            delay = admitted
        }
        // A delayed attempt holds its account's one slot until its password is checked (LoginLimits).
        defer { if delay > 0 { limits.finished(account: account) } }
        if delay > 0 { try await Task.sleep(for: .seconds(delay)) }
        var user: User?
        if let username { user = try await users.user(username: username) }
        // Verify even for unknown users (against a decoy hash), so timing does not reveal which usernames exist.
        let valid = try await passwords.verify(form["password"] ?? "", hash: user?.passwordHash)
        guard valid, let user, !user.disabled else {
            // Only a name that exists is logged: what was typed may be a password typed in the wrong field.
            events.record(.loginFailed(username: user?.username, address: address, userID: user?.id), origin: origin)
            return login.page(request, returnTo: returnTo, clientName: clientName,
                              error: "Incorrect username or password.", username: typed, status: .unauthorized)
        }
        limits.succeeded(account: account, address: address)
        events.record(.loginSucceeded(userID: user.id, username: user.username), origin: origin)
        var response = BrowserResponse.redirect(returnTo, status: .seeOther)
        response.setCookie(try await sessions.start(user: user, replacing: request))
        return response
    }

    func signOut(_ request: Request) async throws -> Response {
        var response = login.pages.render("message", ["title": "Signed out", "message": "You are signed out of Latchkey."])
        response.setCookie(try await sessions.end(request))
        return response
    }

    func safeReturn(_ candidate: String?) -> String {
        LoginReturn(authorizePath: paths.authorize, accountPath: paths.account, connectionsPath: paths.connections).target(candidate)
    }

    /// The requesting client's name, for "to continue to …".
    func clientName(_ returnTo: String) async throws -> String? {
        guard let query = returnTo.split(separator: "?", maxSplits: 1).dropFirst().first,
              let parameters = try? FormParameters(parsing: query, repeatable: AuthorizationService.repeatable),
              let clientID = parameters["client_id"], ClientAuthentication.isPlausible(clientID: clientID),
              let client = try await clients.usableClient(id: clientID)
        else { return nil }
        return BrowserResponse.displayName(client)
    }
}

