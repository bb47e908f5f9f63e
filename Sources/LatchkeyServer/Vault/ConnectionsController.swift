import Foundation
import Hummingbird
import LatchkeyBroker
import LatchkeyCore
import LatchkeyCrypto

/// The vault's pages: `GET /connections` (every provider's status), `GET`/`POST /connections/{provider}/connect`
/// (a confirmation page, whose button starts the flow), `GET /connections/callback` (where the upstream sends the
/// browser back) and `POST /connections/{provider}/disconnect`. Every POST is CSRF-checked by `SessionMiddleware`.
struct ConnectionsController {
    typealias Context = SessionContext
    let providers: [UpstreamProvider]
    let connections: UpstreamConnections
    let sessions: BrowserSessions
    let login: LoginPages
    let events: SecurityLog
    let clock: UnixClock
    /// The MCP servers each provider's tokens may go to, named on the confirmation page.
    let resources: ResourceRegistry
    /// Each connect or disconnect calls the upstream with Latchkey's client credentials: a user may start at most this
    /// many a minute, so no one can make Latchkey hammer (and get its OAuth app flagged by) a provider.
    let upstreamCalls = RateLimiter(limit: 20, windowSeconds: 60)
    /// Callbacks cost a database write before anything is known about them: per address and minute.
    let callbacks = RateLimiter(limit: 30, windowSeconds: 60)

    var pages: PageRenderer { login.pages }
    var paths: PagePaths { pages.paths }

    func addRoutes(to router: some RouterMethods<Context>) {
        router.get(RouterPath(paths.connections)) { request, context in
            guard let current = context.signedIn else { return login.page(request, returnTo: paths.connections, clientName: nil) }
            return try await list(request, current)
        }
        router.get(RouterPath(paths.connectionsCallback)) { request, context in
            if let wait = callbacks.check(context.clientIP, now: clock.now()) { return tooMany(wait) }
            return await callback(request, context)
        }
        // Sign-in comes before the provider lookup, so no one signed out can learn which providers exist.
        router.get(RouterPath(paths.connections + "/:provider/connect")) { request, context in
            guard let current = context.signedIn else {
                return login.page(request, returnTo: returnPath(context, link: request.uri.queryParameters["for"].map(String.init)), clientName: nil)
            }
            guard let provider = provider(context) else { return unknownProvider() }
            // A link an MCP server handed out (`connection_required`) is for one user: anyone else is refused, so the
            // link cannot lure another user into connecting their account where the sender's MCP server acts.
            if let value = request.uri.queryParameters["for"].map(String.init) {
                guard let link = connections.vault.connectLink(value, now: clock.now()), link.providerID == provider.id else {
                    return pages.error(title: "This link has expired", message: "Ask the application for a new link, or connect from Your connections.")
                }
                guard link.userID == current.user.id else {
                    events.record(.upstreamFlowMisused(startedBy: link.userID, completedBy: current.user.id, providerID: provider.id))
                    return pages.error(
                        title: "This link is for another account",
                        message: "The application made this link for another Latchkey account than \(current.user.username). Nothing was connected.",
                        hint: "If that is not you, close this page. Otherwise sign out and sign in as the right account.", status: .forbidden
                    )
                }
            }
            return try await confirmation(provider, current)
        }
        router.post(RouterPath(paths.connections + "/:provider/connect")) { request, context in
            guard let current = context.signedIn else { return login.page(request, returnTo: returnPath(context), clientName: nil) }
            guard let provider = provider(context) else { return unknownProvider() }
            if let wait = upstreamCalls.check(current.user.id, now: clock.now()) { return tooMany(wait) }
            do {
                let url = try await connections.start(provider: provider, userID: current.user.id, sessionHash: current.session.idHash)
                return BrowserResponse.redirect(url, status: .seeOther)
            } catch let failure as UpstreamFailure {
                return pages.error(
                    title: "\(provider.name) is not reachable", message: "Latchkey could not find \(provider.name)'s sign-in page (\(failure.code)).",
                    hint: "Try again in a moment. If it keeps failing, tell your Latchkey operator.", status: .badGateway
                )
            } catch let error as ProviderError {
                // The reason names the configuration problem (never a secret), for the operator.
                events.record(.upstreamConnectFailed(userID: current.user.id, providerID: provider.id, reason: "misconfigured: \(error)"))
                return pages.error(
                    title: "\(provider.name) is misconfigured", message: "Latchkey cannot build \(provider.name)'s sign-in address.",
                    hint: "Tell your Latchkey operator; the server log names the problem.", status: .badGateway
                )
            }
        }
        router.post(RouterPath(paths.connections + "/:provider/disconnect")) { request, context in
            guard let current = context.signedIn else { return login.page(request, returnTo: paths.connections, clientName: nil) }
            guard let provider = provider(context) else { return unknownProvider() }
            if let wait = upstreamCalls.check(current.user.id, now: clock.now()) { return tooMany(wait) }
            let outcome = try await connections.disconnect(userID: current.user.id, provider: provider)
            Self.record(outcome, userID: current.user.id, providerID: provider.id, events: events)
            var target = paths.connections + "?disconnected=" + provider.id
            if case .failed = outcome.revocation { target += "&revocation=failed" }
            return BrowserResponse.redirect(target, status: .seeOther)
        }
    }

