import Foundation
public import HTTPTypes
import Hummingbird
public import HummingbirdTesting
import LatchkeyCore
import LatchkeyServer

/// A form-posting browser over the in-process router: keeps cookies, reads hidden fields, follows nothing.
public final class TestBrowser: @unchecked Sendable {
    public let client: any TestClientProtocol
    public var cookies: [String: String] = [:]
    /// The raw `Set-Cookie` values seen last, for attribute checks.
    public var lastSetCookies: [String] = []

    /// The user the browser tests sign in as (`BrowserFlowTests` creates it).
    public static let username = "alice"
    public static let password = "correct horse battery"

    public init(_ client: any TestClientProtocol) {
        self.client = client
    }

    public func get(_ uri: String) async throws -> TestResponse {
        try await send(uri, method: .get, body: nil)
    }

    public func post(_ uri: String, _ fields: [(String, String)]) async throws -> TestResponse {
        let body = fields.map { "\($0.0)=\(AuthorizationResponse.percentEncode($0.1))" }.joined(separator: "&")
        return try await send(uri, method: .post, body: body)
    }

    public func send(
        _ uri: String, method: HTTPRequest.Method, body: String?, contentType: String = "application/x-www-form-urlencoded",
        headers extra: HTTPFields = [:]
    ) async throws -> TestResponse {
        var headers: HTTPFields = extra
        if !cookies.isEmpty { headers[.cookie] = cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ") }
        if body != nil { headers[.contentType] = contentType }
        let response = try await client.execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
        lastSetCookies = response.headers[values: .setCookie]
        for header in lastSetCookies {
            let pair = header.split(separator: ";")[0].split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(pair[0]), value = pair.count > 1 ? String(pair[1]) : ""
            if value.isEmpty || header.contains("Max-Age=0") { cookies[name] = nil } else { cookies[name] = value }
        }
        return response
    }

    /// The value of the hidden or text field `name` in a page.
    public static func field(_ name: String, in page: String) -> String? {
        guard let range = page.range(of: #"name="\#(name)" value=""#) else { return nil }
        let rest = page[range.upperBound...]
        return String(rest.prefix { $0 != "\"" })
            .replacingOccurrences(of: "&amp;", with: "&").replacingOccurrences(of: "&quot;", with: "\"")
            .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(of: "&#39;", with: "'")
    }

    /// Submits the login form on `page`.
    public func login(_ page: TestResponse, username: String = TestBrowser.username, password: String = TestBrowser.password) async throws -> TestResponse {
        let text = page.text
        return try await post("/login", [
            ("csrf_token", Self.field("csrf_token", in: text) ?? ""), ("return_to", Self.field("return_to", in: text) ?? ""),
            ("username", username), ("password", password),
        ])
    }

    /// Submits the consent form on `page` with `decision`.
    public func decide(_ page: TestResponse, _ decision: String) async throws -> TestResponse {
        let text = page.text
        return try await post("/authorize/decision", [
            ("csrf_token", Self.field("csrf_token", in: text) ?? ""), ("request", Self.field("request", in: text) ?? ""),
            ("request_binding", Self.field("request_binding", in: text) ?? ""), ("decision", decision),
        ])
    }
}

extension TestResponse {
    public var location: String? { headers[.location] }

    /// The query parameters of the `Location` header.
    public var redirectParameters: [String: String] {
        guard let location, let query = location.split(separator: "?", maxSplits: 1).dropFirst().first,
              let parameters = try? FormParameters(parsing: query) else { return [:] }
        return parameters.values
    }
}
