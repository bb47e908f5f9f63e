public import Foundation
#if canImport(FoundationNetworking)
public import FoundationNetworking
#endif

/// An HTTP answer as `UpstreamTokens` reads it: the status, the header fields (names lowercased) and the body.
public struct TokenExchangeResponse: Sendable, Equatable {
    public var status: Int
    /// Header field names in lowercase; a repeated field's values joined with `", "`.
    public var headers: [String: String]
    public var body: Data

    public init(status: Int, headers: [String: String] = [:], body: Data = Data()) {
        self.status = status
        self.headers = Dictionary(headers.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { $0 + ", " + $1 })
        self.body = body
    }
}

/// How `UpstreamTokens` reaches Latchkey's token endpoint: one form POST, any answer. Tests and embedders may supply
/// their own (an in-process router, another HTTP client); `URLSessionTokenExchangeTransport` is the default.
public protocol TokenExchangeTransport: Sendable {
    /// POSTs `body` to `url` with `headers` and returns whatever status came back; throws only when no answer came.
    func post(_ url: URL, headers: [String: String], body: Data) async throws -> TokenExchangeResponse
}

/// Posts with `URLSession` (the shared one unless given another), a short timeout and a cap on the answer's size
/// (an oversized body is dropped, so `UpstreamTokens` reads it as an unexpected answer).
public struct URLSessionTokenExchangeTransport: TokenExchangeTransport {
    public let session: URLSession
    public let timeout: TimeInterval
    public let maxBytes: Int

    public init(session: URLSession = .shared, timeout: TimeInterval = 10, maxBytes: Int = 64 * 1024) {
        self.session = session
        self.timeout = timeout
        self.maxBytes = maxBytes
    }

    public func post(_ url: URL, headers: [String: String], body: Data) async throws -> TokenExchangeResponse {
        var request = URLRequest(url: url, timeoutInterval: timeout)
        request.httpMethod = "POST"
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        request.httpBody = body
        let (data, response) = try await session.data(for: request)
        guard let http = response as? HTTPURLResponse else { throw URLError(.badServerResponse) }
        var fields: [String: String] = [:]
        for (name, value) in http.allHeaderFields {
            if let name = name as? String, let value = value as? String { fields[name.lowercased()] = value }
        }
        // An oversized answer is not Latchkey's; keep nothing of it.
        return TokenExchangeResponse(status: http.statusCode, headers: fields, body: data.count <= maxBytes ? data : Data())
    }
}