    func provider(_ context: Context) -> UpstreamProvider? {
        guard let id = context.parameters.get("provider") else { return nil }
        return providers.first { $0.id == id }
    }

    /// Where the login form returns: this provider's connect page when the id is well-formed (`LoginReturn` checks it
    /// again), else the connections page.
    func returnPath(_ context: Context, link: String? = nil) -> String {
        guard let id = context.parameters.get("provider"), UpstreamProvider.isValidID(id) else { return paths.connections }
        return paths.connect(id) + (link.map { "?for=" + $0 } ?? "")
    }

    func tooMany(_ wait: Int) -> Response {
        pages.render("error", [
            "title": "Too many requests", "message": "Too many connection attempts in a short time.",
            "hint": "Try again in \(wait) seconds.",
        ], status: .tooManyRequests, headers: [.retryAfter: String(wait)])
    }

    func unknownProvider() -> Response {
        pages.error(title: "Unknown service", message: "No upstream service by that name is configured.", status: .notFound)
    }

    func list(_ request: Request, _ current: SignedIn) async throws -> Response {
        let stored = try await connections.vault.connections(of: current.user.id)
        let csrf = sessions.csrfToken(for: current.session)
        let now = clock.now()
        let rows: [[String: Any]] = providers.map { provider in
            let credential = stored.first { $0.providerID == provider.id }
            let status = CredentialStatus(credential, now: now)
            var row: [String: Any] = [
                "id": provider.id, "name": provider.name, "status": status.rawValue, "statusText": Self.statusText(status),
                "connectPath": paths.connect(provider.id), "connectLabel": credential == nil ? "Connect" : "Reconnect",
                "disconnectPath": paths.disconnect(provider.id), "csrf": csrf, "connected": credential != nil,
            ]
            if let credential {
                row["account"] = credential.account
                row["scopes"] = credential.scopes.isEmpty ? "(none)" : credential.scopes.joined(separator: " ")
                row["connectedAt"] = AccountController.date(credential.connectedAt)
                row["refreshedAt"] = credential.refreshedAt.map(AccountController.date)
                row["lastError"] = credential.lastError
            }
            return row
        }
        var values: [String: Any] = [
            "title": "Your connections", "username": current.user.username, "providers": rows, "accountPath": paths.account,
        ]
        // Only names of configured providers are echoed, never the query's text.
        let query = request.uri.queryParameters
        if let id = query["connected"].map(String.init), let provider = providers.first(where: { $0.id == id }) {
            values["notice"] = "Connected \(provider.name)."
        } else if let id = query["disconnected"].map(String.init), let provider = providers.first(where: { $0.id == id }) {
            values["notice"] = "Disconnected \(provider.name)."
            if query["revocation"] == "failed" {
                values["problem"] = "\(provider.name) did not confirm that it revoked Latchkey's access; you can revoke it in your \(provider.name) account settings."
            }
        }
        return pages.render("connections", values)
    }

    func confirmation(_ provider: UpstreamProvider, _ current: SignedIn) async throws -> Response {
        let stored = try await connections.vault.store.credential(userID: current.user.id, providerID: provider.id)
        var values: [String: Any] = [
            "title": "Connect \(provider.name)", "name": provider.name, "username": current.user.username, "host": Self.host(of: provider),
            "connectPath": paths.connect(provider.id), "connectionsPath": paths.connections, "csrf": sessions.csrfToken(for: current.session),
            "connected": stored != nil,
        ]
        values["scopes"] = provider.scopes.isEmpty ? nil : provider.scopes.joined(separator: " ")
        let servers = provider.resources.compactMap { uri in resources.resources.first { $0.uri == uri } }
        values["servers"] = servers.map { ["name": $0.name, "uri": $0.uri] }
        values["hasServers"] = !servers.isEmpty
        values["account"] = stored?.account
        return pages.render("connect", values)
    }

