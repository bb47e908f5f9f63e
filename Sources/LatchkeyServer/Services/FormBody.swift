import Hummingbird
import LatchkeyCore

/// Reads an `application/x-www-form-urlencoded` body strictly (RFC 6749 §3.2; DESIGN §5).
enum FormBody {
    static let maxBytes = 16 * 1024

    static func read(_ request: Request, repeatable: Set<String> = []) async throws -> FormParameters {
        let buffer = try await RequestBody.collect(request, mediaType: "application/x-www-form-urlencoded", maxBytes: maxBytes)
        // Reject, never repair: invalid UTF-8 is `invalid_request` (DESIGN §5).
        guard let text = String(validating: buffer.readableBytesView, as: UTF8.self) else {
            throw OAuthError.invalidRequest("The request body is not valid UTF-8")
        }
        return try FormParameters(parsing: Substring(text), repeatable: repeatable)
    }
}
