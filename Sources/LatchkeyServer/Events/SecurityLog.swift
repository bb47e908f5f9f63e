public import LatchkeyCore
public import Logging

/// Writes `SecurityEvent`s to the log, structured (`event` plus the event's fields) and at `notice` or `warning`,
/// so an operator sees replays, reuse, lock-outs and registry changes at the default log level; queues each to the
/// audit trail (`AuditRecorder`) with where it came from; and counts each in `latchkey_security_events_total{event}`,
/// so replays, reuse, failed sign-ins, lock-outs and registrations can be graphed and alerted on without one counter
/// each.
public struct SecurityLog: Sendable {
    let logger: Logger
    let audit: AuditRecorder?
    let metrics: LatchkeyMetrics

    public init(logger: Logger, metrics: LatchkeyMetrics = .disabled) {
        self.init(logger: logger, audit: nil, metrics: metrics)
    }

    init(logger: Logger, audit: AuditRecorder?, metrics: LatchkeyMetrics = .disabled) {
        self.logger = logger
        self.audit = audit
        self.metrics = metrics
    }

    /// `origin`: the request's client address and id (`EventOrigin(context)`), `.operatorCommand` for a command.
    public func record(_ event: SecurityEvent, origin: EventOrigin = .unknown) {
        metrics.securityEvent(event.name)
        audit?.enqueue(event, origin: origin)
        var metadata: Logger.Metadata = ["event": .string(event.name)]
        if let requestID = origin.requestID { metadata["request_id"] = .string(requestID) }
        for (key, value) in event.fields { metadata[key] = .string(value) }
        let level: Logger.Level = event.severity == .warning ? .warning : .notice
        logger.log(level: level, "security event", metadata: metadata)
    }
}
