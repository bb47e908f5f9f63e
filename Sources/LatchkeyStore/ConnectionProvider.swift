import SQLKit

/// A pool of connections of one kind, lent out one at a time.
protocol ConnectionProvider: Sendable {
    func withConnection<R: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> R) async throws -> R
    func shutdown() async throws
}
