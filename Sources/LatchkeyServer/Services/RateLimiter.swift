import Synchronization

/// A fixed-window counter per key (a client IP, an account), in memory on each instance. Registration counts every
/// request with it; login counts every attempt and gives successes back.
///
/// Per-instance limits are a deliberate simplification: N instances allow up to N × limit, which is still a hard cap
/// on registration floods and online password guessing, and costs no database write per request.
final class RateLimiter: Sendable {
    struct Window: Sendable {
        var start: Int64
        var count: Int
    }

    /// Keys held at most before the oldest are forgotten.
    static let maxKeys = 100_000

    let limit: Int
    let windowSeconds: Int64
    let windows: Mutex<[String: Window]>

    init(limit: Int, windowSeconds: Int64 = 60) {
        self.limit = limit
        self.windowSeconds = windowSeconds
        self.windows = Mutex([:])
    }

    /// Counts one request or attempt for `key`: `nil` when it may proceed (and is now counted), else the seconds until
    /// the window resets. A login attempt counts the moment it starts — before bcrypt, so a thousand parallel guesses
    /// cannot all pass while the first is being verified; a blocked caller costs nothing.
    func check(_ key: String, now: Int64) -> Int? {
        guard limit > 0 else { return nil }
        return windows.withLock { windows in
            if windows.count > Self.maxKeys {
                // Bounded memory and work under address spraying: forget ended windows, and if that is not enough,
                // the oldest, down to half the bound. Clearing everything would hand every throttled key a fresh
                // count; the oldest windows are the nearest to their end anyway. Runs once per maxKeys / 2 new keys.
                windows = windows.filter { now - $0.value.start < windowSeconds }
                if windows.count > Self.maxKeys / 2 {
                    let oldest = windows.sorted { $0.value.start < $1.value.start }.prefix(windows.count - Self.maxKeys / 2)
                    for (key, _) in oldest { windows.removeValue(forKey: key) }
                }
            }
            var window = current(windows[key], now: now)
            guard window.count < limit else { return Int(max(1, window.start + windowSeconds - now)) }
            window.count += 1
            windows[key] = window
            return nil
        }
    }

    /// Counts one request for `key` whatever the limit, and returns how many came before it in the window: the
    /// read and the count are one step, so parallel requests each see a different number.
    func record(_ key: String, now: Int64) -> Int {
        windows.withLock { windows in
            var window = current(windows[key], now: now)
            let before = window.count
            window.count += 1
            windows[key] = window
            return before
        }
    }

    /// How many requests `key` has made in its current window, without counting one.
    func count(_ key: String, now: Int64) -> Int {
        windows.withLock { current($0[key], now: now).count }
    }

    /// `window` if it is still running at `now`, else a new, empty one.
    private func current(_ window: Window?, now: Int64) -> Window {
        guard let window, now - window.start < windowSeconds else { return Window(start: now, count: 0) }
        return window
    }

    /// A counted attempt succeeded: with `clear` the key's count is forgotten (an account after a right password);
    /// otherwise only this attempt is given back (an address: one right password must not unlock spraying from it).
    func giveBack(_ key: String, clear: Bool) {
        windows.withLock { windows in
            if clear {
                windows.removeValue(forKey: key)
            } else if var window = windows[key], window.count > 0 {
                window.count -= 1
                windows[key] = window
            }
        }
    }
}
