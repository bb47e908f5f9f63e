import Foundation
import Hummingbird
import LatchkeyCore

/// Reads a JSON request body strictly (DESIGN §5): the right media type, a size cap, a nesting cap checked before
/// parsing (DESIGN §8), valid UTF-8 and JSON.
enum JSONBody {
    static func read(_ request: Request, maxBytes: Int, errorCode: OAuthError.Code) async throws -> JSONValue {
        let buffer = try await RequestBody.collect(request, mediaType: "application/json", maxBytes: maxBytes)
        guard let text = String(validating: buffer.readableBytesView, as: UTF8.self) else {
            throw OAuthError(errorCode, "The request body is not valid UTF-8")
        }
        guard JSONNesting.isWithin(JSONNesting.defaultLimit, buffer.readableBytesView) else {
            throw OAuthError(errorCode, "The request body nests arrays or objects more than \(JSONNesting.defaultLimit) levels deep")
        }
        do {
            return try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
        } catch {
            throw OAuthError(errorCode, "The request body is not valid JSON")
        }
    }
}
