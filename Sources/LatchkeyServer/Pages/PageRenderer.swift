import Foundation
import HTTPTypes
import Hummingbird
import Mustache

/// Renders the HTML pages from the Mustache templates bundled with the server. Mustache escapes every
/// `{{value}}`, so nothing a client registers (its name, its redirect URI) can inject markup.
struct PageRenderer: Sendable {
    let library: MustacheLibrary
    let stylesheet: String
    /// Paths the templates link to, under the issuer path.
    let paths: PagePaths

    static func load(paths: PagePaths) async throws -> PageRenderer {
        guard let directory = Bundle.module.url(forResource: "Templates", withExtension: nil) else {
            throw PageError.missingTemplates
        }
        let library = try await MustacheLibrary(directory: directory.path)
        let stylesheet = try String(contentsOf: directory.appendingPathComponent("latchkey.css"), encoding: .utf8)
        return PageRenderer(library: library, stylesheet: stylesheet, paths: paths)
    }

    /// A page response with the browser hygiene headers every page gets (issue 3 §8).
    func render(_ template: String, _ values: [String: Any], status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var context = values
        context["assetsPath"] = paths.assets
        guard let html = library.render(context, withTemplate: template) else {
            // A missing template is a packaging bug; fail loudly rather than serve an empty page.
            return Response(status: .internalServerError, headers: Self.pageHeaders(contentType: "text/plain; charset=utf-8"),
                            body: .init(byteBuffer: ByteBuffer(string: "page template \(template) is missing")))
        }
        var fields = Self.pageHeaders(contentType: "text/html; charset=utf-8")
        fields.append(contentsOf: headers)
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// A page that explains an error the user (not the client) must see.
    func error(title: String, message: String, hint: String? = nil, status: HTTPResponse.Status = .badRequest) -> Response {
        var values: [String: Any] = ["title": title, "message": message]
        values["hint"] = hint
        return render("error", values, status: status)
    }

    /// CSP with no script at all, styles only from our own stylesheet, and no framing (clickjacking on the
    /// consent page). `form-action` is left out: Chromium applies it to the redirect after the consent form,
    /// which goes to the client's redirect URI.
    static let contentSecurityPolicy = "default-src 'none'; style-src 'self'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'"

    static func pageHeaders(contentType: String) -> HTTPFields {
        [
            .contentType: contentType,
            .cacheControl: "no-store",
            .pragma: "no-cache",
            .contentSecurityPolicy: contentSecurityPolicy,
            .xFrameOptions: "DENY",
        ]
    }
}

/// Where the browser-facing routes live, under the issuer path.
struct PagePaths: Sendable {
    let authorize: String
    let consent: String
    let login: String
    let logout: String
    let account: String
    let accountRevoke: String
    let connections: String
    let connectionsCallback: String
    let assets: String

    init(base: String) {
        authorize = base + "/authorize"
        consent = base + "/authorize/decision"
        login = base + "/login"
        logout = base + "/logout"
        account = base + "/account"
        accountRevoke = base + "/account/revoke"
        connections = base + "/connections"
        connectionsCallback = base + "/connections/callback"
        assets = base + "/assets"
    }

    /// `/connections/{provider}/connect`: the confirmation page, and the form that starts a connect.
    func connect(_ providerID: String) -> String { connections + "/" + providerID + "/connect" }

    /// `/connections/{provider}/disconnect`.
    func disconnect(_ providerID: String) -> String { connections + "/" + providerID + "/disconnect" }
}

enum PageError: Error, CustomStringConvertible {
    case missingTemplates

    var description: String { "the page templates are missing from the LatchkeyServer bundle; rebuild latchkey" }
}

extension HTTPField.Name {
    static let xFrameOptions = HTTPField.Name("X-Frame-Options")!
}
