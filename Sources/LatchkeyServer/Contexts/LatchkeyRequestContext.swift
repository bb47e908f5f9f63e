public import Hummingbird
public import NIOCore

/// The request context every Latchkey route sees; it knows the peer address for rate limits.
public struct LatchkeyRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
    }

    /// The client IP as a rate-limit key; one bucket for peers whose address is unknown.
    public var clientIP: String {
        remoteAddress?.ipAddress ?? "unknown"
    }
}
