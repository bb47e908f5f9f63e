public import HummingbirdCore
public import NIOCore

/// Everything one server needs to hold connections to their deadlines: a pool for its connections, the handler for
/// each new one, and the cap, for `HTTP1Channel.Configuration` and `ApplicationConfiguration`.
///
/// Public so that the executable can give the demo MCP server (which may not import `LatchkeyServer`) the same
/// protection as Latchkey: it passes `channelHandlers` and `maxConnections` into `buildDemoApplication`.
public struct ConnectionGuard: Sendable {
    public let limits: ServerLimits
    let pool: ConnectionPool

    public init(_ limits: ServerLimits) {
        self.limits = limits
        self.pool = ConnectionPool(evictAt: limits.evictAt)
    }

    public var maxConnections: Int { limits.maxConnections }

    /// The handlers for one new connection (call once per connection).
    public func channelHandlers() -> [any RemovableChannelHandler] {
        [ConnectionDeadlineHandler(timeouts: limits.timeouts, pool: pool)]
    }

    /// Hummingbird's cap at `maxConnections`.
    public var availableConnections: MaximumAvailableConnections {
        MaximumAvailableConnections(limits.maxConnections)
    }
}
