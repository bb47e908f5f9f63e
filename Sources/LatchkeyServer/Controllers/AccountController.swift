import Foundation
import Hummingbird
import LatchkeyCore

/// `GET /account`: the signed-in user's remembered approvals and their recent activity (from the audit trail);
/// `POST /account/revoke` forgets one approval and revokes the client's refresh tokens for this user.
struct AccountController {
    typealias Context = SessionContext
    let service: AuthorizationService
    let sessions: BrowserSessions
    let login: LoginPages
    /// `cimd-trusted-hosts`, as on the consent page.
    let trustedDocumentHosts: [String]
    let events: SecurityLog
    let auditTrail: any AuditTrailStore

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
            if try await service.revokeConsent(userID: current.user.id, clientID: clientID, audience: audience) {
                events.record(
                    .consentRevoked(userID: current.user.id, clientID: clientID, resources: audience),
                    origin: EventOrigin(address: context.clientIP, requestID: context.id)
                )
            }
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
            "connectionsPath": paths.connections, "activity": try await activity(userID: current.user.id),
        ]
        values["notice"] = notice
        return login.pages.render("account", values)
    }

    /// The user's own last sign-ins, sign-outs, approvals and revocations, newest first: queried by their user id, so
    /// no one else's row can appear.
    func activity(userID: String) async throws -> [[String: Any]] {
        let records = try await auditTrail.list(AuditQuery(userID: userID, events: Array(Self.activityLabels.keys), limit: Self.activityLimit))
        var names: [String: (name: String, host: String)] = [:]
        var rows: [[String: Any]] = []
        for record in records where record.entry.userID == userID {
            var row: [String: Any] = [
                "when": Self.date(record.entry.recordedAt),
                "what": Self.activityLabels[record.entry.event] ?? record.entry.event,
                "address": record.entry.address ?? "unknown",
            ]
            if let clientID = record.entry.clientID {
                if names[clientID] == nil {
                    let client = try await service.clients.usableClient(id: clientID)
                    let identity = client.map { ClientIdentity($0, trustedHosts: trustedDocumentHosts) }
                    names[clientID] = (identity?.name ?? "(application no longer registered)", identity?.documentHost ?? "")
                }
                row["clientName"] = names[clientID]?.name
                row["clientHost"] = names[clientID]?.host ?? ""
            }
            rows.append(row)
        }
        return rows
    }

    static let activityLimit = 20
    /// The events the account page shows, and how it words them.
    static let activityLabels: [String: String] = [
        "login.succeeded": "Signed in",
        "login.signed_out": "Signed out",
        "consent.granted": "Approved an application",
        "consent.revoked": "Revoked an application's access",
    ]

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
