import Foundation
import LatchkeyBroker
import LatchkeyCore
import LatchkeyDemo
@testable import LatchkeyServer
import LatchkeyStore
import LatchkeyTestSupport
import Logging
import Synchronization
import Testing

/// A refresh whose write-back fails (the database is down just then) must not lose the rotated refresh token: the
/// upstream has already invalidated the old one.
struct UpstreamWriteBackTests {
    /// The SQL store, failing `writeRefreshed` the first `failures` times.
    final class FlakyRefreshes: UpstreamRefreshStore {
        let base: SQLUpstreamCredentialStore
        let failures: Mutex<Int>

        init(base: SQLUpstreamCredentialStore, failures: Int) {
            self.base = base
            self.failures = Mutex(failures)
        }

        struct DatabaseDown: Error {}

        func acquireRefreshLease(_ credential: StoredUpstreamCredential, owner: String, until: Int64, now: Int64) async throws -> Bool {
            try await base.acquireRefreshLease(credential, owner: owner, until: until, now: now)
        }

        func writeRefreshed(_ credential: StoredUpstreamCredential, expectedVersion: Int64) async throws -> Bool {
            let fail = failures.withLock { count in
                defer { count = max(0, count - 1) }
                return count > 0
            }
            if fail { throw DatabaseDown() }
            return try await base.writeRefreshed(credential, expectedVersion: expectedVersion)
        }

        func releaseRefreshLease(_ credential: StoredUpstreamCredential, owner: String, lastError: String?) async throws {
            try await base.releaseRefreshLease(credential, owner: owner, lastError: lastError)
        }
    }

    @Test("the rotated refresh token survives a failed write-back: kept in memory, stored by the next call, no second refresh")
    func keptUntilStored() async throws {
        let clock = TestClock()
        try await withFakeUpstream(VaultJourneyTests.fake()) { fake in
            fake.mode = .init(decision: .approve)
            let app = try TokenExchangeTests.app(fake, clock: clock)
            defer { app.removeFiles() }
            try await app.test { client, runtime in
                try await TokenExchangeTests.connect(client, runtime)
                let provider = try #require(runtime.configuration.providers.first)
                let access = UpstreamAccess(
                    vault: runtime.vault, upstream: try runtime.upstreamAccess().upstream,
                    refreshes: FlakyRefreshes(base: SQLUpstreamCredentialStore(database: runtime.database), failures: 3),
                    state: UpstreamAccessState(), clock: runtime.clock, logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
                )
                let before = try #require(try await runtime.upstreamCredentials.credential(userID: "id-alice", providerID: "demo"))
                clock.advance(3550)
                await #expect(throws: UpstreamAccessError.unavailable(retryAfter: 1)) {
                    _ = try await access.accessToken(userID: "id-alice", provider: provider)
                }
                #expect(TokenExchangeTests.refreshes(fake) == 1)
                #expect(try await runtime.upstreamCredentials.credential(userID: "id-alice", providerID: "demo")?.refreshToken == before.refreshToken)

                let token = try await access.accessToken(userID: "id-alice", provider: provider)
                #expect(fake.validAccessToken(token.token) && TokenExchangeTests.refreshes(fake) == 1)
                let after = try #require(try await runtime.upstreamCredentials.credential(userID: "id-alice", providerID: "demo"))
                #expect(after.refreshToken != before.refreshToken && after.version == before.version + 1)
                // The stored refresh token is the upstream's current one: the next refresh works.
                clock.advance(3550)
                #expect(fake.validAccessToken(try await access.accessToken(userID: "id-alice", provider: provider).token))
                #expect(TokenExchangeTests.refreshes(fake) == 2)
            }
        }
    }
}
