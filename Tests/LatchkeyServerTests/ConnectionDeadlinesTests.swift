@testable import LatchkeyServer
import Testing

/// The connection deadline state machine, without sockets.
struct ConnectionDeadlinesTests {
    static let timeouts = ConnectionDeadlines.Timeouts(header: .seconds(10), body: .seconds(30), idle: .seconds(60), linger: .seconds(2))

    @Test("each phase where the client owes the next move has its deadline; none while the server works")
    func keepAlive() {
        var deadlines = ConnectionDeadlines(Self.timeouts)
        #expect(deadlines.started() == .schedule(.seconds(10)))
        #expect(deadlines.readHead(close: false) == .schedule(.seconds(30)))
        #expect(deadlines.readEnd() == .cancel)
        #expect(deadlines.wroteResponseEnd(close: false) == .schedule(.seconds(60)))
        #expect(deadlines.readHead(close: false) == .schedule(.seconds(30)))
    }

    @Test("an early answer (413 before the body ended) keeps the body deadline, then idles")
    func earlyAnswer() {
        var deadlines = ConnectionDeadlines(Self.timeouts)
        _ = deadlines.readHead(close: false)
        #expect(deadlines.wroteResponseEnd(close: false) == .keep)
        #expect(deadlines.readEnd() == .schedule(.seconds(60)))
    }

    @Test("Connection: close ends the connection once the answer is flushed, or after the linger when the body is unread")
    func close() {
        var read = ConnectionDeadlines(Self.timeouts)
        _ = read.readHead(close: true)
        _ = read.readEnd()
        #expect(read.wroteResponseEnd(close: false) == .closeWhenFlushed)

        var unread = ConnectionDeadlines(Self.timeouts)
        _ = unread.readHead(close: true)
        #expect(unread.wroteResponseEnd(close: false) == .schedule(.seconds(2)))
        // Nothing the client sends afterwards moves the deadline.
        #expect(unread.readEnd() == .keep)
        #expect(unread.readHead(close: false) == .keep)

        var answered = ConnectionDeadlines(Self.timeouts)
        _ = answered.readHead(close: false)
        _ = answered.readEnd()
        #expect(answered.wroteResponseEnd(close: true) == .closeWhenFlushed)
    }

    @Test("a client that stops reading its answers gets the idle deadline and becomes evictable, though the server is mid-answer")
    func slowReader() {
        var deadlines = ConnectionDeadlines(Self.timeouts)
        _ = deadlines.readHead(close: false)
        _ = deadlines.readEnd()
        #expect(!deadlines.waitingOnClient)
        #expect(deadlines.writabilityChanged(writable: false) == .schedule(.seconds(60)))
        #expect(deadlines.waitingOnClient)
        // More pipelined requests do not move the deadline while nothing can be written.
        #expect(deadlines.readHead(close: false) == .keep)
        #expect(deadlines.readEnd() == .keep)
        #expect(deadlines.wroteResponseEnd(close: false) == .keep)
        // Reading again: back to the server working on the second request.
        #expect(deadlines.writabilityChanged(writable: true) == .cancel)
        #expect(!deadlines.waitingOnClient)
        #expect(deadlines.writabilityChanged(writable: true) == .keep)
    }

    @Test("the connection cap stays below the descriptor limit")
    func cap() {
        let settings = LatchkeyConfiguration.ConnectionSettings(idleTimeout: 30, headerTimeout: 10, bodyTimeout: 30, maxConnections: 0)
        #expect(ServerLimits(settings, descriptors: DescriptorLimit(soft: 1024, hard: 4096)).maxConnections == 896)
        #expect(ServerLimits(settings, descriptors: DescriptorLimit(soft: 100, hard: 100)).maxConnections == 32)
        var chosen = settings
        chosen.maxConnections = 10_000
        #expect(ServerLimits(chosen, descriptors: DescriptorLimit(soft: 1024, hard: 1024)).maxConnections == 896)
        #expect(ServerLimits(settings, descriptors: DescriptorLimit(soft: 1_048_576, hard: 1_048_576)).maxConnections == 10_000)
        chosen.maxConnections = 50
        #expect(ServerLimits(chosen, descriptors: DescriptorLimit(soft: 1024, hard: 1024)).maxConnections == 50)
    }

    final class Box: @unchecked Sendable {
        // Only touched from the test's own task, synchronously.
        var closed: [Int] = []
    }

    @Test("past its threshold the pool closes the connection waiting longest on its client, never a busy one")
    func pool() {
        let pool = ConnectionPool(evictAt: 3)
        let box = Box()
        let owners = (0..<6).map { _ in Box() }  // kept alive, so their identifiers stay distinct
        let ids = owners.map(ObjectIdentifier.init)
        func open(_ index: Int) { pool.opened(ids[index]) { box.closed.append(index) } }
        open(0)
        open(1)
        open(2)
        #expect(box.closed.isEmpty)
        pool.update(ids[0], waitingOnClient: false)  // the server is working on 0's request
        open(3)
        #expect(box.closed == [1], "the oldest waiting connection goes, not the busy one")
        pool.update(ids[0], waitingOnClient: true)  // 0 answered: now it waits again, as the newest
        open(4)
        #expect(box.closed == [1, 2])
        open(5)
        #expect(box.closed == [1, 2, 3])
        #expect(pool.count == 3)
        pool.closed(ids[4])
        #expect(pool.count == 2)
        #expect(ConnectionPool.evictionThreshold(maxConnections: 128) == 116)
        #expect(ConnectionPool.evictionThreshold(maxConnections: 10_000) == 9_000)
    }
}
