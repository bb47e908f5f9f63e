/// What the consent and account pages may say about who a client is. A registered client's name is its own claim
/// (anyone can register any name); a metadata-document client is identified by the host serving its document
/// (`claude.ai`), which only that host's owner controls, and the operator may vouch for hosts (`cimd-trusted-hosts`).
public struct ClientIdentity: Sendable, Equatable {
    /// The name to show: the client's `client_name`, else its id.
    public var name: String
    /// The host (and an explicit port) of a metadata document client's URL; `nil` for registered clients.
    public var documentHost: String?
    /// The operator trusts `documentHost`: the name may be shown as verified.
    public var verified: Bool
    /// Every redirect URI is a loopback address: the code goes to a program on the user's own machine, which any
    /// program there could be — worth a warning when the client claims to be a well-known service.
    public var loopbackOnly: Bool

    public init(_ client: RegisteredClient, trustedHosts: [String]) {
        self.name = client.metadata.clientName ?? client.clientID
        let authority = ClientIDMetadataDocument.isURL(client.clientID) ? URISyntax.hostAndPort(of: client.clientID) : nil
        // A port is part of who serves the document: `claude.ai:8443` is not `claude.ai`, and is never verified.
        self.documentHost = authority.map { authority in authority.port.map { "\(authority.host):\($0)" } ?? authority.host }
        self.verified = authority.map { $0.port == nil && trustedHosts.contains($0.host) } ?? false
        self.loopbackOnly = !client.metadata.redirectURIs.isEmpty && client.metadata.redirectURIs.allSatisfy { uri in
            URISyntax.hostAndPort(of: uri).map { uri.hasPrefix("http://") && RedirectURIPolicy.isLoopback($0.host) } ?? false
        }
    }
}
