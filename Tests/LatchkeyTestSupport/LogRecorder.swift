public import Logging
import Synchronization

/// Keeps what a test's server logged, to check that security events are written (and what they carry).
public final class LogRecorder: Sendable {
    public struct Entry: Sendable {
        public var level: Logger.Level
        public var message: String
        public var metadata: [String: String]
    }

    public init() {}

    let entries = Mutex<[Entry]>([])

    /// Everything logged so far.
    public var all: [Entry] { entries.withLock { $0 } }

    /// The recorded security events' names, in order.
    public var events: [String] { entries.withLock { $0.compactMap { $0.metadata["event"] } } }

    public func entry(event: String) -> Entry? { entries.withLock { $0.first { $0.metadata["event"] == event } } }

    public var handler: Handler { Handler(recorder: self) }

    public struct Handler: LogHandler {
        let recorder: LogRecorder
        public var metadata: Logger.Metadata = [:]
        public var logLevel: Logger.Level = .notice

        public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        public func log(event: LogEvent) {
            var fields: [String: String] = [:]
            for (key, value) in metadata.merging(event.metadata ?? [:], uniquingKeysWith: { $1 }) { fields[key] = "\(value)" }
            recorder.entries.withLock { $0.append(Entry(level: event.level, message: "\(event.message)", metadata: fields)) }
        }
    }
}
