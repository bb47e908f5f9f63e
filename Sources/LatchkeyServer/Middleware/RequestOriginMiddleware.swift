import Hummingbird
import HTTPTypes
import LatchkeyCore
import Logging
import NIOCore

/// Settles who sent the request before anything else runs: the client's address (believing a forwarding header only
/// from `trusted-proxies`) and the request id, which every log line of the request carries (`hb.request.id`) and the
/// response returns in `X-Request-Id`. A trusted proxy's `X-Request-Id` is kept, so one id follows the request
/// through both; from anyone else the header is ignored, or a client could make its requests' log lines look like
/// another's.
struct RequestOriginMiddleware: RouterMiddleware {
    typealias Context = LatchkeyRequestContext
    let proxies: TrustedProxies

    static let requestIDField = HTTPField.Name("X-Request-Id")!
    static let forwardedField = HTTPField.Name("Forwarded")!
    static let xForwardedForField = HTTPField.Name("X-Forwarded-For")!

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if !proxies.isEmpty, let peer = context.remoteAddress?.ipAddress.flatMap(IPAddress.init), proxies.trusts(peer) {
            let field = proxies.header == .forwarded ? Self.forwardedField : Self.xForwardedForField
            context.clientIP = proxies.clientAddress(peer: peer, values: request.headers[values: field]).description
            if let id = request.headers[Self.requestIDField], Self.isAcceptableRequestID(id) {
                context.logger[metadataKey: "hb.request.id"] = .string(id)
            }
        }
        let id = context.id
        do {
            var response = try await next(request, context)
            response.headers[Self.requestIDField] = id
            return response
        } catch let error as any HTTPResponseError {
            throw RequestIDError(base: error, id: id)
        }
    }

    /// Short and of the characters ids use (UUIDs, hex, trace ids): it is written into every log line of the request.
    static func isAcceptableRequestID(_ id: String) -> Bool {
        (1...128).contains(id.utf8.count) && id.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
            case UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: ":"), UInt8(ascii: "/"), UInt8(ascii: "+"), UInt8(ascii: "="): true
            default: false
            }
        }
    }
}

/// An error response with the request id added, so a failed request can be found in the log too.
struct RequestIDError: HTTPResponseError {
    let base: any HTTPResponseError
    let id: String

    var status: HTTPResponse.Status { base.status }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = try base.response(from: request, context: context)
        response.headers[RequestOriginMiddleware.requestIDField] = id
        return response
    }
}
