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

    @Test("the connection cap stays below the descriptor limit")
    func cap() {
        let settings = LatchkeyConfiguration.ConnectionSettings(idleTimeout: 30, headerTimeout: 10, bodyTimeout: 30, maxConnections: 0)
        #expect(ServerLimits(settings, descriptors: DescriptorLimit(soft: 1024, hard: 4096)).maxConnections == 896)
        #expect(ServerLimits(settings, descriptors: DescriptorLimit(soft: 100, hard: 100)).maxConnections == 32)
        var chosen = settings
        chosen.maxConnections = 10_000
        #expect(ServerLimits(chosen, descriptors: DescriptorLimit(soft: 1024, hard: 1024)).maxConnections == 896)
        chosen.maxConnections = 50
        #expect(ServerLimits(chosen, descriptors: DescriptorLimit(soft: 1024, hard: 1024)).maxConnections == 50)
    }
}
