public import LatchkeyCore
public import Logging

/// Writes `SecurityEvent`s to the log, structured (`event` plus the event's fields) and at `notice` or `warning`,
/// so an operator sees replays, reuse, lock-outs and registry changes at the default log level.
///
/// Each event also counts in `latchkey_security_events_total{event}`, so replays, reuse, failed sign-ins,
/// lock-outs and registrations can be graphed and alerted on without one counter each.
public struct SecurityLog: Sendable {
    let logger: Logger
    let metrics: LatchkeyMetrics

    public init(logger: Logger, metrics: LatchkeyMetrics = .disabled) {
        self.logger = logger
        self.metrics = metrics
    }

    public func record(_ event: SecurityEvent) {
        metrics.securityEvent(event.name)
        var metadata: Logger.Metadata = ["event": .string(event.name)]
        for (key, value) in event.fields { metadata[key] = .string(value) }
        let level: Logger.Level = event.severity == .warning ? .warning : .notice
        logger.log(level: level, "security event", metadata: metadata)
    }
}
