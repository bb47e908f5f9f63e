/// RFC 7592 §2.2: what an update request may change, and what follows from the change.
///
/// The request replaces the metadata (omitted fields take their defaults), must name the client it updates, must not
/// carry the server-issued fields, and may repeat the current secret but never set one.
public struct ClientUpdatePolicy: Sendable, Equatable {
    public let registration: ClientRegistrationPolicy

    public init(registration: ClientRegistrationPolicy) {
        self.registration = registration
    }

    /// Fields §2.2 forbids in an update request.
    public static let serverOnlyFields = ["registration_access_token", "registration_client_uri", "client_secret_expires_at", "client_id_issued_at"]

    /// What happens to the client's secret when the auth method changes.
    public enum SecretChange: Sendable, Equatable {
        case keep
        /// The client became confidential: issue a secret (returned once).
        case issue
        /// The client no longer uses a secret (public, or `private_key_jwt`): forget it.
        case remove
    }

    public struct Update: Sendable, Equatable {
        public var metadata: ClientMetadata
        public var secret: SecretChange
        /// Whether remembered approvals end (`Consent.isEnded`): the change moves where codes go or what a grant yields.
        public var endsApprovals: Bool
    }

    /// Validates `body` as an update of `client`.
    ///
    /// - Parameter secretMatches: whether a `client_secret` in the body is the client's current one (constant time).
    public func validate(_ body: JSONValue, of client: RegisteredClient, secretMatches: (String) -> Bool) throws -> Update {
        guard case .object(let fields) = body else {
            throw OAuthError.invalidClientMetadata("The request body must be a JSON object")
        }
        guard case .string(let bodyClientID)? = fields["client_id"], bodyClientID == client.clientID else {
            throw OAuthError.invalidRequest("client_id in the body must match the client being updated")
        }
        if let field = Self.serverOnlyFields.first(where: { fields[$0] != nil }) {
            throw OAuthError.invalidClientMetadata("\(field) must not be sent in an update request")
        }
        if let sent = fields["client_secret"] {
            guard case .string(let secret) = sent, client.secretHash != nil, secretMatches(secret) else {
                throw OAuthError.invalidClientMetadata("client_secret does not match the client's current secret")
            }
        }
        let metadata = try registration.validate(body)
        // Only the secret methods hold a secret: a private_key_jwt client has keys, and any old secret goes.
        let secret: SecretChange
        if metadata.tokenEndpointAuthMethod.usesSecret {
            secret = client.secretHash == nil ? .issue : .keep
        } else {
            secret = .remove
        }
        return Update(metadata: metadata, secret: secret, endsApprovals: Consent.isEnded(by: client.metadata, becoming: metadata))
    }
}
