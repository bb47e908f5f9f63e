import Hummingbird
import LatchkeyCore
import LatchkeyStore
import Logging

/// Turns any error that is not already an HTTP response into an RFC-shaped `server_error`, logging the cause
/// (never a secret: errors carry no request bodies) so a client never sees internals.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as OAuthError {
            if error.httpStatus >= 500 {
                var metadata: Logger.Metadata = ["error": "\(error.code)", "debug": "\(error.debug ?? "")"]
                if let underlying = error.underlying { metadata["underlying"] = "\(String(reflecting: underlying))" }
                context.logger.error("request failed", metadata: metadata)
            }
            throw error
        } catch let error as any HTTPResponseError {
            throw error
        } catch is DatabaseUnavailable {
            // Logged once per outage by the store, not per request.
            throw OAuthError.databaseUnavailable(path: request.uri.path)
        } catch {
            context.logger.error("unexpected error", metadata: ["error": "\(String(reflecting: error))"])
            throw OAuthError.serverError(debug: String(describing: error), underlying: error)
        }
    }
}

extension OAuthError {
    /// Seconds a client is asked to wait while the database is unreachable: recovery takes well under a second once it
    /// is back, so a short wait costs little.
    static let databaseRetryAfter = 5

    /// `503` with `Retry-After`. RFC 6749 defines `temporarily_unavailable` for the authorization endpoint (§4.1.2.1),
    /// and registration already answers it when full; the other endpoints have no code for it, so `server_error`.
    static func databaseUnavailable(path: String) -> OAuthError {
        let code: OAuthError.Code = path.hasSuffix("/authorize") || path.contains("/register") ? .temporarilyUnavailable : .serverError
        return OAuthError(code, "The server is temporarily unavailable; retry later.", httpStatus: 503, retryAfter: databaseRetryAfter)
    }
}
