import Foundation
import HTTPTypes
import HummingbirdTesting
import LatchkeyCore
import LatchkeyStore
@testable import LatchkeyServer
import LatchkeyTestSupport
import Logging
import Synchronization
import Testing

/// A registry that stays clean (issue 13 §3): last use.
struct ClientRegistryTests {
    static let day: Int64 = 86400

    /// Counts the writes `ClientUseRecorder` makes; fails them on demand.
    final class CountingRegistry: ClientRegistryStore {
        let writes = Mutex<[String]>([])
        let failing = Mutex(false)
        func recordUse(clientID: String, now: Int64, granularity: Int64) async throws -> Bool {
            if failing.withLock({ $0 }) { throw CancellationError() }
            writes.withLock { $0.append(clientID) }
            return true
        }
        func count(kind: ClientKind) async throws -> Int { 0 }
        func prunable(_ cutoffs: ClientRetention.Cutoffs, protected: Set<String>, after cursor: String?, limit: Int) async throws -> [RegisteredClient] { [] }
        func deletePrunable(_ clientIDs: [String], _ cutoffs: ClientRetention.Cutoffs) async throws -> [String] { [] }
        func activeFamilies(clientIDs: [String], now: Int64) async throws -> [String: Int] { [:] }
    }

    /// Writes what the recorder queued, as its service would; returns how many. An empty id marks the end of the
    /// queue. One iterator for the whole test: the stream ends when its iterator goes.
    static func drain(_ recorder: ClientUseRecorder, _ queue: inout AsyncStream<String>.Iterator) async -> Int {
        recorder.pending.yield("")
        var written = 0
        while let clientID = await queue.next(), !clientID.isEmpty {
            await recorder.write(clientID)
            written += 1
        }
        return written
    }

    @Test("a client is queued once per hour per instance however many tokens it gets; a failed write is retried at its next token")
    func debounce() async throws {
        let clock = TestClock()
        let registry = CountingRegistry()
        let recorder = ClientUseRecorder(store: registry, clock: clock.unix, logger: Logger(label: "test"))
        var queue = recorder.uses.makeAsyncIterator()
        for _ in 0..<3 {
            recorder.noteUse("hot")
            recorder.noteUse("other")
        }
        #expect(await Self.drain(recorder, &queue) == 2)
        clock.advance(3599)
        recorder.noteUse("hot")
        #expect(await Self.drain(recorder, &queue) == 0)
        clock.advance(1)
        registry.failing.withLock { $0 = true }
        recorder.noteUse("hot")
        #expect(await Self.drain(recorder, &queue) == 1)
        registry.failing.withLock { $0 = false }
        recorder.noteUse("hot")
        #expect(await Self.drain(recorder, &queue) == 1)
        #expect(registry.writes.withLock { $0 } == ["hot", "other", "hot"])
    }
}
