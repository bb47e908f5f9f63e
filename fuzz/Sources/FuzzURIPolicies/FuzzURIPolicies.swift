import FuzzSupport
import LatchkeyCore

/// One URI-ish string through every policy that judges such strings from untrusted input: redirect URIs
/// (`RedirectURIPolicy.classify` at registration, `AuthorizationRequestValidator.matches` at `/authorize` and
/// `/token`, `Consent.redirectTarget`), RFC 8707 resources (`ResourceIndicator`, and `ResourceRegistry` resolving a
/// requested one), `URISyntax.hostAndPort`, client ID metadata document URLs
/// (`ClientIDMetadataDocument.validateURL`), the issuer, and the login form's `return_to` (`LoginReturn`).
/// Properties: a registrable redirect URI matches itself; a normalized resource normalizes to itself; an accepted
/// document URL is a URL client id with the host returned; the login form only ever returns to this server's pages.

let policies = [RedirectURIPolicy(), RedirectURIPolicy(allowedHosts: ["app.example.com", ".example.org"])]
let loginReturn = LoginReturn(authorizePath: "/authorize", accountPath: "/account", connectionsPath: "/connections")
let registered = ["http://127.0.0.1:33418/callback", "http://[::1]/cb", "cursor://anysphere.cursor/cb", "https://app.example.com/cb"]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    Fuzz.run(start, count) { bytes in
        // These strings arrive as JSON strings or decoded form values: valid UTF-8.
        guard let text = String(validating: bytes, as: UTF8.self) else { return }

        for policy in policies {
            if (try? policy.classify(text)) != nil {
                Fuzz.invariant(AuthorizationRequestValidator.matches(text, registered: text), "a registrable redirect URI does not match itself")
            }
        }
        for uri in registered {
            _ = AuthorizationRequestValidator.matches(text, registered: uri)
            _ = AuthorizationRequestValidator.matches(uri, registered: text)
        }
        _ = Consent.redirectTarget(of: text)
        _ = URISyntax.hostAndPort(of: text)

        if let resource = try? ResourceIndicator(text) {
            let again = try? ResourceIndicator(resource.uri)
            Fuzz.invariant(again != nil, "a normalized resource is refused: \(resource.uri)")
        }

        for loopback in [false, true] {
            if let host = try? ClientIDMetadataDocument.validateURL(text, allowLoopbackHTTP: loopback) {
                Fuzz.invariant(ClientIDMetadataDocument.isURL(text), "an accepted document URL is not a URL client id")
                Fuzz.invariant(ClientIDMetadataDocument.host(of: text) == host, "an accepted document URL names another host")
            }
        }
        _ = try? Issuer(text)

        let target = loginReturn.target(text)
        Fuzz.invariant(
            target.hasPrefix("/") && !target.hasPrefix("//") && !target.hasPrefix("/\\")
                && !target.unicodeScalars.contains("\r") && !target.unicodeScalars.contains("\n"),
            "the login form returns to somewhere else than this server: \(target)"
        )
    }
}
