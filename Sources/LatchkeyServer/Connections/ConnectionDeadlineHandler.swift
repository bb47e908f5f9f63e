import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Closes a connection whose client does not make progress in time, following `ConnectionDeadlines`.
///
/// One instance per connection, added after HTTP decoding, so it sees request and response parts. Every method runs
/// on the channel's event loop; the scheduled task only closes the channel (which is `Sendable`).
final class ConnectionDeadlineHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private var deadlines: ConnectionDeadlines
    private var scheduled: Scheduled<Void>?
    private var started = false
    private let pool: ConnectionPool?
    private var id: ObjectIdentifier?

    init(timeouts: ConnectionDeadlines.Timeouts, pool: ConnectionPool?) {
        self.drainWindow = TimeAmount.milliseconds(Int64(timeouts.drain.components.seconds * 1000 + timeouts.drain.components.attoseconds / 1_000_000_000_000_000))
        self.deadlines = ConnectionDeadlines(timeouts)
        self.pool = pool
    }

    func handlerAdded(context: ChannelHandlerContext) {
        // In front of HTTP decoding, where the server's stop arrives first (see `QuiesceDelayHandler`).
        // Without a window (`shutdown-drain-window` 0) the pipeline stays as Hummingbird builds it.
        if drainWindow > .zero {
            try? context.pipeline.syncOperations.addHandler(QuiesceDelayHandler(connection: self, window: drainWindow), position: .first)
        }
        if context.channel.isActive { start(context) }
    }

    /// The server is stopping: from now on every response says `Connection: close`, and the connection closes once it
    /// is written, so a client learns to reconnect (elsewhere) instead of having its next request reset.
    func drain() {
        draining = true
    }

    func channelActive(context: ChannelHandlerContext) {
        start(context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancel()
        leavePool()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancel()
        leavePool()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        apply(deadlines.writabilityChanged(writable: context.channel.isWritable), context: context)
        if let id { pool?.update(id, waitingOnClient: deadlines.waitingOnClient) }
        context.fireChannelWritabilityChanged()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            apply(deadlines.readHead(close: Self.asksToClose(head.headerFields)), context: context)
        case .body:
            break
        case .end:
            apply(deadlines.readEnd(), context: context)
        }
        if let id { pool?.update(id, waitingOnClient: deadlines.waitingOnClient) }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(var head):
            if draining, !Self.asksToClose(head.headerFields) {
                head.headerFields[.connection] = "close"
                pendingResponseClose = true
                context.write(wrapOutboundOut(.head(head)), promise: promise)
                return
            }
            pendingResponseClose = Self.asksToClose(head.headerFields)
            context.write(data, promise: promise)
        case .body:
            context.write(data, promise: promise)
        case .end:
            let action = deadlines.wroteResponseEnd(close: pendingResponseClose)
            if action == .closeWhenFlushed {
                let flushed = promise ?? context.eventLoop.makePromise()
                let channel = context.channel
                flushed.futureResult.whenComplete { _ in channel.close(promise: nil) }
                cancel()
                context.writeAndFlush(data, promise: flushed)
            } else {
                apply(action, context: context)
                if let id { pool?.update(id, waitingOnClient: deadlines.waitingOnClient) }
                context.write(data, promise: promise)
            }
        }
    }

    private var pendingResponseClose = false
    private var draining = false
    private let drainWindow: TimeAmount

    private func start(_ context: ChannelHandlerContext) {
        guard !started else { return }
        started = true
        apply(deadlines.started(), context: context)
        let channel = context.channel
        let id = ObjectIdentifier(channel)
        self.id = id
        pool?.opened(id) { channel.close(promise: nil) }
    }

    private func apply(_ action: ConnectionDeadlines.Action, context: ChannelHandlerContext) {
        switch action {
        case .schedule(let delay):
            cancel()
            let channel = context.channel
            let nanoseconds = delay.components.seconds * 1_000_000_000 + delay.components.attoseconds / 1_000_000_000
            scheduled = context.eventLoop.scheduleTask(in: .nanoseconds(nanoseconds)) {
                channel.close(promise: nil)
            }
        case .cancel:
            cancel()
        case .closeWhenFlushed:
            cancel()
            context.channel.close(promise: nil)
        case .keep:
            break
        }
    }

    private func leavePool() {
        if let id { pool?.closed(id) }
        id = nil
    }

    private func cancel() {
        scheduled?.cancel()
        scheduled = nil
    }

    static func asksToClose(_ fields: HTTPFields) -> Bool {
        fields[values: .connection].contains { value in
            value.split(separator: ",").contains { $0.filter { $0 != " " && $0 != "\t" }.lowercased() == "close" }
        }
    }
}

@available(*, unavailable)
extension ConnectionDeadlineHandler: Sendable {}
