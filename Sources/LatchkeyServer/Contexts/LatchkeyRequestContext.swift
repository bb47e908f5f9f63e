public import Hummingbird
public import NIOCore

/// The request context every Latchkey route sees; it knows the client's address for rate limits and the audit trail.
public struct LatchkeyRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The TCP peer: the client, or a proxy in front of Latchkey.
    public let remoteAddress: SocketAddress?
    /// The client's address: the peer's, or the one a trusted proxy forwarded (`RequestOriginMiddleware`).
    public internal(set) var clientIP: String

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
        // One bucket for peers whose address is unknown (a Unix socket, a test channel).
        self.clientIP = remoteAddress?.ipAddress ?? "unknown"
    }
}
