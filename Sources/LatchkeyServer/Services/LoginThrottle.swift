import Synchronization

/// Counts failed logins per key (an account, an IP address) in a sliding-enough fixed window, in memory on each
/// instance: N instances allow up to N × limit guesses per window, still a hard cap on online guessing.
///
/// Only failures count, and the check happens before the password is verified, so a blocked guesser learns
/// nothing and costs no bcrypt.
final class LoginThrottle: Sendable {
    struct Window: Sendable {
        var start: Int64
        var failures: Int
    }

    let limit: Int
    let windowSeconds: Int64
    let windows: Mutex<[String: Window]>

    init(limit: Int, windowSeconds: Int64) {
        self.limit = limit
        self.windowSeconds = windowSeconds
        self.windows = Mutex([:])
    }

    /// Seconds until `key` may try again, or `nil` when it may try now.
    func blocked(_ key: String, now: Int64) -> Int? {
        guard limit > 0 else { return nil }
        return windows.withLock { windows in
            guard let window = windows[key], now - window.start < windowSeconds, window.failures >= limit else { return nil }
            return Int(max(1, window.start + windowSeconds - now))
        }
    }

    func recordFailure(_ key: String, now: Int64) {
        guard limit > 0 else { return }
        windows.withLock { windows in
            if windows.count > 100_000 {
                windows = windows.filter { now - $0.value.start < windowSeconds }
            }
            var window = windows[key] ?? Window(start: now, failures: 0)
            if now - window.start >= windowSeconds { window = Window(start: now, failures: 0) }
            window.failures += 1
            windows[key] = window
        }
    }

    /// A successful login clears the account's count (not the IP's: one right password must not unlock spraying).
    func reset(_ key: String) {
        _ = windows.withLock { $0.removeValue(forKey: key) }
    }
}
