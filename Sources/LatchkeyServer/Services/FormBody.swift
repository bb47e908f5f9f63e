import Hummingbird
import LatchkeyCore

/// Reads an `application/x-www-form-urlencoded` body strictly (RFC 6749 §3.2; DESIGN §5).
enum FormBody {
    static let maxBytes = 16 * 1024

    static func read(_ request: Request, repeatable: Set<String> = []) async throws -> FormParameters {
        let buffer = try await RequestBody.collect(request, mediaType: "application/x-www-form-urlencoded", maxBytes: maxBytes)
        return try FormParameters(parsing: Substring(String(buffer: buffer)), repeatable: repeatable)
    }
}
