import Foundation

/// How a client presented itself at the token, revocation or introspection endpoint (RFC 6749 §2.3).
public enum ClientCredentials: Sendable, Equatable {
    /// A public client naming itself with `client_id` in the body.
    case none(clientID: String)
    /// `Authorization: Basic` with form-URL-encoded id and secret (RFC 6749 §2.3.1).
    case basic(clientID: String, secret: String)
    /// `client_id` and `client_secret` in the body.
    case post(clientID: String, secret: String)
    /// `client_assertion_type` jwt-bearer and `client_assertion` (RFC 7523 §2.2); the client is the assertion's `sub`.
    case jwtAssertion(clientID: String, assertion: ClientAssertion)

    public var clientID: String {
        switch self {
        case .none(let id), .basic(let id, _), .post(let id, _), .jwtAssertion(let id, _): id
        }
    }

    public var method: TokenEndpointAuthMethod {
        switch self {
        case .none: .none
        case .basic: .clientSecretBasic
        case .post: .clientSecretPost
        case .jwtAssertion: .privateKeyJWT
        }
    }

    /// Reads the credentials from the `Authorization` header and the form. Using more than one method is
    /// `invalid_request` (RFC 6749 §2.3: "MUST NOT use more than one authentication method in each request").
    public init(authorization: String?, form: FormParameters) throws {
        let bodyID = form["client_id"]
        let bodySecret = form["client_secret"]
        let assertionType = form["client_assertion_type"]
        let assertion = form["client_assertion"]
        if assertionType != nil || assertion != nil {
            guard authorization == nil, bodySecret == nil else {
                throw OAuthError.invalidRequest("Use one client authentication method: a client assertion or a secret, not both")
            }
            guard let assertionType, let assertion else {
                throw OAuthError.invalidRequest("client_assertion_type and client_assertion go together")
            }
            guard assertionType == ClientAssertion.type else {
                throw Self.invalidClient("client_assertion_type must be \(ClientAssertion.type)")
            }
            // Size first, then a bounded parse; the signature is checked once the client's keys are known.
            let parsed = try ClientAssertion(assertion)
            guard let subject = parsed.claims.subject, !subject.isEmpty else {
                throw Self.invalidClient("client_assertion has no sub naming the client")
            }
            // RFC 7521 §4.2: a client_id beside the assertion must name the same client.
            if let bodyID, bodyID != subject {
                throw Self.invalidClient("client_id does not match the client_assertion's sub")
            }
            self = .jwtAssertion(clientID: subject, assertion: parsed)
        } else if let authorization {
            let parts = authorization.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "basic" else {
                throw Self.invalidClient("The Authorization header must use the Basic scheme")
            }
            guard let decoded = Data(base64Encoded: String(parts[1]).trimmingCharacters(in: .whitespaces)),
                  let text = String(data: decoded, encoding: .utf8),
                  let colon = text.firstIndex(of: ":")
            else { throw Self.invalidClient("The Basic credentials are malformed") }
            // RFC 6749 §2.3.1: both halves are application/x-www-form-urlencoded.
            // Undecodable halves are failed client authentication (401), like undecodable base64.
            guard let id = try? FormParameters.decode(text[..<colon]),
                  let secret = try? FormParameters.decode(text[text.index(after: colon)...])
            else { throw Self.invalidClient("The Basic credentials are not valid form-encoding") }
            guard !id.isEmpty else { throw Self.invalidClient("The Basic credentials name no client") }
            guard bodySecret == nil else {
                throw OAuthError.invalidRequest("Use one client authentication method: Basic or client_secret in the body, not both")
            }
            if let bodyID, bodyID != id {
                throw OAuthError.invalidRequest("client_id in the body does not match the Basic credentials")
            }
            self = .basic(clientID: id, secret: secret)
        } else if let bodyID {
            self = bodySecret.map { .post(clientID: bodyID, secret: $0) } ?? .none(clientID: bodyID)
        } else {
            throw Self.invalidClient("Client authentication is required (client_id, or Basic credentials)")
        }
    }

    static func invalidClient(_ description: String) -> OAuthError {
        OAuthError(.invalidClient, description, httpStatus: 401)
    }
}
