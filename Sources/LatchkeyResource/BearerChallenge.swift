public import Hummingbird
public import HTTPTypes

/// An RFC 6750 §3 `WWW-Authenticate: Bearer …` challenge, with RFC 9728 §5.1's `resource_metadata`.
///
/// The middleware answers with it, and so can a handler that decides a scope is missing only once it has read the
/// request (an MCP server whose tools need different scopes: RFC 6750 §3.1 `insufficient_scope`, the step-up signal
/// MCP clients act on).
public struct BearerChallenge: Sendable, Equatable {
    public var resourceMetadataURL: String
    /// `invalid_request`, `invalid_token` or `insufficient_scope`; none when no token was sent.
    public var error: String?
    public var errorDescription: String?
    /// The scopes the request needs (all of them, not only the missing ones, so a client can ask for exactly these).
    public var scopes: [String]

    public init(resourceMetadataURL: String, error: String? = nil, errorDescription: String? = nil, scopes: [String] = []) {
        self.resourceMetadataURL = resourceMetadataURL
        self.error = error
        self.errorDescription = errorDescription
        self.scopes = scopes
    }

    /// The header value. RFC 6750 §3 allows only %x20-21 / %x23-5B / %x5D-7E in these values, so anything else
    /// (`"`, `\`, controls, non-ASCII) is dropped.
    public var headerValue: String {
        var parameters = [#"resource_metadata="\#(Self.quoted(resourceMetadataURL))""#]
        if let error { parameters.append(#"error="\#(Self.quoted(error))""#) }
        if let errorDescription { parameters.append(#"error_description="\#(Self.quoted(errorDescription))""#) }
        if !scopes.isEmpty { parameters.append(#"scope="\#(Self.quoted(scopes.joined(separator: " ")))""#) }
        return "Bearer " + parameters.joined(separator: ", ")
    }

    /// `status` with this challenge and `Cache-Control: no-store`, and no body.
    public func response(_ status: HTTPResponse.Status) -> Response {
        Response(status: status, headers: [.wwwAuthenticate: headerValue, .cacheControl: "no-store"])
    }

    static func quoted(_ value: String) -> String {
        String(value.unicodeScalars.filter { (0x20...0x7E).contains($0.value) && $0 != "\"" && $0 != "\\" }.map(Character.init))
    }
}
