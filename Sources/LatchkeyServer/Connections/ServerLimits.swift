import LatchkeyCore

/// The connection deadlines and cap the server runs with, derived from the settings and the descriptor limit.
public struct ServerLimits: Sendable, Equatable {
    /// Descriptors kept back from connections: the database pool, SQLite's files, logs, the listening socket.
    public static let reservedDescriptors = 128
    /// The fewest connections a derived cap allows, however low the limit.
    public static let minimumConnections = 32
    /// The most a derived cap allows, however high the limit (often a million in containers): each connection may
    /// also hold buffers, so memory bounds it too. Set `max-connections` to go higher.
    public static let derivedCeiling = 10_000
    /// After answering `Connection: close` with the body unread, how long the client has to read the answer.
    public static let linger: Duration = .seconds(2)

    public var timeouts: ConnectionDeadlines.Timeouts
    public var maxConnections: Int
    /// Open connections beyond which a new one pushes out the longest-waiting idle one (`ConnectionPool`).
    public var evictAt: Int { ConnectionPool.evictionThreshold(maxConnections: maxConnections) }

    /// `descriptors` is the limit in force (after `DescriptorLimit.raiseSoftLimit()`); the cap stays below it so an
    /// accept never fails for want of a descriptor. A configured `max-connections` above that is lowered to it.
    public init(_ settings: LatchkeyConfiguration.ConnectionSettings, descriptors: DescriptorLimit?) {
        self.timeouts = ConnectionDeadlines.Timeouts(
            header: .seconds(settings.headerTimeout), body: .seconds(settings.bodyTimeout),
            idle: .seconds(settings.idleTimeout), linger: Self.linger, drain: .milliseconds(settings.drainWindowMilliseconds)
        )
        let available = max(Self.minimumConnections, (descriptors?.soft ?? 1024) - Self.reservedDescriptors)
        self.maxConnections = settings.maxConnections > 0 ? min(settings.maxConnections, available) : min(available, Self.derivedCeiling)
    }
}
