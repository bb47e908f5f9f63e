import Foundation

/// The one source of the current time, in Unix seconds, injected into every service and controller so that tests
/// can move time and nothing reads the wall clock behind their back.
public struct UnixClock: Sendable {
    public let now: @Sendable () -> Int64

    public init(now: @escaping @Sendable () -> Int64) {
        self.now = now
    }

    public static let system = UnixClock { Int64(Date().timeIntervalSince1970) }
}
