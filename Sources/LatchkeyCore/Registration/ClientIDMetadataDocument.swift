import Foundation

/// A client that identifies itself by a URL instead of registering (OAuth Client ID Metadata Documents, the MCP
/// authorization spec's preferred client identification): the `client_id` is an `https` URL and the JSON document
/// behind it is the client's metadata. This type holds the rules, I/O-free; the server fetches.
public enum ClientIDMetadataDocument {
    /// The longest URL accepted as a client id: one stored as the key of grants and consents, and sent by clients.
    public static let maxURLLength = 512
    /// The document is small (Claude's is under 1 KB); anything bigger is refused while it downloads.
    public static let maxDocumentBytes = 5 * 1024

    /// Whether `clientID` is meant as a metadata document URL (rather than a registered id, which never has a
    /// scheme): such ids are resolved by fetching, never looked up in the registry.
    public static func isURL(_ clientID: String) -> Bool {
        clientID.hasPrefix("https://") || clientID.hasPrefix("http://")
    }

    /// Checks `url` as a client id: `https` (or `http` to a loopback host when `allowLoopbackHTTP`, for development),
    /// a host, a path other than `/`, no fragment, no user information, no `.` or `..` segments, at most
    /// `maxURLLength`. Returns its lowercased host.
    public static func validateURL(_ url: String, allowLoopbackHTTP: Bool) throws(ClientIDMetadataDocumentError) -> String {
        guard url.utf8.count <= maxURLLength else { throw .invalidURL("is longer than \(maxURLLength) characters") }
        guard URISyntax.hasOnlyURICharacters(url), !url.contains("#") else {
            throw .invalidURL("must be a URL without a fragment or characters a URL cannot hold")
        }
        guard let authority = URISyntax.hostAndPort(of: url) else { throw .invalidURL("has no valid host (and no user information is allowed)") }
        if url.hasPrefix("http://") {
            guard allowLoopbackHTTP, RedirectURIPolicy.isLoopback(authority.host) else { throw .invalidURL("must use https") }
        } else if !url.hasPrefix("https://") {
            throw .invalidURL("must use https")
        }
        let afterScheme = url[url.range(of: "://")!.upperBound...]
        guard let slash = afterScheme.firstIndex(of: "/") else { throw .invalidURL("must have a path") }
        let pathAndQuery = afterScheme[slash...]
        let path = pathAndQuery.prefix { $0 != "?" }
        guard path != "/" else { throw .invalidURL("must have a path other than /") }
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        // Percent-encoded dots are dot segments too (RFC 3986 §2.3, §6.2.2.2).
        if segments.contains(where: { [".", "..", "%2e", "%2e%2e", ".%2e", "%2e."].contains($0.lowercased()) }) {
            throw .invalidURL("must not contain . or .. path segments")
        }
        return authority.host
    }

