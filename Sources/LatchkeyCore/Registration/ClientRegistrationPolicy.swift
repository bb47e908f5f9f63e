/// Validates an RFC 7591 registration (or RFC 7592 update) request into `ClientMetadata`.
///
/// Every rejection names the field. Unknown fields are ignored as RFC 7591 §2 requires
/// ("The authorization server MUST ignore any client metadata sent by the client that it does not understand").
public struct ClientRegistrationPolicy: Sendable, Equatable {
    public var redirectURIs: RedirectURIPolicy
    /// Scopes the server supports; a client's `scope` must be a subset.
    public var supportedScopes: [String]
    public var maxRedirectURIs: Int = 20
    public var maxContacts: Int = 20
    public var maxNameLength: Int = 200
    public var maxURILength: Int = 2000
    public var maxShortStringLength: Int = 255
    /// Whether `client_credentials` may be registered. A client with that grant gets tokens with no user behind them,
    /// so open dynamic registration must not hand it out: only the operator (`latchkey clients add`), registration
    /// protected by an initial access token, or an explicit `registration-allow-client-credentials` (DESIGN §8).
    public var allowsClientCredentials: Bool
    /// Whether `jwks_uri` may be plain `http` on a loopback host: only under `egress-allow-loopback`, for development
    /// and tests, since the keys are fetched through the same egress rules.
    public var allowsLoopbackJWKSURI: Bool
    /// The rules for an inline `jwks`.
    public var jwks = ClientJWKSPolicy(mode: .registered)

    public init(
        redirectURIs: RedirectURIPolicy = RedirectURIPolicy(), supportedScopes: [String], allowsClientCredentials: Bool = false,
        allowsLoopbackJWKSURI: Bool = false
    ) {
        self.redirectURIs = redirectURIs
        self.supportedScopes = supportedScopes
        self.allowsClientCredentials = allowsClientCredentials
        self.allowsLoopbackJWKSURI = allowsLoopbackJWKSURI
    }

    /// A client id the operator chooses (`latchkey clients add --client-id`): 1 to 128 of `A-Z a-z 0-9 . _ ~ -`, and
    /// not 32 hex digits. That is the form of generated client and user ids, and a chosen id equal to a user's would
    /// make that client's tokens look like the user's (`sub == client_id` is how resource servers tell machine tokens
    /// apart). Whether the id is free, as a client's and as a user's, the caller checks against the store.
    public static func isValidChosenClientID(_ id: String) -> Bool {
        let allowed = (1...128).contains(id.utf8.count)
            && id.unicodeScalars.allSatisfy { $0.isASCII && (Character($0).isLetter || Character($0).isNumber || "._~-".unicodeScalars.contains($0)) }
        let generatedForm = id.utf8.count == 32 && id.unicodeScalars.allSatisfy { Character($0).isHexDigit }
        return allowed && !generatedForm
    }

