import Foundation
import Hummingbird
import LatchkeyCore
import NIOCore

extension FakeUpstream {
    /// A JSON answer; keys sorted so recorded answers compare.
    static func json(_ object: [String: Any], status: HTTPResponse.Status = .ok, headers extra: HTTPFields = [:]) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        return body(String(decoding: data, as: UTF8.self), contentType: "application/json", status: status, headers: extra)
    }

    static func body(_ text: String, contentType: String, status: HTTPResponse.Status = .ok, headers extra: HTTPFields = [:]) -> Response {
        var headers: HTTPFields = [.contentType: contentType]
        headers.append(contentsOf: extra)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// RFC 6749 §5.2: `{"error","error_description"}`, not cached; `invalid_client` challenges for Basic (§5.2).
    func oauthError(_ error: OAuthError) -> Response {
        var headers: HTTPFields = [.cacheControl: "no-store"]
        if error.code == .invalidClient { headers[.wwwAuthenticate] = #"Basic realm="\#(name)""# }
        return Self.json(
            ["error": error.code.rawValue, "error_description": error.description],
            status: .init(code: error.httpStatus), headers: headers
        )
    }

    /// The answer `misbehaviour` gives instead of the endpoint's own, or nil to answer normally (after sleeping
    /// for `slow`; the sleep ends early when the task is cancelled, with `CancellationError`).
    func misbehave(_ misbehaviour: Misbehaviour?) async throws -> Response? {
        switch misbehaviour {
        case nil, .expiresInString, .invalidGrantOnRefresh, .withoutRefreshToken:
            return nil
        case .slow(let duration):
            try await Task.sleep(for: duration)
            return nil
        case .redirect(let location, let status):
            return Response(status: .init(code: status), headers: [.location: location])
        case .oversizedBody(let bytes):
            let padding = String(repeating: "A", count: max(0, bytes - 100))
            return Self.body(#"{"access_token":"big","token_type":"Bearer","padding":"\#(padding)"}"#, contentType: "application/json")
        case .nullBody:
            return Self.body("null", contentType: "application/json")
        case .htmlBody:
            return Self.body(
                "<!doctype html><html><head><title>\(name)</title></head><body><h1>Sign in to \(name)</h1><form method=post action=/login><input name=password type=password></form></body></html>",
                contentType: "text/html; charset=utf-8"
            )
        case .invalidClient:
            return oauthError(OAuthError(.invalidClient, "Client authentication failed", httpStatus: 401))
        case .status(let code):
            return Self.body("\(name): status \(code)\n", contentType: "text/plain; charset=utf-8", status: .init(code: code))
        case .hostileError:
            return oauthError(OAuthError(.invalidRequest, Misbehaviour.hostileDescription))
        }
    }

    /// The request's `application/x-www-form-urlencoded` body, parsed strictly (a repeated parameter is an error).
    static func formBody(_ request: Request, context: FakeUpstreamContext) async throws -> FormParameters {
        let mediaType = request.headers[.contentType]?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased()
        guard mediaType == "application/x-www-form-urlencoded" else {
            throw OAuthError.invalidRequest("The body must be application/x-www-form-urlencoded")
        }
        let buffer = try await request.body.collect(upTo: context.maxUploadSize)
        return try FormParameters(parsing: Substring(String(buffer: buffer)))
    }

    /// 32 random bytes from the system CSPRNG, base64url, after `prefix` (which says what the value is in logs).
    static func randomToken(_ prefix: String) -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return prefix + Base64URL.encode(Data(bytes))
    }

    /// Text for an HTML page or attribute value.
    static func escapeHTML(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}