    func callback(_ request: Request, _ context: Context) async -> Response {
        let signedIn = context.signedIn.map { (userID: $0.user.id, sessionHash: $0.session.idHash) }
        let outcome = await connections.complete(query: Substring(request.uri.query ?? ""), signedIn: signedIn, providers: providers)
        switch outcome {
        case .connected(let provider, let credential):
            events.record(.upstreamConnected(userID: credential.userID, providerID: provider.id))
            return BrowserResponse.redirect(paths.connections + "?connected=" + provider.id, status: .seeOther)
        case .refused(let reason, let provider):
            if case .otherBrowser(let startedBy, let completedBy) = reason {
                events.record(.upstreamFlowMisused(startedBy: startedBy, completedBy: completedBy, providerID: provider?.id ?? "(removed)"))
            } else {
                events.record(.upstreamConnectFailed(userID: signedIn?.userID, providerID: provider?.id, reason: Self.logReason(reason)))
            }
            return refusalPage(reason, provider: provider)
        }
    }

    /// What the user reads when a callback stored nothing: never the upstream's own words, only an allowlisted code.
    func refusalPage(_ reason: ConnectRefusal, provider: UpstreamProvider?) -> Response {
        let name = provider?.name ?? "The service"
        let again = "Nothing was connected. Start again from Your connections."
        switch reason {
        case .malformed:
            return pages.error(title: "Connection failed", message: "This is not a valid answer from the service. \(again)")
        case .unknownState, .expired:
            return pages.error(title: "This connection link has expired", message: "The link was already used, or is more than 10 minutes old. \(again)")
        case .otherBrowser(_, let completedBy):
            return pages.error(
                title: "Connection refused",
                message: "This connection was started by \(completedBy == nil ? "a signed-in user" : "another account or in another browser"). Nothing was connected.",
                hint: "Sign in to Latchkey in this browser as the account you want to connect, and start again from Your connections.",
                status: .forbidden
            )
        case .providerGone:
            return pages.error(title: "Connection failed", message: "This service is no longer configured. Nothing was connected.")
        case .issuerMismatch, .issuerMissing:
            return pages.error(title: "Connection refused", message: "The answer did not come from \(name) as expected (RFC 9207 issuer check). \(again)")
        case .denied(let code):
            let detail = code == "access_denied" ? "access was denied" : "it answered \(code ?? "an unknown error")"
            return pages.error(title: "\(name) was not connected", message: "\(name) did not connect: \(detail). \(again)")
        case .upstream(let failure):
            return pages.error(
                title: "\(name) was not connected", message: "\(name) could not complete the connection (\(failure.code)). \(again)",
                status: .badGateway
            )
        case .storage:
            return pages.error(title: "Connection failed", message: "Latchkey could not save the connection. \(again)", status: .serviceUnavailable)
        }
    }

    static func logReason(_ reason: ConnectRefusal) -> String {
        switch reason {
        case .malformed: "malformed"
        case .unknownState: "unknown_state"
        case .expired: "expired"
        case .otherBrowser: "other_browser"
        case .providerGone: "provider_removed"
        case .issuerMismatch: "issuer_mismatch"
        case .issuerMissing: "issuer_missing"
        case .denied(let code): "denied:" + (code ?? "unlisted")
        case .upstream(let failure): "upstream:" + failure.code
        case .storage: "storage"
        }
    }

    static func record(_ outcome: DisconnectOutcome, userID: String, providerID: String, events: SecurityLog) {
        guard outcome.deleted else { return }
        switch outcome.revocation {
        case .failed(let failure):
            events.record(.upstreamRevocationFailed(userID: userID, providerID: providerID, reason: failure.code))
            events.record(.upstreamDisconnected(userID: userID, providerID: providerID, revoked: false))
        case .revoked:
            events.record(.upstreamDisconnected(userID: userID, providerID: providerID, revoked: true))
        case .notAttempted:
            events.record(.upstreamDisconnected(userID: userID, providerID: providerID, revoked: false))
        }
    }

    static func statusText(_ status: CredentialStatus) -> String {
        switch status {
        case .connected: "Connected"
        case .expired: "Connected (token will refresh)"
        case .needsReauth: "Needs reconnecting"
        case .notConnected: "Not connected"
        }
    }

    /// The host the user will sign in at, from the configuration (no network call for a page view).
    static func host(of provider: UpstreamProvider) -> String {
        let url: String
        switch provider.endpoints {
        case .discovered(let issuer): url = issuer
        case .configured(let authorization, _): url = authorization
        }
        return URLComponents(string: url)?.host ?? url
    }
}
