import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// A client's `jwks_uri` on a free loopback port: serves `document` at `/jwks.json` and counts the fetches.
public final class JWKSServer: Sendable {
    struct State {
        var document: String
        var fetches = 0
        var port: Int?
    }

    let state: Mutex<State>

    public init(document: String) {
        state = Mutex(State(document: document))
    }

    public var url: String { "http://127.0.0.1:\(state.withLock { $0.port ?? 0 })/jwks.json" }
    public var fetches: Int { state.withLock { $0.fetches } }

    /// What the next fetch answers (a key rotation).
    public func publish(_ document: String) {
        state.withLock { $0.document = document }
    }

    func application() -> some ApplicationProtocol {
        let router = Router()
        router.get("/jwks.json") { [self] _, _ in
            let body = state.withLock { state in
                state.fetches += 1
                return state.document
            }
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: body)))
        }
        return Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: nil),
            onServerRunning: { [self] channel in state.withLock { $0.port = channel.localAddress?.port } },
            logger: Logger(label: "jwks-server") { _ in SwiftLogNoOpLogHandler() }
        )
    }
}

/// Runs `server` for the duration of `body`.
public func withJWKSServer<T: Sendable>(_ server: JWKSServer, _ body: (JWKSServer) async throws -> T) async throws -> T {
    let logger = Logger(label: "jwks-server") { _ in SwiftLogNoOpLogHandler() }
    let services = ServiceGroup(configuration: .init(services: [server.application()], logger: logger))
    return try await withThrowingTaskGroup(of: Void.self, returning: T.self) { group in
        group.addTask { try await services.run() }
        let result: Result<T, any Error>
        do {
            var waited = 0
            while server.state.withLock({ $0.port }) == nil {
                guard waited < 1000 else { throw FakeUpstreamDidNotStart() }
                try await Task.sleep(for: .milliseconds(10))
                waited += 1
            }
            result = .success(try await body(server))
        } catch {
            result = .failure(error)
        }
        await services.triggerGracefulShutdown()
        _ = try? await group.next()
        group.cancelAll()
        return try result.get()
    }
}
