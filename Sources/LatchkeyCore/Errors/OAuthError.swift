/// An error an OAuth endpoint reports to its client, shaped as RFC 6749 §5.2.
///
/// `description` is safe to show the client; `debug` and `underlying` are for logs only and never leave the server.
public struct OAuthError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The RFC error code, open for extension (RFC 7591, 7592, 8707, 8628, 9449 add their own).
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        // RFC 6749 §4.1.2.1 and §5.2
        public static let invalidRequest = Code("invalid_request")
        public static let invalidClient = Code("invalid_client")
        public static let invalidGrant = Code("invalid_grant")
        public static let unauthorizedClient = Code("unauthorized_client")
        public static let unsupportedGrantType = Code("unsupported_grant_type")
        public static let unsupportedResponseType = Code("unsupported_response_type")
        public static let invalidScope = Code("invalid_scope")
        public static let accessDenied = Code("access_denied")
        public static let serverError = Code("server_error")
        public static let temporarilyUnavailable = Code("temporarily_unavailable")
        // OIDC Core §3.1.2.6, for prompt=none
        public static let loginRequired = Code("login_required")
        public static let consentRequired = Code("consent_required")
        // RFC 6750 §3.1
        public static let invalidToken = Code("invalid_token")
        public static let insufficientScope = Code("insufficient_scope")
        // RFC 7591 §3.2.2
        public static let invalidRedirectURI = Code("invalid_redirect_uri")
        public static let invalidClientMetadata = Code("invalid_client_metadata")
        // RFC 8707 §2
        public static let invalidTarget = Code("invalid_target")
        // RFC 7009 §2.2.1
        public static let unsupportedTokenType = Code("unsupported_token_type")
        // Not RFC codes, but the same JSON shape keeps clients' error handling uniform.
        public static let rateLimited = Code("rate_limited")
        public static let notFound = Code("not_found")
        /// Token exchange: the user has not connected the provider, or must connect again; `error_uri` is the page.
        public static let connectionRequired = Code("connection_required")
    }

    public var code: Code
    /// Shown to the client as `error_description`.
    public var description: String
    /// HTTP status the error is reported with.
    public var httpStatus: Int
    /// Log-only detail; never rendered.
    public var debug: String?
    /// Seconds a client should wait before retrying (rate limits); rendered as `Retry-After`.
    public var retryAfter: Int?
    /// The error that caused this one (a store failure behind a `server_error`); logged, never rendered.
    public var underlying: (any Error)?
    /// RFC 6749 §5.2 `error_uri`: a page for the user (the vault's connect page, for `connection_required`).
    public var errorURI: String?
    /// Further members of the error object, for a machine to act on (`provider`, `connection_status`).
    public var details: [String: String] = [:]

    public init(
        _ code: Code, _ description: String, httpStatus: Int = 400, debug: String? = nil, retryAfter: Int? = nil,
        underlying: (any Error)? = nil
    ) {
        self.code = code
        self.description = description
        self.httpStatus = httpStatus
        self.debug = debug
        self.retryAfter = retryAfter
        self.underlying = underlying
    }

    /// Equal when a client would see the same answer and a log the same detail; `underlying` is not compared.
    public static func == (lhs: OAuthError, rhs: OAuthError) -> Bool {
        lhs.code == rhs.code && lhs.description == rhs.description && lhs.httpStatus == rhs.httpStatus
            && lhs.debug == rhs.debug && lhs.retryAfter == rhs.retryAfter && lhs.errorURI == rhs.errorURI && lhs.details == rhs.details
    }

    /// The same error with log-only detail added.
    public func with(debug: String? = nil, underlying: (any Error)? = nil) -> OAuthError {
        var error = self
        if let debug { error.debug = debug }
        if let underlying { error.underlying = underlying }
        return error
    }

    public static func invalidRequest(_ description: String) -> OAuthError {
        OAuthError(.invalidRequest, description)
    }

    public static func invalidClientMetadata(_ description: String) -> OAuthError {
        OAuthError(.invalidClientMetadata, description)
    }

    public static func invalidRedirectURI(_ description: String) -> OAuthError {
        OAuthError(.invalidRedirectURI, description)
    }

    /// RFC 6750 §3.1: a missing, unknown or wrong bearer credential.
    public static func invalidToken(_ description: String) -> OAuthError {
        OAuthError(.invalidToken, description, httpStatus: 401)
    }

    public static func serverError(debug: String, underlying: (any Error)? = nil) -> OAuthError {
        OAuthError(.serverError, "The server could not complete the request.", httpStatus: 500, debug: debug, underlying: underlying)
    }
}
