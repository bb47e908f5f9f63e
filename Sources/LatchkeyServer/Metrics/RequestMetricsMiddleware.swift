import CoreMetrics
import HTTPTypes
import Hummingbird

/// Counts every request and times it: `latchkey_http_requests_total{method, route, status}` and the histogram
/// `latchkey_http_request_duration_seconds{method, route, status}`.
///
/// `route` is the template of the matched route (`/register/{client_id}`), never the path the client sent: every
/// label value makes a series, and a raw path would let anyone create as many as they like. A path no route matches
/// is `unmatched`, and a method outside the standard ones is `other`, for the same reason. Hummingbird's own
/// `MetricsMiddleware` reports through the process-wide `MetricsSystem`, which Latchkey does not bootstrap (see
/// `LatchkeyMetrics`).
///
/// It runs outermost, so a request is counted with the status the client finally gets, errors thrown by the
/// inner middleware included.
struct RequestMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let factory: any MetricsFactory

    static var unmatchedRoute: String { "unmatched" }

    /// The matched route's template. Hummingbird names a request no route matched `NotFound` (and marks others it
    /// answers itself likewise); a template always starts with `/`, anything else is `unmatched`.
    static func routeLabel(_ endpointPath: String?) -> String {
        guard let endpointPath, endpointPath.hasPrefix("/") else { return unmatchedRoute }
        return endpointPath
    }

    /// The method as a label: the standard ones by name, any other (a client may send any token) as `other`.
    static func methodLabel(_ method: HTTPRequest.Method) -> String {
        switch method {
        case .get, .head, .post, .put, .delete, .options, .patch: method.rawValue
        default: "other"
        }
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        do {
            let response = try await next(request, context)
            record(request, context: context, status: response.status, since: start)
            return response
        } catch let error as any HTTPResponseError {
            record(request, context: context, status: error.status, since: start)
            throw error
        } catch {
            // Hummingbird answers what reaches it unconverted with a 500.
            record(request, context: context, status: .internalServerError, since: start)
            throw error
        }
    }

    func record(_ request: Request, context: Context, status: HTTPResponse.Status, since start: ContinuousClock.Instant) {
        let labels = [("method", Self.methodLabel(request.method)), ("route", Self.routeLabel(context.endpointPath)), ("status", String(status.code))]
        Counter(label: "latchkey_http_requests_total", dimensions: labels, factory: factory).increment()
        let (seconds, attoseconds) = (ContinuousClock.now - start).components
        CoreMetrics.Timer(label: "latchkey_http_request_duration_seconds", dimensions: labels, factory: factory)
            .recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
