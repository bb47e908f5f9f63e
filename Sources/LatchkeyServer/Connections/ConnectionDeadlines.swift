/// When a connection must have made progress, as an I/O-free state machine (the handler does the I/O).
///
/// A connection holds a file descriptor for as long as it is open, so every phase in which the *client* owes the
/// next move has a deadline (DESIGN §8):
/// - the first request's head must arrive within `header` of connecting;
/// - a request's body must be complete within `body` of its head;
/// - between requests, a keep-alive connection may wait `idle` (this also bounds a later request's head);
/// - after a response to `Connection: close`, the connection is closed as soon as the response is flushed, or, when
///   the request body was left unread (an early 413), after `linger`, which gives the client time to read the answer
///   before the socket is torn down. Without this the server only half-closes and waits for a client EOF that it
///   never reads, holding the descriptor forever.
/// - while the client does not read the answer (the socket's send buffer is full, the channel unwritable), it must
///   start reading again within `idle`: a client that pipelines requests and never reads would otherwise hold the
///   connection, and the answers queued for it, forever.
/// While the server works on a request (head and body read, answer not yet written) there is no deadline.
public struct ConnectionDeadlines: Sendable {
    public struct Timeouts: Sendable, Equatable {
        public var header: Duration
        public var body: Duration
        public var idle: Duration
        public var linger: Duration
        /// How long a stopping server still answers on an idle keep-alive connection (`QuiesceDelayHandler`).
        public var drain: Duration

        public init(header: Duration, body: Duration, idle: Duration, linger: Duration, drain: Duration = .seconds(1)) {
            self.header = header
            self.body = body
            self.idle = idle
            self.linger = linger
            self.drain = drain
        }
    }

    enum Action: Equatable {
        /// Replace any pending deadline with one this far from now.
        case schedule(Duration)
        /// No deadline until the next event.
        case cancel
        /// Close once the current write has been flushed.
        case closeWhenFlushed
        /// Keep the pending deadline.
        case keep
    }

    let timeouts: Timeouts
    private(set) var requestOpen = false
    private(set) var pendingResponses = 0
    private(set) var closeRequested = false
    private(set) var closing = false
    private(set) var writable = true

    init(_ timeouts: Timeouts) {
        self.timeouts = timeouts
    }

    /// Whether the next move is the client's (headers, body, or a new request): then the connection may be pushed
    /// out under a flood (`ConnectionPool`). While the server works on a request it may not.
    var waitingOnClient: Bool {
        requestOpen || pendingResponses == 0 || !writable
    }

    /// The client stopped reading (the channel became unwritable) or started again.
    mutating func writabilityChanged(writable: Bool) -> Action {
        guard !closing, writable != self.writable else { return .keep }
        self.writable = writable
        if !writable { return .schedule(timeouts.idle) }
        if requestOpen { return .schedule(timeouts.body) }
        return pendingResponses > 0 ? .cancel : .schedule(timeouts.idle)
    }

    /// The connection is up: the first head is due.
    func started() -> Action {
        .schedule(timeouts.header)
    }

    /// A request head arrived; `close` is whether it asked for `Connection: close`.
    mutating func readHead(close: Bool) -> Action {
        guard !closing else { return .keep }
        requestOpen = true
        pendingResponses += 1
        if close { closeRequested = true }
        return writable ? .schedule(timeouts.body) : .keep
    }

    /// The request's body ended.
    mutating func readEnd() -> Action {
        guard !closing else { return .keep }
        requestOpen = false
        if !writable { return .keep }
        // Answered already (an early error while the body was still coming): the connection is idle now.
        return pendingResponses > 0 ? .cancel : .schedule(timeouts.idle)
    }

    /// A response ended; `close` is whether the response itself said `Connection: close`.
    mutating func wroteResponseEnd(close: Bool) -> Action {
        guard !closing else { return .keep }
        pendingResponses = max(0, pendingResponses - 1)
        if close { closeRequested = true }
        if closeRequested {
            closing = true
            return requestOpen ? .schedule(timeouts.linger) : .closeWhenFlushed
        }
        if requestOpen || !writable { return .keep }
        return pendingResponses > 0 ? .cancel : .schedule(timeouts.idle)
    }
}
