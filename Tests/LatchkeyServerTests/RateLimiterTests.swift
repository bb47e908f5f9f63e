@testable import LatchkeyServer
import Testing
import Synchronization

/// The fixed-window counter behind registration and login limits.
struct RateLimiterTests {
    @Test("counts up to the limit per key, says how long to wait, and starts over when the window ends")
    func window() {
        let limiter = RateLimiter(limit: 2, windowSeconds: 60)
        #expect(limiter.check("a", now: 100) == nil)
        #expect(limiter.check("a", now: 110) == nil)
        #expect(limiter.check("a", now: 120) == 40)
        #expect(limiter.check("b", now: 120) == nil)
        #expect(limiter.check("a", now: 160) == nil)
        #expect(RateLimiter(limit: 0).check("a", now: 0) == nil)
    }

    @Test("giving back: one attempt, or the whole count")
    func giveBack() {
        let limiter = RateLimiter(limit: 2, windowSeconds: 60)
        _ = limiter.check("address", now: 0)
        _ = limiter.check("address", now: 0)
        limiter.giveBack("address", clear: false)
        #expect(limiter.check("address", now: 1) == nil)
        #expect(limiter.check("address", now: 1) != nil)
        _ = limiter.check("account", now: 0)
        _ = limiter.check("account", now: 0)
        limiter.giveBack("account", clear: true)
        #expect(limiter.check("account", now: 1) == nil)
        #expect(limiter.check("account", now: 1) == nil)
    }

    @Test("memory stays bounded under a spray of keys, forgetting the oldest windows first")
    func bounded() {
        let limiter = RateLimiter(limit: 1, windowSeconds: 10_000)
        for index in 0...100_000 { _ = limiter.check("k\(index)", now: Int64(index / 100)) }
        #expect(limiter.windows.withLock { $0.count } == 100_001)
        // Past 100,000 live windows: the oldest go, down to 50,000, and the newest keep their counts.
        _ = limiter.check("one more", now: 1_000)
        #expect(limiter.windows.withLock { $0.count } == 50_001)
        #expect(limiter.check("k100000", now: 1_000) != nil)
        #expect(limiter.check("k0", now: 1_000) == nil)
    }

    @Test("count reads a key's window without counting")
    func count() {
        let limiter = RateLimiter(limit: 5, windowSeconds: 60)
        _ = limiter.check("a", now: 0)
        _ = limiter.check("a", now: 1)
        #expect(limiter.count("a", now: 2) == 2)
        #expect(limiter.count("a", now: 2) == 2)
        #expect(limiter.count("a", now: 60) == 0)
        #expect(limiter.count("b", now: 2) == 0)
    }
}
