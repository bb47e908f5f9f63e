import Foundation
public import HTTPTypes
public import Hummingbird
public import LatchkeyCore
import NIOFoundationEssentialsCompat

/// Renders RFC 6749 §5.2 JSON instead of Hummingbird's `{"error":{"message":…}}`.
extension OAuthError: HTTPResponseError {
    public var status: HTTPResponse.Status { HTTPResponse.Status(code: httpStatus) }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers = HTTPFields.jsonNoStore
        if httpStatus == 401 {
            // RFC 6749 §5.2 (client auth) and RFC 6750 §3 (bearer tokens) both require a challenge on 401.
            headers[.wwwAuthenticate] = code == .invalidClient
                ? #"Basic realm="latchkey""#
                : #"Bearer error="\#(code.rawValue)", error_description="\#(Self.quoted(description))""#
        }
        if httpStatus == 403, code == .insufficientScope {
            // RFC 6750 §3: a bearer token without the scope the request needs.
            headers[.wwwAuthenticate] = #"Bearer error="insufficient_scope", error_description="\#(Self.quoted(description))""#
        }
        if let retryAfter { headers[.retryAfter] = String(retryAfter) }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(data: body)))
    }

    /// `{"error": …, "error_description": …}`.
    var body: Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding two strings cannot fail; should it ever, the client still gets the code.
        var members = details
        members["error"] = code.rawValue
        members["error_description"] = description
        members["error_uri"] = errorURI
        return (try? encoder.encode(members)) ?? Data(#"{"error":"server_error"}"#.utf8)
    }

    /// Drops characters RFC 6750 §3 does not allow in a quoted auth-param.
    static func quoted(_ text: String) -> String {
        String(text.unicodeScalars.filter { $0.value >= 0x20 && $0.value < 0x7F && $0 != "\"" && $0 != "\\" }.map(Character.init))
    }
}

extension HTTPFields {
    /// JSON that must never be cached: anything carrying a secret or an error (DESIGN §5).
    static var jsonNoStore: HTTPFields {
        [.contentType: "application/json", .cacheControl: "no-store", .pragma: "no-cache"]
    }
}

extension HTTPField.Name {
    static let pragma = HTTPField.Name("Pragma")!
}
