import PostgresNIO
import VaporCSQLite

/// The database could not be reached or used at all — not a statement's own failure. The server answers `503` with
/// `Retry-After` for it instead of `500`, and logs the outage once (`DatabaseHealth`), not once per request.
public struct DatabaseUnavailable: Error, Sendable, CustomStringConvertible {
    /// What failed, for the operator's log line: never a URL or a statement's values.
    public let reason: String

    public var description: String { "the database is unavailable: \(reason)" }

    /// Wraps `error` when it says the database is unreachable, or `nil` when it is an ordinary error.
    init?(classifying error: any Error) {
        switch error {
        case let error as DatabaseUnavailable:
            self = error
        case let error as PSQLError:
            switch error.code {
            case .connectionError, .serverClosedConnection, .uncleanShutdown, .poolClosed, .clientClosedConnection:
                self.reason = "PostgreSQL connection: \(error.code)"
            case .server:
                // Class 08 (connection exception), 57P (operator intervention: shutdown, cannot connect now), 53300 (too
                // many connections): the server, not the statement.
                let state = error.serverInfo?[.sqlState] ?? ""
                guard state.hasPrefix("08") || state.hasPrefix("57P") || state == "53300" else { return nil }
                self.reason = "PostgreSQL refused the session (SQLSTATE \(state))"
            default:
                return nil
            }
        case let error as SQLiteStatementError:
            // Busy past `busy_timeout`, an unreadable or vanished file, a full disk.
            let primary = error.code & 0xFF
            guard [SQLITE_BUSY, SQLITE_LOCKED, SQLITE_IOERR, SQLITE_CANTOPEN, SQLITE_FULL, SQLITE_READONLY].contains(primary) else { return nil }
            self.reason = error.description
        default:
            return nil
        }
    }

    init(reason: String) {
        self.reason = reason
    }
}
