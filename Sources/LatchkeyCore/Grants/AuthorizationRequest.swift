/// A validated `GET /authorize` request (RFC 6749 §4.1.1, RFC 7636 §4.3, RFC 8707, OAuth 2.1 §4.1.1).
public struct AuthorizationRequest: Sendable, Equatable {
    public var clientID: String
    /// Where the response goes: the URI as the client sent it (it matched a registered one), or the one
    /// registered URI when the client sent none.
    public var redirectURI: String
    /// Whether the request named `redirect_uri`; only then must the token request repeat it (RFC 6749 §4.1.3).
    public var redirectURIProvided: Bool
    public var state: String?
    public var scopes: [String]
    public var audience: [String]
    public var codeChallenge: String
    public var prompt: Set<Prompt>
    /// Whether the code will yield a refresh token: exactly when the client registered the refresh grant.
    public var offlineAccess: Bool

    /// Everything the consent page shows and the code will carry, as one string: the consent form is bound to it,
    /// so a request that resolves differently when Allow is pressed (the client's registration changed meanwhile)
    /// is shown again instead of approved.
    public var fingerprint: String {
        [clientID, redirectURI, redirectURIProvided ? "1" : "0", state ?? "", scopes.joined(separator: " "),
         audience.joined(separator: " "), codeChallenge, offlineAccess ? "offline" : "online"].joined(separator: "\u{1F}")
    }

    /// OpenID Connect Core §3.1.2.1 `prompt` values Latchkey honours.
    public enum Prompt: String, Sendable, Hashable {
        case none, login, consent
    }
}

/// Why an authorization request failed, and how the user agent must learn of it.
public enum AuthorizationRequestError: Error, Sendable, Equatable {
    /// The client or its redirect URI cannot be trusted: show the error on a page, never redirect (RFC 6749 §4.1.2.1).
    case page(OAuthError)
    /// The redirect URI is good: send the error there with `state` and `iss` (RFC 9207).
    case redirect(OAuthError, redirectURI: String, state: String?)
}

/// Validates `/authorize` parameters in the order RFC 6749 §4.1.2.1 requires: client and redirect URI first.
public struct AuthorizationRequestValidator: Sendable {
    public let supportedScopes: [String]
    public let resources: ResourceRegistry

    public init(supportedScopes: [String], resources: ResourceRegistry) {
        self.supportedScopes = supportedScopes
        self.resources = resources
    }

    public func validate(_ query: FormParameters, client: RegisteredClient?) -> Result<AuthorizationRequest, AuthorizationRequestError> {
        guard let client, query["client_id"] == client.clientID else {
            return .failure(.page(OAuthError.invalidRequest("The client is unknown; check the client_id the application sent")))
        }
        let registered = client.metadata.redirectURIs
        let redirectURI: String
        let redirectURIProvided = query["redirect_uri"] != nil
        if let sent = query["redirect_uri"] {
            guard registered.contains(where: { Self.matches(sent, registered: $0) }) else {
                return .failure(.page(OAuthError.invalidRequest("The redirect_uri is not registered for this client")))
            }
            redirectURI = sent
        } else if registered.count == 1 {
            // RFC 6749 §3.1.2.3: optional when exactly one is registered.
            redirectURI = registered[0]
        } else {
            return .failure(.page(OAuthError.invalidRequest("redirect_uri is required for this client")))
        }
        let state = query["state"]
        func fail(_ error: OAuthError) -> Result<AuthorizationRequest, AuthorizationRequestError> {
            .failure(.redirect(error, redirectURI: redirectURI, state: state))
        }
        do {
            guard let responseType = query["response_type"] else { throw OAuthError.invalidRequest("response_type is required") }
            guard responseType == "code" else {
                throw OAuthError(.unsupportedResponseType, "Only response_type=code is supported")
            }
            try TokenEndpointGrant.authorizationCode.requireRegistered(client)
            // OAuth 2.1 §4.1.1 / DESIGN §7: PKCE is mandatory and S256 only.
            guard let challenge = query["code_challenge"] else { throw OAuthError.invalidRequest("code_challenge is required (PKCE)") }
            try PKCE.requireS256(method: query["code_challenge_method"])
            guard PKCE.isValidChallenge(challenge) else { throw OAuthError.invalidRequest("code_challenge is not a valid S256 challenge") }
            let prompt = try Self.parsePrompt(query["prompt"])
            let audience = try resources.audience(for: query.all("resource"))
            let scopes = try grantedScopes(query["scope"], client: client, audience: audience)
            return .success(AuthorizationRequest(
                clientID: client.clientID, redirectURI: redirectURI, redirectURIProvided: redirectURIProvided, state: state,
                scopes: scopes, audience: audience, codeChallenge: challenge, prompt: prompt,
                offlineAccess: RefreshTokenGrant.isOffered(to: client)
            ))
        } catch let error as OAuthError {
            return fail(error)
        } catch {
            return fail(OAuthError.serverError(debug: "\(error)"))
        }
    }