    /// Validates a fetched document for `url`: a JSON object whose `client_id` is exactly `url`, with `client_name`
    /// and `redirect_uris`, that `policy` accepts as a registration would be, authenticating with `none` (or
    /// `private_key_jwt` when `allowsKeyBasedAuthentication`) — never a shared secret: the document is public.
    public static func metadata(
        from document: JSONValue, url: String, policy: ClientRegistrationPolicy, allowsKeyBasedAuthentication: Bool = false
    ) throws(ClientIDMetadataDocumentError) -> ClientMetadata {
        guard case .object(let fields) = document else { throw .invalidDocument("is not a JSON object") }
        guard case .string(let declared)? = fields["client_id"] else { throw .invalidDocument("has no client_id") }
        // Exact: not case-folded, not normalised. A document served for one URL cannot speak for another.
        guard declared == url else { throw .invalidDocument("names another client_id than its own URL") }
        guard case .string? = fields["client_name"] else { throw .invalidDocument("has no client_name") }
        guard case .array? = fields["redirect_uris"] else { throw .invalidDocument("has no redirect_uris") }
        for secret in ["client_secret", "client_secret_expires_at"] where fields[secret] != nil {
            throw .invalidDocument("holds \(secret); a public document cannot carry a shared secret")
        }
        if case .string(let method)? = fields["token_endpoint_auth_method"] {
            let keyBased = method == "private_key_jwt" && allowsKeyBasedAuthentication
            guard method == TokenEndpointAuthMethod.none.rawValue || keyBased else {
                throw .invalidDocument("uses token_endpoint_auth_method \(RedirectURIPolicy.excerpt(method)); only none\(allowsKeyBasedAuthentication ? " or private_key_jwt" : "") is accepted")
            }
        }
        // Registration's own rules (redirect URIs, grant and response types, scope, keys, lengths).
        var registrationFields = fields
        registrationFields["client_id"] = nil
        let metadata: ClientMetadata
        do {
            metadata = try policy.validate(.object(registrationFields))
        } catch let error as OAuthError {
            throw .invalidDocument("is not valid client metadata: \(error.description)")
        } catch {
            throw .invalidDocument("is not valid client metadata")
        }
        // A machine client from a public document must prove itself with its keys: never client_credentials with none.
        if metadata.grantTypes.contains(.clientCredentials), metadata.tokenEndpointAuthMethod != .privateKeyJWT {
            throw .invalidDocument("asks for client_credentials without token_endpoint_auth_method private_key_jwt")
        }
        // Keys without a method named make the policy choose private_key_jwt: only where allowed.
        guard metadata.tokenEndpointAuthMethod == .none || (allowsKeyBasedAuthentication && metadata.tokenEndpointAuthMethod == .privateKeyJWT) else {
            throw .invalidDocument("uses token_endpoint_auth_method \(metadata.tokenEndpointAuthMethod.rawValue); only none is accepted")
        }
        return metadata
    }

    /// The registry's view of a validated document: a public client (or a key-authenticated one) with no secret
    /// and no registration access token, keyed by its URL.
    public static func client(url: String, metadata: ClientMetadata, fetchedAt: Int64, lastUsedAt: Int64? = nil) -> RegisteredClient {
        RegisteredClient(
            clientID: url, metadata: metadata, secretHash: nil, secretExpiresAt: 0, registrationTokenHash: "",
            issuedAt: fetchedAt, updatedAt: fetchedAt, kind: .metadataDocument, lastUsedAt: lastUsedAt
        )
    }

    /// The user-facing identity of a document client: the host its URL names (`claude.ai`), which is what the
    /// document's author controls; the `client_name` inside is only their claim.
    public static func host(of url: String) -> String? {
        URISyntax.hostAndPort(of: url)?.host
    }
}

/// Why a metadata document client id cannot be used. The description is safe to show on a page and log: it names
/// the rule and quotes at most short, printable excerpts.
public enum ClientIDMetadataDocumentError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The URL itself breaks a rule.
    case invalidURL(String)
    /// The operator turned CIMD off (`cimd=false`) or does not allow the host (`cimd-allowed-hosts`).
    case notAllowed(String)
    /// The document could not be fetched (and no usable cached copy exists).
    case fetchFailed(String)
    /// The document was fetched but is not acceptable.
    case invalidDocument(String)

    public var description: String {
        switch self {
        case .invalidURL(let reason): "The client_id URL \(Self.printable(reason))."
        case .notAllowed(let reason): Self.printable(reason)
        case .fetchFailed(let reason): "The client's metadata document could not be fetched: \(Self.printable(reason))."
        case .invalidDocument(let reason): "The client's metadata document \(Self.printable(reason))."
        }
    }

    /// Reasons quote the document and the host's headers: no control or format characters (a forged log line), and
    /// no more than a line's worth.
    public static func printable(_ text: String) -> String {
        SecurityEvent.printable(text, limit: 300)
    }
}
