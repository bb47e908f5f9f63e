public import LatchkeyCore
public import Logging

/// Writes `SecurityEvent`s to the log, structured (`event` plus the event's fields) and at `notice` or `warning`,
/// so an operator sees replays, reuse, lock-outs and registry changes at the default log level; and queues each to the
/// audit trail (`AuditRecorder`) with where it came from.
public struct SecurityLog: Sendable {
    let logger: Logger
    let audit: AuditRecorder?

    public init(logger: Logger) {
        self.init(logger: logger, audit: nil)
    }

    init(logger: Logger, audit: AuditRecorder?) {
        self.logger = logger
        self.audit = audit
    }

    /// `origin`: the request's client address and id (`EventOrigin(context)`), `.operatorCommand` for a command.
    public func record(_ event: SecurityEvent, origin: EventOrigin = .unknown) {
        audit?.enqueue(event, origin: origin)
        var metadata: Logger.Metadata = ["event": .string(event.name)]
        if let requestID = origin.requestID { metadata["request_id"] = .string(requestID) }
        for (key, value) in event.fields { metadata[key] = .string(value) }
        let level: Logger.Level = event.severity == .warning ? .warning : .notice
        logger.log(level: level, "security event", metadata: metadata)
    }
}
