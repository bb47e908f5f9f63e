import Synchronization

/// The brakes on password guessing at `POST /login` (DESIGN §8), each a fixed 15-minute window in memory.
///
/// - Per (account, address), the hard limit (`login-failures-per-account`): one address that keeps failing for an
///   account is refused for the rest of the window.
/// - Per address, across accounts (`login-failures-per-address`): password spraying from one address.
/// - Per account, across addresses, a growing delay instead of a lock-out: after a few free failures each attempt
///   waits 1, 2, 4 … seconds (at most `login-account-delay-max`) before its password is checked. Someone guessing
///   from many addresses is slowed, and the owner, signing in from an address that has not failed, still gets in.
///   A lock-out here let anyone lock any known account for 15 minutes. Only one delayed attempt per account runs at a
///   time (others are told to retry after the delay), so parallel guesses cannot all wait out the delay together,
///   and a guesser cannot hold many connections sleeping: guesses at one account run at most one per delay.
///
/// Attempts count when they start (before bcrypt), so parallel guesses cannot all pass while the first is checked;
/// a success gives its attempt back.
final class LoginLimits: Sendable {
    static let window: Int64 = 900
    /// Failures per account that cost no delay.
    static let freeAccountFailures = 5

    let pairs: RateLimiter
    let addresses: RateLimiter
    let accounts: RateLimiter
    let maxAccountDelay: Int
    /// Accounts with a delayed attempt in progress.
    let delayed = Mutex<Set<String>>([])

    init(failuresPerAccountAndAddress: Int, failuresPerAddress: Int, maxAccountDelay: Int) {
        self.pairs = RateLimiter(limit: failuresPerAccountAndAddress, windowSeconds: Self.window)
        self.addresses = RateLimiter(limit: failuresPerAddress, windowSeconds: Self.window)
        // Never refuses; counts, for the delay.
        self.accounts = RateLimiter(limit: Int.max, windowSeconds: Self.window)
        self.maxAccountDelay = maxAccountDelay
    }

    enum Admission: Equatable {
        /// Check the password after waiting this many seconds; with a delay, call `finished(account:)` afterwards.
        case proceed(delay: Int)
        /// Refuse without checking; retry after this many seconds.
        case refuse(retryAfter: Int)
    }

    /// Counts an attempt for `account` (a normalized username, or one key for every invalid name) from `address`.
    func admit(account: String, address: String, now: Int64) -> Admission {
        let addressKey = "address " + address
        if let wait = addresses.check(addressKey, now: now) { return .refuse(retryAfter: wait) }
        if let wait = pairs.check(Self.pairKey(account, address), now: now) {
            addresses.giveBack(addressKey, clear: false)
            return .refuse(retryAfter: wait)
        }
        let earlier = accounts.record("account " + account, now: now)
        let delay = Self.delay(afterFailures: earlier, max: maxAccountDelay)
        guard delay > 0 else { return .proceed(delay: 0) }
        guard delayed.withLock({ $0.insert(account).inserted }) else {
            // Another delayed attempt at this account is running: this one is not made, and costs nothing.
            accounts.giveBack("account " + account, clear: false)
            pairs.giveBack(Self.pairKey(account, address), clear: false)
            addresses.giveBack(addressKey, clear: false)
            return .refuse(retryAfter: delay)
        }
        return .proceed(delay: delay)
    }

    /// A delayed attempt at `account` is over (whatever its outcome).
    func finished(account: String) {
        _ = delayed.withLock { $0.remove(account) }
    }

    /// The attempt was right: the pair and the account start over; the address only gets this attempt back, so one
    /// right password does not unlock spraying from it.
    func succeeded(account: String, address: String) {
        pairs.giveBack(Self.pairKey(account, address), clear: true)
        accounts.giveBack("account " + account, clear: true)
        addresses.giveBack("address " + address, clear: false)
    }

    /// 0 for the first `freeAccountFailures`, then doubling from 1 s, at most `max`.
    static func delay(afterFailures failures: Int, max limit: Int) -> Int {
        guard failures >= freeAccountFailures, limit > 0 else { return 0 }
        let exponent = min(failures - freeAccountFailures, 20)
        return min(limit, 1 << exponent)
    }

    static func pairKey(_ account: String, _ address: String) -> String {
        "pair " + address + " " + account
    }
}
