import Hummingbird
import LatchkeyCore
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
        } catch {
            context.logger.error("unexpected error", metadata: ["error": "\(String(reflecting: error))"])
            throw OAuthError.serverError(debug: String(describing: error), underlying: error)
        }
    }
}
