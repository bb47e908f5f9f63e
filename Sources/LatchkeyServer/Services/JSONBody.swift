import Foundation
import Hummingbird
import LatchkeyCore

/// Reads a JSON request body strictly (DESIGN §5): the right media type, a size cap, valid UTF-8 and JSON.
enum JSONBody {
    static func read(_ request: Request, maxBytes: Int, errorCode: OAuthError.Code) async throws -> JSONValue {
        let buffer = try await RequestBody.collect(request, mediaType: "application/json", maxBytes: maxBytes)
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