    public func validate(_ body: JSONValue) throws -> ClientMetadata {
        guard case .object(let fields) = body else {
            throw OAuthError.invalidClientMetadata("The request body must be a JSON object")
        }
        let reader = FieldReader(fields: fields)

        // RFC 7591 §2: grant_types defaults to ["authorization_code"].
        let grantTypes: [GrantType]
        if let values = try reader.stringArray("grant_types") {
            grantTypes = Self.unique(try values.map { value in
                guard let grant = GrantType(rawValue: value) else {
                    throw OAuthError.invalidClientMetadata("grant_types: unsupported value '\(RedirectURIPolicy.excerpt(value))'")
                }
                return grant
            })
        } else {
            grantTypes = [.authorizationCode]
        }
        guard !grantTypes.isEmpty else { throw OAuthError.invalidClientMetadata("grant_types must not be empty") }
        if grantTypes.contains(.clientCredentials), !allowsClientCredentials {
            throw OAuthError.invalidClientMetadata(
                "grant_types: client_credentials cannot be registered dynamically on this server; machine clients are added by the operator (latchkey clients add)"
            )
        }
        let usesCode = grantTypes.contains(.authorizationCode)

        // response_types defaults to ["code"], but a client without the code grant has no response type.
        let responseTypes = try reader.stringArray("response_types").map(Self.unique) ?? (usesCode ? ["code"] : [])
        if let unsupported = responseTypes.first(where: { $0 != "code" }) {
            throw OAuthError.invalidClientMetadata("response_types: unsupported value '\(RedirectURIPolicy.excerpt(unsupported))'")
        }
        if usesCode != responseTypes.contains("code") {
            throw OAuthError.invalidClientMetadata(
                "grant_types and response_types are inconsistent: authorization_code requires the code response type and vice versa"
            )
        }
        if grantTypes.contains(.refreshToken), !usesCode {
            throw OAuthError.invalidClientMetadata("grant_types: refresh_token requires authorization_code")
        }

        // RFC 7591 §2: jwks and jwks_uri "MUST NOT both be present".
        let jwks = try fields["jwks"].flatMap { $0 == .null ? nil : try self.jwks.validate($0) }
        let jwksURI = try jwksURI(reader)
        if jwks != nil, jwksURI != nil {
            throw OAuthError.invalidClientMetadata("jwks and jwks_uri must not both be present; send one")
        }
        let hasKeys = jwks != nil || jwksURI != nil

        // Latchkey's default (RFC 7591 says client_secret_basic): MCP clients that omit the field, such as the
        // Python SDK, expect a public client protected by PKCE. A client_credentials client needs a secret, or keys:
        // a client that sends keys and no method means private_key_jwt.
        let authMethod: TokenEndpointAuthMethod
        if let raw = try reader.string("token_endpoint_auth_method", maxLength: maxShortStringLength) {
            guard let method = TokenEndpointAuthMethod(rawValue: raw) else {
                throw OAuthError.invalidClientMetadata("token_endpoint_auth_method: unsupported value '\(RedirectURIPolicy.excerpt(raw))'")
            }
            authMethod = method
        } else if hasKeys {
            authMethod = .privateKeyJWT
        } else {
            authMethod = grantTypes.contains(.clientCredentials) ? .clientSecretBasic : .none
        }
        // Keys are for assertions only; Latchkey signs or encrypts nothing to a client. Refused rather than ignored:
        // a client that registers keys expects them to be used, and silently dropping them would hand it a secret
        // it did not ask for.
        if authMethod == .privateKeyJWT, !hasKeys {
            throw OAuthError.invalidClientMetadata("token_endpoint_auth_method private_key_jwt needs jwks or jwks_uri")
        }
        if authMethod != .privateKeyJWT, hasKeys {
            throw OAuthError.invalidClientMetadata(
                "\(jwks != nil ? "jwks" : "jwks_uri") is only used with token_endpoint_auth_method private_key_jwt"
            )
        }
        if grantTypes.contains(.clientCredentials), !authMethod.isConfidential {
            throw OAuthError.invalidClientMetadata(
                "grant_types: client_credentials is only for confidential clients (token_endpoint_auth_method must not be none)"
            )
        }

        let redirectURIs = try reader.stringArray("redirect_uris") ?? []
        if usesCode, redirectURIs.isEmpty {
            throw OAuthError.invalidRedirectURI("redirect_uris is required for the authorization_code grant")
        }
        guard redirectURIs.count <= maxRedirectURIs else {
            throw OAuthError.invalidRedirectURI("redirect_uris may hold at most \(maxRedirectURIs) entries")
        }
        let kinds = try redirectURIs.map { try self.redirectURIs.classify($0) }

        // OIDC Registration §2: web is the default, but a client whose redirects are loopback or
        // private-use is a native app (RFC 8252), which is how MCP desktop clients register.
        let applicationType: ApplicationType
        if let raw = try reader.string("application_type", maxLength: maxShortStringLength) {
            guard let type = ApplicationType(rawValue: raw) else {
                throw OAuthError.invalidClientMetadata("application_type must be 'web' or 'native'")
            }
            applicationType = type
        } else {
            applicationType = kinds.contains(where: { $0 != .https }) ? .native : .web
        }
        if applicationType == .web, let index = kinds.firstIndex(of: .privateUse) {
            throw OAuthError.invalidRedirectURI(
                "redirect_uris: '\(RedirectURIPolicy.excerpt(redirectURIs[index]))' uses a private-use scheme, which requires application_type native"
            )
        }

        let scope = try reader.string("scope", maxLength: 4096).map { try validateScope($0) }
        let contacts = try reader.stringArray("contacts")
        if let contacts {
            guard contacts.count <= maxContacts else {
                throw OAuthError.invalidClientMetadata("contacts may hold at most \(maxContacts) entries")
            }
            for contact in contacts where contact.isEmpty || contact.unicodeScalars.count > maxShortStringLength || Self.hasControlCharacters(contact) {
                throw OAuthError.invalidClientMetadata("contacts: each entry must be a non-empty string of at most \(maxShortStringLength) characters")
            }
        }

        let clientName = try reader.string("client_name", maxLength: maxNameLength)
        if let clientName, clientName.isEmpty || Self.hasControlCharacters(clientName) {
            throw OAuthError.invalidClientMetadata("client_name must be non-empty and free of control characters")
        }

        return ClientMetadata(
            redirectURIs: redirectURIs,
            tokenEndpointAuthMethod: authMethod,
            grantTypes: grantTypes,
            responseTypes: responseTypes,
            applicationType: applicationType,
            clientName: clientName,
            clientURI: try httpsURI(reader, "client_uri"),
            logoURI: try httpsURI(reader, "logo_uri"),
            tosURI: try httpsURI(reader, "tos_uri"),
            policyURI: try httpsURI(reader, "policy_uri"),
            softwareID: try plainString(reader, "software_id"),
            softwareVersion: try plainString(reader, "software_version"),
            scope: scope,
            contacts: contacts,
            jwks: jwks,
            jwksURI: jwksURI
        )
    }

