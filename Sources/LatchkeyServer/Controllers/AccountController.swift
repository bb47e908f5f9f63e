import Foundation
import Hummingbird
import LatchkeyCore

/// `GET /account`: the signed-in user's remembered approvals; `POST /account/revoke` forgets one and revokes
/// the client's refresh tokens for this user.
struct AccountController {
    typealias Context = SessionContext
    let service: AuthorizationService
    let sessions: BrowserSessions
    let login: LoginPages
    /// `cimd-trusted-hosts`, as on the consent page.
    let trustedDocumentHosts: [String]

    var paths: PagePaths { login.pages.paths }

    func addRoutes(to router: some RouterMethods<Context>) {
        router.get(RouterPath(paths.account)) { request, context in
            guard let current = context.signedIn else {
                return login.page(request, returnTo: paths.account, clientName: nil)
            }
            let notice = request.uri.queryParameters["revoked"] != nil ? "Access revoked." : nil
            return try await page(current, notice: notice)
        }
        router.post(RouterPath(paths.accountRevoke)) { request, context in
            let form = try context.requireForm()
            guard let current = context.signedIn else {
                return login.page(request, returnTo: paths.account, clientName: nil)
            }
            let clientID = try form.require("client_id")
            let audience = try form.require("audience").split(separator: " ").map(String.init)
            _ = try await service.revokeConsent(userID: current.user.id, clientID: clientID, audience: audience)
            return BrowserResponse.redirect(paths.account + "?revoked=1", status: .seeOther)
        }
    }

    func page(_ current: SignedIn, notice: String?) async throws -> Response {
        let csrf = sessions.csrfToken(for: current.session)
        var rows: [[String: Any]] = []
        for consent in try await service.consents.list(userID: current.user.id) {
            let client = try await service.clients.usableClient(id: consent.clientID)
            let identity = client.map { ClientIdentity($0, trustedHosts: trustedDocumentHosts) }
            rows.append([
                "clientName": identity?.name ?? (ClientIDMetadataDocument.isURL(consent.clientID) ? "(application unavailable)" : "(deleted application)"),
                "documentHost": identity?.documentHost ?? "",
                "unverified": identity.map { !$0.verified } ?? false,
                "clientID": consent.clientID,
                "scopes": consent.scopes.isEmpty ? "(none)" : consent.scopes.joined(separator: " "),
                "audience": consent.audience.joined(separator: " "),
                "updated": Self.date(consent.updatedAt),
                "csrf": csrf,
                "revokePath": paths.accountRevoke,
            ])
        }
        var values: [String: Any] = [
            "title": "Your approvals", "username": current.user.username, "consents": rows, "csrf": csrf, "logoutPath": paths.logout,
            "connectionsPath": paths.connections,
        ]
        values["notice"] = notice
        return login.pages.render("account", values)
    }

    static func date(_ seconds: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate, .withTime, .withColonSeparatorInTime, .withSpaceBetweenDateAndTime]
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(seconds))) + " UTC"
    }
}

/// `GET /assets/latchkey.css`: the pages' one stylesheet (the CSP allows no inline style).
struct AssetController {
    typealias Context = LatchkeyRequestContext
    let pages: PageRenderer

    func addRoutes(to router: some RouterMethods<Context>) {
        let css = ByteBuffer(string: pages.stylesheet)
        router.get(RouterPath(pages.paths.assets + "/latchkey.css")) { _, _ in
            Response(status: .ok, headers: [.contentType: "text/css; charset=utf-8", .cacheControl: "public, max-age=3600"], body: .init(byteBuffer: css))
        }
    }
}