    /// Where an error about a malformed request (a repeated parameter) may be sent: only when `client_id` and
    /// `redirect_uri` themselves are unambiguous and valid for `client` (RFC 6749 §4.1.2.1), and `state` — which the
    /// response must echo exactly — is not repeated.
    public static func errorRedirect(for all: [String: [String]], client: RegisteredClient?) -> (redirectURI: String, state: String?)? {
        guard let client, all["client_id"] == [client.clientID] else { return nil }
        let registered = client.metadata.redirectURIs
        let redirectURI: String
        let sent = all["redirect_uri"]?.filter { !$0.isEmpty } ?? []
        if sent.isEmpty {
            guard registered.count == 1 else { return nil }
            redirectURI = registered[0]
        } else {
            guard sent.count == 1, registered.contains(where: { matches(sent[0], registered: $0) }) else { return nil }
            redirectURI = sent[0]
        }
        let states = all["state"] ?? []
        guard states.count <= 1 else { return nil }
        return (redirectURI, states.first.flatMap { $0.isEmpty ? nil : $0 })
    }

    /// Requested scopes must be ones the server supports and the audience understands (`offline_access` is about
    /// the grant, not the resource); none requested means the client's registered `scope` (all supported scopes when
    /// it registered none), within the audience's.
    ///
    /// The registered `scope` is a default here, not a ceiling: the user approves every scope on the consent page,
    /// and MCP clients register once and then step up (MCP authorization, `insufficient_scope` → a new request for
    /// the union of scopes) without re-registering. A ceiling would make every step-up fail with `invalid_scope`.
    /// Without a user (`client_credentials`) the registered `scope` is the ceiling.
    func grantedScopes(_ scope: String?, client: RegisteredClient, audience: [String]) throws -> [String] {
        let offered = { (scopes: [String]) in scopes.filter { $0 == "offline_access" || resources.offers($0, for: audience) } }
        let requested = try Scope.parse(scope)
        guard !requested.isEmpty else {
            // Latchkey's own API scopes are never a default: a client gets them only by asking, on the consent page.
            return offered(Scope.allowed(for: client, supported: supportedScopes))
                .filter { $0 != "offline_access" && !resources.reservedScopes.contains($0) }
        }
        if let other = requested.first(where: { $0 != "offline_access" && !resources.offers($0, for: audience) }),
           supportedScopes.contains(other) {
            throw OAuthError(.invalidScope, "scope '\(RedirectURIPolicy.excerpt(other))' is not offered by the requested resource")
        }
        return try Scope.require(requested, within: offered(supportedScopes), reason: "is not a scope this server offers")
    }

    static func parsePrompt(_ value: String?) throws -> Set<AuthorizationRequest.Prompt> {
        var prompt = Set<AuthorizationRequest.Prompt>()
        for token in (value ?? "").split(separator: " ") {
            guard let parsed = AuthorizationRequest.Prompt(rawValue: String(token)) else {
                throw OAuthError.invalidRequest("prompt '\(RedirectURIPolicy.excerpt(String(token)))' is not supported")
            }
            prompt.insert(parsed)
        }
        // OIDC Core §3.1.2.1: none with any other value is an error.
        if prompt.contains(.none), prompt.count > 1 { throw OAuthError.invalidRequest("prompt=none cannot be combined") }
        return prompt
    }

    /// Exact string match, except that a loopback redirect may use any port (RFC 8252 §7.3). A URI with a fragment
    /// (RFC 6749 §3.1.2) or characters no URI may hold never matches: the loopback comparison reads the path after
    /// the authority, and `http://127.0.0.1:5555#/callback` must not pass for `/callback`.
    public static func matches(_ sent: String, registered: String) -> Bool {
        guard isValidRedirectURI(sent) else { return false }
        if sent == registered { return true }
        guard sent.hasPrefix("http://"), registered.hasPrefix("http://"),
              let sentHost = URISyntax.hostAndPort(of: sent), let registeredHost = URISyntax.hostAndPort(of: registered),
              RedirectURIPolicy.isLoopback(sentHost.host), sentHost.host == registeredHost.host
        else { return false }
        return Self.afterAuthority(sent) == Self.afterAuthority(registered)
    }

    /// A redirect URI as sent in a request: no fragment, only URI characters, not empty.
    public static func isValidRedirectURI(_ uri: String) -> Bool {
        !uri.isEmpty && !uri.unicodeScalars.contains("#") && URISyntax.hasOnlyURICharacters(uri)
    }

    /// Path, query and the rest: everything after `scheme://authority`.
    static func afterAuthority(_ uri: String) -> Substring {
        let rest = uri.dropFirst("http://".count)
        return rest[(rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex)...]
    }
}
