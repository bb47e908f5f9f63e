import Hummingbird
import LatchkeyCore
import Foundation

/// The checks every request body gets before parsing: the one media type the endpoint takes (415),
/// and a size cap (413), checked on `Content-Length` first and enforced while reading.
enum RequestBody {
    static func collect(_ request: Request, mediaType expected: String, maxBytes: Int) async throws -> ByteBuffer {
        let mediaType = request.headers[.contentType]?
            .split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased()
        guard mediaType == expected else {
            throw OAuthError(.invalidRequest, "The request body must be \(expected)", httpStatus: 415)
        }
        // RFC 9112 §6.1: chunked is the only transfer coding a request may use here; anything else cannot be framed
        // (RFC 9110 §15.6.2: 501 for a coding the server does not implement), and is not "too large".
        if let coding = request.headers[.transferEncoding], coding.lowercased().filter({ $0 != " " }) != "chunked" {
            throw OAuthError(.invalidRequest, "Transfer-Encoding '\(RedirectURIPolicy.excerpt(coding))' is not supported; send the body with Content-Length or chunked", httpStatus: 501)
        }
        if let length = request.headers[.contentLength].flatMap(Int.init), length > maxBytes {
            throw OAuthError(.invalidRequest, "The request body exceeds \(maxBytes) bytes", httpStatus: 413)
        }
        do {
            return try await request.body.collect(upTo: maxBytes)
        } catch {
            throw OAuthError(.invalidRequest, "The request body exceeds \(maxBytes) bytes", httpStatus: 413)
        }
    }
}
