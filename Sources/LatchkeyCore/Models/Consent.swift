/// A remembered approval: this user let this client act at this audience with these scopes, with or without
/// refresh tokens, sending codes to these redirect targets.
///
/// An approval is reused only for a request it covers in every respect the consent page showed (DESIGN §8): the
/// scopes, the audience (the storage key), offline access, and where the code goes. Anything more asks again.
public struct Consent: Sendable, Equatable {
    public var userID: String
    public var clientID: String
    /// The normalized resource URIs, in request order.
    public var audience: [String]
    public var scopes: [String]
    /// Whether the approval included refresh tokens (the client is registered for the refresh grant).
    public var offlineAccess: Bool
    /// The redirect targets (`Consent.redirectTarget(of:)`) codes were approved to go to.
    public var redirectTargets: [String]
    public var createdAt: Int64
    public var updatedAt: Int64

    public init(
        userID: String, clientID: String, audience: [String], scopes: [String], offlineAccess: Bool, redirectTargets: [String],
        createdAt: Int64, updatedAt: Int64
    ) {
        self.userID = userID
        self.clientID = clientID
        self.audience = audience
        self.scopes = scopes
        self.offlineAccess = offlineAccess
        self.redirectTargets = redirectTargets
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// The approval a user gives on the consent page for `request`.
    public init(approving request: AuthorizationRequest, userID: String, now: Int64) {
        self.init(
            userID: userID, clientID: request.clientID, audience: request.audience, scopes: request.scopes,
            offlineAccess: request.offlineAccess, redirectTargets: [Self.redirectTarget(of: request.redirectURI)],
            createdAt: now, updatedAt: now
        )
    }

    /// The key a consent is stored under: the audience as a set, so request order does not matter.
    public static func audienceKey(_ audience: [String]) -> String {
        audience.sorted().joined(separator: " ")
    }

    /// A later request needs no new approval only if it asks for the same or fewer scopes, no refresh tokens unless
    /// they were approved, and sends the code to a target that was approved.
    public func covers(_ request: AuthorizationRequest) -> Bool {
        request.scopes.allSatisfy(scopes.contains)
            && (offlineAccess || !request.offlineAccess)
            && redirectTargets.contains(Self.redirectTarget(of: request.redirectURI))
    }

    /// Whether a client's registration change (RFC 7592) ends its remembered approvals: they covered what the consent
    /// page showed, and a change of where codes go (`redirect_uris`) or of what a code yields (`grant_types`, so
    /// refresh tokens) must be shown to the user again.
    public static func isEnded(by old: ClientMetadata, becoming new: ClientMetadata) -> Bool {
        new.redirectURIs != old.redirectURIs || Set(new.grantTypes) != Set(old.grantTypes)
    }

    /// This approval joined with a later one for the same key: the union of both.
    public func merged(with later: Consent) -> Consent {
        var merged = self
        merged.scopes += later.scopes.filter { !scopes.contains($0) }
        merged.offlineAccess = offlineAccess || later.offlineAccess
        merged.redirectTargets += later.redirectTargets.filter { !redirectTargets.contains($0) }
        merged.updatedAt = later.updatedAt
        return merged
    }

    /// Where a redirect URI sends the code, as the consent page names it: scheme and host for `http(s)` (a loopback
    /// port may change between requests, RFC 8252 §7.3), the scheme and authority for a private-use URI.
    public static func redirectTarget(of uri: String) -> String {
        if let (host, _) = URISyntax.hostAndPort(of: uri), let scheme = uri.split(separator: ":", maxSplits: 1).first {
            return scheme.lowercased() + "://" + host.lowercased()
        }
        let scheme = uri.prefix { $0 != ":" }
        let rest = uri.dropFirst(scheme.count + 1)
        guard rest.hasPrefix("//") else { return scheme.lowercased() + ":" }
        return scheme.lowercased() + "://" + rest.dropFirst(2).prefix { $0 != "/" && $0 != "?" && $0 != "#" }
    }
}
