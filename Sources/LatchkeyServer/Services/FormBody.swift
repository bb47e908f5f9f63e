import Hummingbird
import LatchkeyCore

/// Reads an `application/x-www-form-urlencoded` body strictly (RFC 6749 §3.2; DESIGN §5).
enum FormBody {
    static let maxBytes = 16 * 1024

    static func read(_ request: Request, repeatable: Set<String> = []) async throws -> FormParameters {
        let mediaType = request.headers[.contentType]?
            .split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased()
        guard mediaType == "application/x-www-form-urlencoded" else {
            throw OAuthError(.invalidRequest, "The request body must be application/x-www-form-urlencoded", httpStatus: 415)
        }
        if let length = request.headers[.contentLength].flatMap(Int.init), length > maxBytes {
            throw OAuthError(.requestTooLarge, "The request body exceeds \(maxBytes) bytes", httpStatus: 413)
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: maxBytes)
        } catch {
            throw OAuthError(.requestTooLarge, "The request body exceeds \(maxBytes) bytes", httpStatus: 413)
        }
        return try FormParameters(parsing: Substring(String(buffer: buffer)), repeatable: repeatable)
    }
}
