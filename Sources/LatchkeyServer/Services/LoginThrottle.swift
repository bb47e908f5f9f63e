import Synchronization

/// Counts failed logins per key (an account, an IP address) in a sliding-enough fixed window, in memory on each
/// instance: N instances allow up to N × limit guesses per window, still a hard cap on online guessing.
///
/// Every attempt counts the moment it starts — before bcrypt, so a thousand parallel guesses cannot all pass the
/// check while the first is still being verified — and a success takes its count back. A blocked guesser learns
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

    /// Starts an attempt for `key`: `nil` when it may go ahead (and is now counted), else the seconds to wait.
    func begin(_ key: String, now: Int64) -> Int? {
        guard limit > 0 else { return nil }
        return windows.withLock { windows in
            if windows.count > 100_000 {
                // Bounded memory and work under address spraying: forget ended windows, and if that is not
                // enough, everything (the limit is a brake, not a ledger).
                windows = windows.filter { now - $0.value.start < windowSeconds }
                if windows.count > 50_000 { windows.removeAll() }
            }
            var window = windows[key] ?? Window(start: now, failures: 0)
            if now - window.start >= windowSeconds { window = Window(start: now, failures: 0) }
            guard window.failures < limit else { return Int(max(1, window.start + windowSeconds - now)) }
            window.failures += 1
            windows[key] = window
            return nil
        }
    }

    /// The attempt succeeded: the account's count is cleared; an address only gets this attempt back (one right
    /// password must not unlock spraying from it).
    func succeeded(_ key: String, clear: Bool) {
        windows.withLock { windows in
            if clear {
                windows.removeValue(forKey: key)
            } else if var window = windows[key], window.failures > 0 {
                window.failures -= 1
                windows[key] = window
            }
        }
    }
}
