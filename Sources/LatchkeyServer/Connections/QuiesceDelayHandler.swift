import NIOCore

/// Holds the server's "stop" (`ChannelShouldQuiesceEvent`) at one connection for `window` before passing it on.
///
/// On that event HTTP/1 closes an idle keep-alive connection at once. A client may be sending its next request on it
/// at that moment, and gets a reset it cannot tell from a failure (a POST to /token is not safely retried). So the
/// connection first drains: for `window` a request that arrives is answered, with `Connection: close`
/// (`ConnectionDeadlineHandler.drain`), and the connection closes after it. Only a connection still idle after the
/// window is closed — by then a busy client has used it, and an idle one is unlikely to pick that instant.
///
/// The listener is already closed when the event arrives; the whole stop is bounded by `shutdown-timeout`.
final class QuiesceDelayHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    private let connection: ConnectionDeadlineHandler
    /// `shutdown-drain-window`; 0 passes the stop on at once (responses still say `Connection: close`).
    let window: TimeAmount
    private var delayed = false

    init(connection: ConnectionDeadlineHandler, window: TimeAmount) {
        self.connection = connection
        self.window = window
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard event is ChannelShouldQuiesceEvent, !delayed else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        delayed = true
        connection.drain()
        guard window > .zero else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        let pipeline = context.pipeline
        let channel = context.channel
        context.eventLoop.assumeIsolated().scheduleTask(in: window) {
            guard channel.isActive else { return }
            // From the front again: this handler lets the second one through.
            pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        }
    }
}

@available(*, unavailable)
extension QuiesceDelayHandler: Sendable {}
