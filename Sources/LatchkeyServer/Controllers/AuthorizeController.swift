import Hummingbird
import LatchkeyCore
import LatchkeyCrypto

/// `GET /authorize` (RFC 6749 §4.1.1) and the consent form's `POST /authorize/decision`.
///
/// Client and redirect-URI errors are shown on a page and never redirected (§4.1.2.1); every other error goes
/// back to the client with `state` and `iss` (RFC 9207).
struct AuthorizeController {
    typealias Context = SessionContext
    let service: AuthorizationService
    let sessions: BrowserSessions
    let pages: PageRenderer
    let login: LoginPages
    /// `cimd-trusted-hosts`: metadata document hosts whose clients the consent page shows as verified.
    let trustedDocumentHosts: [String]
    let events: SecurityLog

    var paths: PagePaths { pages.paths }

    func addRoutes(to router: some RouterMethods<Context>) {
        router.get(RouterPath(paths.authorize)) { request, context in
            try await authorize(request, signedIn: context.signedIn)
        }
        router.post(RouterPath(paths.consent)) { request, context in
            try await decide(
                request, form: try context.requireForm(), signedIn: context.signedIn,
                origin: EventOrigin(address: context.clientIP, requestID: context.id)
            )
        }
    }

    func authorize(_ request: Request, signedIn current: SignedIn?) async throws -> Response {
        let query = Substring(request.uri.query ?? "")
        switch try await service.validate(query: query) {
        case .failure(let failure):
            return respond(to: failure, status: .found)
        case .success(let (authorization, client)):
            let step = try await service.step(authorization, user: current?.user, freshLogin: false)
            switch (step, current) {
            case (.login, _), (.consent, nil), (.issueCode, nil):
                // Without a session the step is always `.login`.
                let returnTo = paths.authorize + "?" + (try PromptRewrite.removingLogin(query))
                return login.page(request, returnTo: returnTo, clientName: BrowserResponse.displayName(client))
            case (.consent, let current?):
                return consentPage(authorization, client: client, query: query, current: current)
            case (.issueCode, let current?):
                return BrowserResponse.redirect(try await service.issueCode(authorization, session: current.session), status: .found)
            case (.fail(let error), _):
                return BrowserResponse.redirect(service.errorRedirect(error, redirectURI: authorization.redirectURI, state: authorization.state), status: .found)
            }
        }
    }

    /// Approve or Deny. The request is validated again from the form (it is only as trustworthy as any input); the
    /// CSRF token (checked by `SessionMiddleware`) and the request binding tie the decision to this browser's session.
    func decide(_ request: Request, form: FormParameters, signedIn: SignedIn?, origin: EventOrigin) async throws -> Response {
        guard let query = form["request"] else {
            return pages.error(title: "Something went wrong", message: "The consent form was incomplete.", hint: BrowserResponse.startAgain)
        }
        guard let current = signedIn else {
            // The session ended while the page was open: sign in again, then see the same request.
            return BrowserResponse.redirect(paths.authorize + "?" + query, status: .seeOther)
        }
        switch try await service.validate(query: Substring(query)) {
        case .failure(let failure):
            return respond(to: failure, status: .seeOther)
        case .success(let (authorization, client)):
            let binding = sessions.consentBinding(authorization, session: current.session)
            guard let shown = form["request_binding"], ConstantTime.equals(shown, binding) else {
                // The request resolves differently now than on the page (the client's registration changed):
                // show what it would get now, and let the user decide again.
                return consentPage(authorization, client: client, query: Substring(query), current: current)
            }
            switch form["decision"] {
            case "approve":
                let redirect = try await service.approve(authorization, session: current.session)
                events.record(.consentGranted(
                    userID: current.user.id, clientID: authorization.clientID, scopes: authorization.scopes, resources: authorization.audience
                ), origin: origin)
                return BrowserResponse.redirect(redirect, status: .seeOther)
            case "deny":
                let error = OAuthError(.accessDenied, "The user denied the request")
                return BrowserResponse.redirect(service.errorRedirect(error, redirectURI: authorization.redirectURI, state: authorization.state), status: .seeOther)
            default:
                return pages.error(title: "Something went wrong", message: "Choose Allow or Deny.", hint: BrowserResponse.startAgain)
            }
        }
    }

    func respond(to failure: AuthorizationRequestError, status: HTTPResponse.Status) -> Response {
        switch failure {
        case .page(let error):
            return pages.error(title: "This sign-in link is not valid", message: error.description, hint: BrowserResponse.startAgain)
        case .redirect(let error, let redirectURI, let state):
            return BrowserResponse.redirect(service.errorRedirect(error, redirectURI: redirectURI, state: state), status: status)
        }
    }

    func consentPage(_ authorization: AuthorizationRequest, client: RegisteredClient, query: Substring, current: SignedIn) -> Response {
        let resources = authorization.audience.map { uri in
            ["name": service.validator.resources.resources.first { $0.uri == uri }?.name ?? "This authorization server", "uri": uri]
        }
        var scopes = authorization.scopes.map { ["name": $0, "description": ScopeDescriptions.describe($0)] }
        if authorization.offlineAccess, !authorization.scopes.contains("offline_access") {
            // The code will come with a refresh token (`RefreshTokenGrant.isOffered`); say so.
            scopes.append(["name": "offline_access", "description": ScopeDescriptions.describe("offline_access")])
        }
        let identity = ClientIdentity(client, trustedHosts: trustedDocumentHosts)
        var values: [String: Any] = [
            "title": "Allow access",
            "clientName": identity.name,
            // A registered client's name is its own claim; a metadata document client's host is verified by the
            // fetch itself, and the operator may vouch for that host.
            "unverified": !identity.verified,
            // For a document client: the host vouches for the name, but a loopback redirect can be any local program.
            "loopbackOnly": identity.documentHost != nil && identity.loopbackOnly,
            "redirectHost": BrowserResponse.redirectHost(authorization.redirectURI),
            "redirectURI": authorization.redirectURI,
            "scopes": scopes,
            "resources": resources,
            "username": current.user.username,
            "switchAccountURL": paths.authorize + "?" + ((try? PromptRewrite.addingLogin(query)) ?? String(query)),
            "accountPath": paths.account,
            "connectionsPath": paths.connections,
            "consentPath": paths.consent,
            "csrf": sessions.csrfToken(for: current.session),
            "request": String(query),
            "requestBinding": sessions.consentBinding(authorization, session: current.session),
        ]
        if let host = identity.documentHost {
            values["documentHost"] = host
            // The whole URL: the host vouches for its documents, the path says which one.
            values["documentURL"] = client.clientID
        }
        return pages.render("consent", values)
    }
}
