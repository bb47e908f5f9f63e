import Hummingbird
import LatchkeyCore

/// `405 Method Not Allowed` with `Allow` (RFC 9110 §15.5.6) for the other common methods on a route, so a client
/// that sends GET to `/token` learns what is wrong instead of getting `404`.
enum MethodNotAllowed {
    static let methods: [HTTPRequest.Method] = [.get, .post, .put, .delete, .patch]

    static func add<Context: RequestContext>(to router: Router<Context>, path: String, allowed: [HTTPRequest.Method]) {
        let allow = allowed.map(\.rawValue).joined(separator: ", ")
        for method in methods where !allowed.contains(method) {
            router.on(RouterPath(path), method: method) { request, context in
                var response = try OAuthError(.invalidRequest, "\(method.rawValue) is not allowed here; use \(allow)", httpStatus: 405)
                    .response(from: request, context: context)
                response.headers[.allow] = allow
                return response
            }
        }
    }
}