    /// `jwks_uri`: https (http on a loopback host only under `allowsLoopbackJWKSURI`), no user info, no fragment.
    /// Where it resolves to is egress's decision at fetch time, on the resolved address.
    private func jwksURI(_ reader: FieldReader) throws -> String? {
        guard let value = try reader.string("jwks_uri", maxLength: maxURILength) else { return nil }
        let lowered = value.lowercased()
        guard URISyntax.hasOnlyURICharacters(value), !value.unicodeScalars.contains("#"),
              !RedirectURIPolicy.authority(of: value).unicodeScalars.contains("@"),
              let host = URISyntax.hostAndPort(of: value)?.host
        else { throw OAuthError.invalidClientMetadata("jwks_uri must be an https URI without user info or fragment") }
        if lowered.hasPrefix("https://") { return value }
        guard lowered.hasPrefix("http://"), allowsLoopbackJWKSURI, RedirectURIPolicy.isLoopback(host) else {
            throw OAuthError.invalidClientMetadata("jwks_uri must be an https URI")
        }
        return value
    }

    /// RFC 6749 §3.3 scope tokens, each one the server supports; returns them de-duplicated.
    func validateScope(_ scope: String) throws -> String {
        let tokens = scope.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        guard !tokens.isEmpty else { throw OAuthError.invalidClientMetadata("scope must not be empty") }
        for token in tokens {
            guard Scope.isValidToken(token) else {
                throw OAuthError.invalidClientMetadata("scope: '\(RedirectURIPolicy.excerpt(token))' is not a valid scope token")
            }
            guard supportedScopes.contains(token) else {
                throw OAuthError.invalidClientMetadata("scope: '\(RedirectURIPolicy.excerpt(token))' is not supported by this server")
            }
        }
        return Self.unique(tokens).joined(separator: " ")
    }

    private func httpsURI(_ reader: FieldReader, _ field: String) throws -> String? {
        guard let value = try reader.string(field, maxLength: maxURILength) else { return nil }
        guard value.lowercased().hasPrefix("https://"), URISyntax.hasOnlyURICharacters(value),
              !RedirectURIPolicy.authority(of: value).unicodeScalars.contains("@"),
              URISyntax.hostAndPort(of: value) != nil
        else {
            throw OAuthError.invalidClientMetadata("\(field) must be an https URI")
        }
        return value
    }

    private func plainString(_ reader: FieldReader, _ field: String) throws -> String? {
        guard let value = try reader.string(field, maxLength: maxShortStringLength) else { return nil }
        guard !value.isEmpty, !Self.hasControlCharacters(value) else {
            throw OAuthError.invalidClientMetadata("\(field) must be non-empty and free of control characters")
        }
        return value
    }

    static func hasControlCharacters(_ value: String) -> Bool {
        value.unicodeScalars.contains { scalar in
            switch scalar.properties.generalCategory {
            case .control, .format, .lineSeparator, .paragraphSeparator: true
            default: false
            }
        }
    }

    static func unique<T: Hashable>(_ values: [T]) -> [T] {
        var seen = Set<T>()
        return values.filter { seen.insert($0).inserted }
    }
}

/// Reads typed fields from a JSON object; `null` counts as absent, a wrong type is an error naming the field.
struct FieldReader {
    let fields: [String: JSONValue]

    func string(_ name: String, maxLength: Int) throws -> String? {
        switch fields[name] {
        case nil, .null?: return nil
        case .string(let value)?:
            // Unicode scalars, not Characters: one Character may carry any number of combining marks.
            guard value.unicodeScalars.count <= maxLength else {
                throw OAuthError.invalidClientMetadata("\(name) must be at most \(maxLength) characters")
            }
            return value
        case let other?:
            throw OAuthError.invalidClientMetadata("\(name) must be a string, not \(other.typeName)")
        }
    }

    func stringArray(_ name: String) throws -> [String]? {
        switch fields[name] {
        case nil, .null?: return nil
        case .array(let values)?:
            guard values.count <= 100 else { throw OAuthError.invalidClientMetadata("\(name) has too many entries") }
            return try values.map { value in
                guard case .string(let string) = value else {
                    throw OAuthError.invalidClientMetadata("\(name) must be an array of strings, found \(value.typeName)")
                }
                return string
            }
        case let other?:
            throw OAuthError.invalidClientMetadata("\(name) must be an array of strings, not \(other.typeName)")
        }
    }
}
