import HTTPTypes
import NIOCore
import NIOEmbedded
import NIOHTTPTypes
import Testing
@testable import LatchkeyServer

/// The drain rule on one connection, with time moved by hand: the server's stop is held for the window, every
/// response meanwhile says `Connection: close` (and the connection closes after it), and the stop then goes on.
struct QuiesceDelayTests {
    /// Counts the stop events that get past the handlers in front of it.
    final class StopCounter: ChannelInboundHandler, RemovableChannelHandler {
        typealias InboundIn = HTTPRequestPart
        var stops = 0
        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if event is ChannelShouldQuiesceEvent { stops += 1 }
            context.fireUserInboundEventTriggered(event)
        }
    }

    @Test("a stop is held for the window; responses meanwhile say Connection: close and close the connection")
    func drainWindow() throws {
        let loop = EmbeddedEventLoop()
        let channel = EmbeddedChannel(loop: loop)
        let counter = StopCounter()
        let timeouts = ConnectionDeadlines.Timeouts(header: .seconds(60), body: .seconds(60), idle: .seconds(60), linger: .seconds(2))
        try channel.pipeline.syncOperations.addHandler(ConnectionDeadlineHandler(timeouts: timeouts, pool: nil))
        try channel.pipeline.syncOperations.addHandler(counter)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()

        // Before a stop, responses are left alone.
        try channel.writeInbound(HTTPRequestPart.head(HTTPRequest(method: .get, scheme: nil, authority: "x", path: "/healthz")))
        try channel.writeInbound(HTTPRequestPart.end(nil))
        try channel.writeOutbound(HTTPResponsePart.head(HTTPResponse(status: .ok)))
        guard case .head(let normal)? = try channel.readOutbound(as: HTTPResponsePart.self) else {
            Issue.record("no response head")
            return
        }
        #expect(normal.headerFields[.connection] == nil)
        try channel.writeOutbound(HTTPResponsePart.end(nil))
        _ = try channel.readOutbound(as: HTTPResponsePart.self)

        channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        #expect(counter.stops == 0, "the stop is held")
        try channel.writeInbound(HTTPRequestPart.head(HTTPRequest(method: .get, scheme: nil, authority: "x", path: "/healthz")))
        try channel.writeInbound(HTTPRequestPart.end(nil))
        try channel.writeOutbound(HTTPResponsePart.head(HTTPResponse(status: .ok)))
        guard case .head(let draining)? = try channel.readOutbound(as: HTTPResponsePart.self) else {
            Issue.record("no response head while draining")
            return
        }
        #expect(draining.headerFields[.connection] == "close")
        loop.advanceTime(by: .milliseconds(999))
        #expect(counter.stops == 0, "still held just before the window ends")
        loop.advanceTime(by: .milliseconds(1))
        #expect(counter.stops == 1, "the stop goes on after the window")
        _ = try? channel.finish()
    }
}
