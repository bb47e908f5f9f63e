import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// A tiny HTTP server on loopback that answers each path with whatever the test set (`serve`), and records what it
/// was asked: the client metadata documents (and JWKS) a test hands Latchkey by URL.
public final class DocumentServer: Sendable {
    public struct Answer: Sendable {
        public var status: Int
        public var headers: [(String, String)]
        public var body: String

        public init(status: Int = 200, headers: [(String, String)] = [("Content-Type", "application/json")], body: String) {
            self.status = status
            self.headers = headers
            self.body = body
        }
    }

    /// A request received: its path and the conditional headers it carried.
    public struct Received: Sendable, Equatable {
        public var path: String
        public var ifNoneMatch: String?
    }

    let answers = Mutex<[String: Answer]>([:])
    let received = Mutex<[Received]>([])
    let port = Mutex<Int?>(nil)

    public init() {}

    /// `http://127.0.0.1:PORT` once listening.
    public var baseURL: String? { port.withLock { $0.map { "http://127.0.0.1:\($0)" } } }

    public func url(_ path: String) -> String { (baseURL ?? "http://127.0.0.1:0") + path }

    public func serve(_ path: String, _ answer: Answer) {
        answers.withLock { $0[path] = answer }
    }

    /// The requests for `path` so far.
    public func requests(_ path: String) -> [Received] { received.withLock { $0.filter { $0.path == path } } }

    func application(logger: Logger) -> some ApplicationProtocol {
        let router = Router()
        router.get("**") { [self] request, _ -> Response in
            let path = request.uri.path
            received.withLock { $0.append(Received(path: path, ifNoneMatch: request.headers[.ifNoneMatch])) }
            guard let answer = answers.withLock({ $0[path] }) else { return Response(status: .notFound) }
            var headers = HTTPFields()
            for (name, value) in answer.headers { headers.append(HTTPField(name: HTTPField.Name(name)!, value: value)) }
            return Response(status: .init(code: answer.status), headers: headers, body: .init(byteBuffer: ByteBuffer(string: answer.body)))
        }
        return Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: nil),
            onServerRunning: { [self] channel in port.withLock { $0 = channel.localAddress?.port } }, logger: logger
        )
    }

    /// Runs the server for the duration of `body`.
    public func run<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        let logger = Logger(label: "document-server") { _ in SwiftLogNoOpLogHandler() }
        let services = ServiceGroup(configuration: .init(services: [application(logger: logger)], logger: logger))
        return try await withThrowingTaskGroup(of: Void.self, returning: T.self) { group in
            group.addTask { try await services.run() }
            let result: Result<T, any Error>
            do {
                for _ in 0..<1000 where baseURL == nil { try await Task.sleep(for: .milliseconds(10)) }
                result = .success(try await body())
            } catch {
                result = .failure(error)
            }
            await services.triggerGracefulShutdown()
            _ = try? await group.next()
            group.cancelAll()
            return try result.get()
        }
    }
}
