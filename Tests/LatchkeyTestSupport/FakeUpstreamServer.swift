public import LatchkeyDemo
public import Logging
import ServiceLifecycle

/// The fake upstream did not start listening within its deadline (the port could not be bound?).
public struct FakeUpstreamDidNotStart: Error {}

/// Runs `upstream` on a free loopback port for the duration of `body`, then stops it.
///
/// `body` gets the running fake: `upstream.baseURL` is its address and issuer. When `body` ends, or throws, the
/// server shuts down gracefully; a request still in a `slow` misbehaviour after two seconds is cancelled.
public func withFakeUpstream<T: Sendable>(
    _ upstream: FakeUpstream = FakeUpstream(), logger: Logger = Logger(label: "fake-upstream") { _ in SwiftLogNoOpLogHandler() },
    _ body: (FakeUpstream) async throws -> T
) async throws -> T {
    let services = ServiceGroup(configuration: .init(services: [upstream.buildApplication(port: 0, logger: logger)], logger: logger))
    return try await withThrowingTaskGroup(of: Void.self, returning: T.self) { group in
        group.addTask { try await services.run() }
        let result: Result<T, any Error>
        do {
            var waited = 0
            while upstream.baseURL == nil {
                guard waited < 1000 else { throw FakeUpstreamDidNotStart() }
                try await Task.sleep(for: .milliseconds(10))
                waited += 1
            }
            result = .success(try await body(upstream))
        } catch {
            result = .failure(error)
        }
        await services.triggerGracefulShutdown()
        group.addTask { try await Task.sleep(for: .seconds(2)) }
        // Whichever ends first: the server, or the deadline for requests still being served.
        _ = try? await group.next()
        group.cancelAll()
        return try result.get()
    }
}
