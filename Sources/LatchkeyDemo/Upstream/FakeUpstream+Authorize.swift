import Foundation
import Hummingbird
import LatchkeyCore
import NIOCore
import Synchronization

extension FakeUpstream {
    /// A validated authorization request (RFC 6749 §4.1.1, RFC 7636 §4.3).
    struct AuthorizationRequest: Sendable {
        var redirectURI: String
        var state: String
        var scope: String
        var challenge: String
    }

    /// What `/authorize` does with a request: a page (the client or redirect URI cannot be trusted, or consent), or a
    /// redirect back to the client.
    enum AuthorizationAnswer {
        case errorPage(String)
        case redirect(redirectURI: String, parameters: [(String, String?)])
    }

    /// A request checked: valid, or already answered.
    enum Validation {
        case valid(AuthorizationRequest)
        case invalid(AuthorizationAnswer)
    }

    /// The scope a request without `scope` gets.
    public static let defaultScope = "read:user"

    /// `GET /authorize`: validates the request, then asks the user, or decides at once per `mode.decision`.
    func authorize(_ request: Request) async throws -> Response {
        let parameters: FormParameters
        do {
            parameters = try FormParameters(parsing: Substring(request.uri.query ?? ""))
        } catch {
            return errorPage("The request is malformed.")
        }
        let decision = mode.decision
        switch validate(parameters) {
        case .invalid(let answer):
            return respond(answer, status: .found)
        case .valid(let authorization):
            switch decision {
            case .ask: return consentPage(authorization)
            case .approve: return respond(approve(authorization), status: .found)
            case .deny: return respond(deny(authorization), status: .found)
            }
        }
    }

    /// `POST /authorize`: the consent page's Allow or Deny. The hidden fields are validated again.
    func decide(_ request: Request, context: FakeUpstreamContext) async throws -> Response {
        let form: FormParameters
        do {
            form = try await Self.formBody(request, context: context)
        } catch let error as OAuthError {
            return errorPage(error.description)
        }
        switch validate(form) {
        case .invalid(let answer):
            return respond(answer, status: .seeOther)
        case .valid(let authorization):
            switch form["decision"] {
            case "allow": return respond(approve(authorization), status: .seeOther)
            case "deny": return respond(deny(authorization), status: .seeOther)
            default: return errorPage("Choose Allow or Deny.")
            }
        }
    }

    /// RFC 6749 §4.1.2.1: an unknown client or redirect URI is shown to the user, never redirected to; every other
    /// error goes back to the client with `state` and `iss`.
    func validate(_ parameters: FormParameters) -> Validation {
        guard parameters["client_id"] == clientID else { return .invalid(.errorPage("The application is not registered with \(name).")) }
        guard let redirectURI = parameters["redirect_uri"], redirectURIs.isEmpty ? Self.isWebURI(redirectURI) : redirectURIs.contains(redirectURI) else {
            return .invalid(.errorPage("The redirect URI is not registered for this application."))
        }
        let state = parameters["state"]
        func error(_ code: OAuthError.Code, _ description: String) -> Validation {
            .invalid(.redirect(redirectURI: redirectURI, parameters: [("error", code.rawValue), ("error_description", description), ("state", state)]))
        }
        guard parameters["response_type"] == "code" else { return error(.unsupportedResponseType, "response_type must be code") }
        guard let state else { return error(.invalidRequest, "state is required") }
        guard let challenge = parameters["code_challenge"] else { return error(.invalidRequest, "code_challenge is required") }
        guard parameters["code_challenge_method"] == "S256" else { return error(.invalidRequest, "code_challenge_method must be S256") }
        // RFC 7636 §4.2: an S256 challenge is 32 bytes in base64url.
        guard challenge.count == 43, Base64URL.decode(challenge)?.count == 32 else { return error(.invalidRequest, "code_challenge is malformed") }
        return .valid(AuthorizationRequest(redirectURI: redirectURI, state: state, scope: parameters["scope"] ?? Self.defaultScope, challenge: challenge))
    }

    func approve(_ request: AuthorizationRequest) -> AuthorizationAnswer {
        let code = Self.randomToken("dc_code_")
        state.withLock {
            $0.ledger.addCode(code, .init(
                clientID: clientID, redirectURI: request.redirectURI, challenge: request.challenge, scope: request.scope, issuedAt: Date()
            ))
        }
        return .redirect(redirectURI: request.redirectURI, parameters: [("code", code), ("state", request.state)])
    }

    func deny(_ request: AuthorizationRequest) -> AuthorizationAnswer {
        .redirect(redirectURI: request.redirectURI, parameters: [
            ("error", OAuthError.Code.accessDenied.rawValue), ("error_description", "The user denied access"), ("state", request.state),
        ])
    }

    /// The redirect (with `iss` per `mode.issuerParameter`, RFC 9207) or the error page.
    func respond(_ answer: AuthorizationAnswer, status: HTTPResponse.Status) -> Response {
        switch answer {
        case .errorPage(let message):
            return errorPage(message)
        case .redirect(let redirectURI, let parameters):
            let iss: String? = switch mode.issuerParameter {
            case .correct: issuer
            case .wrong(let other): other
            case .omitted: nil
            }
            let location = AuthorizationResponse.location(redirectURI, parameters + [("iss", iss)])
            return Response(status: status, headers: [.location: location, .cacheControl: "no-store"])
        }
    }

    func consentPage(_ request: AuthorizationRequest) -> Response {
        let fields = [
            ("response_type", "code"), ("client_id", clientID), ("redirect_uri", request.redirectURI), ("state", request.state),
            ("scope", request.scope), ("code_challenge", request.challenge), ("code_challenge_method", "S256"),
        ].map { #"<input type="hidden" name="\#($0.0)" value="\#(Self.escapeHTML($0.1))">"# }.joined()
        let form = { (decision: String, label: String) in
            #"<form method="post" action="/authorize">\#(fields)<input type="hidden" name="decision" value="\#(decision)"><button type="submit">\#(label)</button></form>"#
        }
        let html = """
            <!doctype html>
            <html><head><meta charset="utf-8"><title>\(Self.escapeHTML(name))</title></head>
            <body><h1>\(Self.escapeHTML(name))</h1>
            <p>\(Self.escapeHTML(name)): allow Latchkey to access account \(Self.escapeHTML(account))?</p>
            <p>Scope: <code>\(Self.escapeHTML(request.scope))</code></p>
            \(form("allow", "Allow"))
            \(form("deny", "Deny"))
            </body></html>
            """
        return Self.body(html, contentType: "text/html; charset=utf-8", headers: [.cacheControl: "no-store"])
    }

    func errorPage(_ message: String) -> Response {
        Self.body(
            "<!doctype html><html><head><meta charset=\"utf-8\"><title>\(Self.escapeHTML(name))</title></head><body><h1>\(Self.escapeHTML(name))</h1><p>\(Self.escapeHTML(message))</p></body></html>",
            contentType: "text/html; charset=utf-8", status: .badRequest
        )
    }

    static func isWebURI(_ text: String) -> Bool {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), url.host != nil else { return false }
        return (scheme == "http" || scheme == "https") && url.fragment == nil
    }
}
