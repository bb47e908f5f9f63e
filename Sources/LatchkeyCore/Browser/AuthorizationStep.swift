/// What `/authorize` does next for a valid request (RFC 6749 §4.1.1, OIDC Core §3.1.2.1 `prompt`).
public enum AuthorizationStep: Sendable, Equatable {
    /// Show the login page; afterwards the request continues.
    case login
    /// Show the consent page.
    case consent
    /// Issue a code and redirect.
    case issueCode
    /// `prompt=none` could not be honoured: redirect with this error.
    case fail(OAuthError)

    /// Decides the step from the request, whether a session is active, and what the user approved before.
    ///
    /// - Parameter freshLogin: the user logged in for this very request, so `prompt=login` is satisfied.
    public static func decide(
        _ request: AuthorizationRequest, hasSession: Bool, freshLogin: Bool, remembered: Consent?
    ) -> AuthorizationStep {
        let prompt = request.prompt
        if !hasSession || (prompt.contains(.login) && !freshLogin) {
            return prompt.contains(.none) ? .fail(OAuthError(.loginRequired, "The user is not logged in")) : .login
        }
        let approved = remembered?.covers(request) ?? false
        if prompt.contains(.consent) || !approved {
            return prompt.contains(.none) ? .fail(OAuthError(.consentRequired, "The user has not approved this client")) : .consent
        }
        return .issueCode
    }
}
