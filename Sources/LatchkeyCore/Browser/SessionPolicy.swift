/// When a browser session still counts as logged in.
public struct SessionPolicy: Sendable, Equatable {
    /// Seconds without activity after which the user must log in again.
    public var idleLifetime: Int64
    /// Seconds after login after which the user must log in again, however active.
    public var absoluteLifetime: Int64
    /// Activity is written back at most this often, so a busy session does not write on every request.
    public var touchInterval: Int64

    public init(idleLifetime: Int64, absoluteLifetime: Int64, touchInterval: Int64 = 60) {
        self.idleLifetime = idleLifetime
        self.absoluteLifetime = absoluteLifetime
        self.touchInterval = touchInterval
    }

    public func isActive(_ session: BrowserSession, now: Int64) -> Bool {
        now < session.expiresAt && now < session.lastSeenAt + idleLifetime
    }

    public func needsTouch(_ session: BrowserSession, now: Int64) -> Bool {
        now - session.lastSeenAt >= touchInterval
    }
}
