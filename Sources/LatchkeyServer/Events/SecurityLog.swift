public import LatchkeyCore
public import Logging

/// Writes `SecurityEvent`s to the log, structured (`event` plus the event's fields) and at `notice` or `warning`,
/// so an operator sees replays, reuse, lock-outs and registry changes at the default log level.
public struct SecurityLog: Sendable {
    let logger: Logger

    public init(logger: Logger) {
        self.logger = logger
    }

    public func record(_ event: SecurityEvent) {
        var metadata: Logger.Metadata = ["event": .string(event.name)]
        for (key, value) in event.fields { metadata[key] = .string(value) }
        let level: Logger.Level = event.severity == .warning ? .warning : .notice
        logger.log(level: level, "security event", metadata: metadata)
    }
}
