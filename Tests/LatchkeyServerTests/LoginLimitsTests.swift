@testable import LatchkeyServer
import Testing

/// The brakes on password guessing: a hard limit per (account, address), per address, and a growing delay per account
/// that never locks the owner out.
struct LoginLimitsTests {
    static func limits(pair: Int = 3, address: Int = 100, delay: Int = 8) -> LoginLimits {
        LoginLimits(failuresPerAccountAndAddress: pair, failuresPerAddress: address, maxAccountDelay: delay)
    }

    @Test("someone failing from one address is refused there, and the owner from another address still gets in")
    func noLockOut() {
        let limits = Self.limits()
        for _ in 0..<3 {
            guard case .proceed = limits.admit(account: "alice", address: "203.0.113.9", now: 0) else { Issue.record("refused too early"); return }
        }
        guard case .refuse(let wait) = limits.admit(account: "alice", address: "203.0.113.9", now: 10) else {
            Issue.record("the attacker's address must be refused for this account"); return
        }
        #expect(wait == 890)
        // The owner, elsewhere: admitted (with whatever delay the account's failures cost), and a success starts over.
        guard case .proceed = limits.admit(account: "alice", address: "198.51.100.7", now: 10) else {
            Issue.record("the owner must not be locked out by someone else's failures"); return
        }
        limits.succeeded(account: "alice", address: "198.51.100.7")
        // Another account from the attacker's address is not affected by this pair's limit.
        guard case .proceed = limits.admit(account: "bob", address: "203.0.113.9", now: 10) else { Issue.record("bob refused"); return }
    }

    @Test("an account's failures from many addresses cost a growing delay, never a refusal")
    func accountDelay() {
        let limits = Self.limits(delay: 8)
        var delays: [Int] = []
        for index in 0..<10 {
            guard case .proceed(let delay) = limits.admit(account: "alice", address: "10.0.0.\(index)", now: 0) else {
                Issue.record("refused"); return
            }
            delays.append(delay)
            if delay > 0 { limits.finished(account: "alice") }
        }
        #expect(delays == [0, 0, 0, 0, 0, 1, 2, 4, 8, 8])
        limits.succeeded(account: "alice", address: "10.0.0.99")
        #expect(limits.admit(account: "alice", address: "10.0.0.50", now: 1) == .proceed(delay: 0))
    }

    @Test("one delayed attempt per account at a time: a parallel one is refused for the delay and costs no count")
    func oneDelayedAtATime() {
        let limits = Self.limits(delay: 8)
        for index in 0..<5 { _ = limits.admit(account: "alice", address: "10.0.0.\(index)", now: 0) }
        #expect(limits.admit(account: "alice", address: "10.0.1.1", now: 0) == .proceed(delay: 1))
        #expect(limits.admit(account: "alice", address: "10.0.1.2", now: 0) == .refuse(retryAfter: 2))
        #expect(limits.admit(account: "alice", address: "10.0.1.3", now: 0) == .refuse(retryAfter: 2))
        // Another account is not held up.
        #expect(limits.admit(account: "bob", address: "10.0.1.2", now: 0) == .proceed(delay: 0))
        limits.finished(account: "alice")
        // The refused ones were not counted: the next delay is the one after the first delayed attempt.
        #expect(limits.admit(account: "alice", address: "10.0.1.2", now: 1) == .proceed(delay: 2))
    }

    @Test("the per-address limit spans accounts, and a refused pair does not use up the address")
    func perAddress() {
        let limits = Self.limits(pair: 1, address: 3)
        #expect(limits.admit(account: "a", address: "x", now: 0) == .proceed(delay: 0))
        #expect(limits.admit(account: "a", address: "x", now: 0) == .refuse(retryAfter: 900))
        #expect(limits.admit(account: "b", address: "x", now: 0) == .proceed(delay: 0))
        #expect(limits.admit(account: "c", address: "x", now: 0) == .proceed(delay: 0))
        #expect(limits.admit(account: "d", address: "x", now: 0) == .refuse(retryAfter: 900))
    }

    @Test("delay schedule", arguments: [(0, 8, 0), (4, 8, 0), (5, 8, 1), (6, 8, 2), (9, 8, 8), (1_000, 8, 8), (9, 0, 0)])
    func delay(failures: Int, max: Int, expected: Int) {
        #expect(LoginLimits.delay(afterFailures: failures, max: max) == expected)
    }
}
