import Synchronization

/// A fixed-window counter per key (client IP), in memory on each instance.
///
/// Per-instance limits are a deliberate simplification: N instances allow up to N × limit, which is
/// still a hard cap on registration floods and costs no database write per request.
final class RateLimiter: Sendable {
    struct Window: Sendable {
        var start: Int64
        var count: Int
    }

    let limit: Int
    let windowSeconds: Int64
    let windows: Mutex<[String: Window]>

    init(limit: Int, windowSeconds: Int64 = 60) {
        self.limit = limit
        self.windowSeconds = windowSeconds
        self.windows = Mutex([:])
    }

    /// `nil` when the request may proceed, else the seconds until the window resets.
    func check(_ key: String, now: Int64) -> Int? {
        guard limit > 0 else { return nil }
        return windows.withLock { windows in
            if windows.count > 100_000 {
                // Bounded memory under address-spraying: forget windows that have ended.
                windows = windows.filter { now - $0.value.start < windowSeconds }
            }
            var window = windows[key] ?? Window(start: now, count: 0)
            if now - window.start >= windowSeconds { window = Window(start: now, count: 0) }
            guard window.count < limit else {
                return Int(max(1, window.start + windowSeconds - now))
            }
            window.count += 1
            windows[key] = window
            return nil
        }
    }
}
