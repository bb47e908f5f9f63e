import Foundation

/// Where the store lives, parsed from `--database`.
///
/// Accepted forms: `postgres://…` / `postgresql://…`, `sqlite:///absolute/path.db`, `sqlite:relative/path.db`,
/// or a plain file path (SQLite).
public enum DatabaseLocation: Sendable, Equatable, CustomStringConvertible {
    case sqlite(path: String)
    case postgres(url: String)

    public init(_ value: String) throws {
        if value.hasPrefix("postgres://") || value.hasPrefix("postgresql://") {
            self = .postgres(url: value)
        } else if value.hasPrefix("sqlite://") {
            self = .sqlite(path: String(value.dropFirst("sqlite://".count)))
        } else if value.hasPrefix("sqlite:") {
            self = .sqlite(path: String(value.dropFirst("sqlite:".count)))
        } else if value.contains("://") {
            throw DatabaseError("unsupported database URL '\(value.prefix(40))…'; use postgres://… or a SQLite file path")
        } else {
            self = .sqlite(path: value)
        }
        if case .sqlite(let path) = self, path.isEmpty { throw DatabaseError("the SQLite database path is empty") }
    }

    /// Safe to log: the PostgreSQL password is masked.
    public var description: String {
        switch self {
        case .sqlite(let path): return "sqlite:\(path)"
        case .postgres(let url):
            guard var components = URLComponents(string: url) else { return "postgres://…" }
            if components.password != nil { components.password = "***" }
            return components.string ?? "postgres://…"
        }
    }
}

public struct DatabaseError: Error, Sendable, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
