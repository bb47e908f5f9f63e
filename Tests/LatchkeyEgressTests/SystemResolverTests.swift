import Dispatch
@testable import LatchkeyEgress
import NIOPosix
import Synchronization
import Testing

/// Name resolution cannot starve the rest of the process: `getaddrinfo` cannot be cancelled, and anyone can make
/// Latchkey resolve a name (a client id URL, a `jwks_uri`).
struct SystemResolverTests {
    final class Counter: Sendable {
        let value = Mutex(0)
    }

    @Test("with every resolver thread stuck on a name server, NIO's shared pool (password hashing) still runs work",
          .timeLimit(.minutes(1)))
    func ownPool() async throws {
        let release = DispatchSemaphore(value: 0)
        let started = Counter()
        let stuck = (0..<4).map { _ in
            Task {
                try await SystemResolver.pool.runIfActive {
                    started.value.withLock { $0 += 1 }
                    release.wait()
                }
            }
        }
        for _ in 0..<2000 where started.value.withLock({ $0 }) < 4 { try await Task.sleep(for: .milliseconds(5)) }
        #expect(started.value.withLock { $0 } == 4, "the resolver has fewer than four threads of its own")
        // Were the resolver's threads the shared ones, this would wait behind the stuck lookups.
        #expect(try await NIOThreadPool.singleton.runIfActive { 42 } == 42)
        for _ in 0..<4 { release.signal() }
        for task in stuck { try await task.value }
        // And it still resolves.
        #expect(try await SystemResolver().addresses(of: "localhost").isEmpty == false)
    }
}
