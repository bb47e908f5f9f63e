public import Hummingbird
import NIOCore

/// A request the fake upstream received, kept for assertions ("the code was sent once", "no secret in the query").
public struct RecordedRequest: Sendable, Equatable {
    public var method: String
    /// The path without the query: `/token`.
    public var path: String
    /// The raw query, without `?`; nil when there is none.
    public var query: String?
    public var headers: HTTPFields
    /// The body as text (invalid UTF-8 replaced); empty when there was none or it exceeded the 16 KiB limit.
    public var body: String

    public init(method: String, path: String, query: String?, headers: HTTPFields, body: String) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
    }
}

/// Records every request, its body collected (at most the context's `maxUploadSize`) so handlers read it again.
struct RequestRecorder: RouterMiddleware {
    typealias Context = FakeUpstreamContext
    let record: @Sendable (RecordedRequest) -> Void

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var request = request
        let path = request.uri.path
        let query = request.uri.query.flatMap { $0.isEmpty ? nil : String($0) }
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: context.maxUploadSize)
        } catch {
            record(RecordedRequest(method: request.method.rawValue, path: path, query: query, headers: request.headers, body: ""))
            throw error
        }
        record(RecordedRequest(method: request.method.rawValue, path: path, query: query, headers: request.headers, body: String(buffer: body)))
        return try await next(request, context)
    }
}

/// Hummingbird's basic context with a 16 KiB body limit: nothing the fake accepts is larger.
struct FakeUpstreamContext: RequestContext {
    var coreContext: CoreRequestContextStorage

    init(source: Source) {
        self.coreContext = .init(source: source)
    }

    var maxUploadSize: Int { 16 * 1024 }
}
