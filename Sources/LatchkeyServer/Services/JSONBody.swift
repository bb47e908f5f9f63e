import Foundation
import Hummingbird
import LatchkeyCore

/// Reads a JSON request body strictly (DESIGN §5): the right media type, a size cap, valid UTF-8 and JSON.
enum JSONBody {
    static func read(_ request: Request, maxBytes: Int, errorCode: OAuthError.Code) async throws -> JSONValue {
        let mediaType = request.headers[.contentType]?
            .split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased()
        guard mediaType == "application/json" else {
            throw OAuthError(.invalidRequest, "The request body must be application/json", httpStatus: 415)
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
        guard let text = String(validating: buffer.readableBytesView, as: UTF8.self) else {
            throw OAuthError(errorCode, "The request body is not valid UTF-8")
        }
        do {
            return try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
        } catch {
            throw OAuthError(errorCode, "The request body is not valid JSON")
        }
    }
}
