public import Foundation

/// An upstream token endpoint's answer (RFC 6749 §5.1, §5.2), read strictly: what the vault may keep, or why not.
/// An upstream's own text (`error_description`, an HTML page) is never carried: only an allowlisted error code.
public struct UpstreamTokenResponse: Sendable, Equatable {
    public var accessToken: String
    public var refreshToken: String?
    public var tokenType: String
    /// Seconds the access token lives, from now.
    public var expiresIn: Int64?
    /// The scopes granted: the answer's `scope`, or those asked for when it has none (RFC 6749 §5.1).
    public var scopes: [String]

    /// Reads `body` answered with `status`. `requested` are the scopes asked for.
    public init(status: Int, body: Data, requested: [String]) throws(UpstreamFailure) {
        if status >= 500 { throw .unavailable(status: status) }
        let object = Self.object(body)
        guard (200..<300).contains(status) else {
            // §5.2: an error answer is 400 (401 for client authentication); its `error` is kept only if it is a known code.
            throw .rejected(code: object.flatMap { UpstreamErrorCode.token($0["error"]) }, status: status)
        }
        guard let object else { throw .invalidResponse("the answer is not a JSON object") }
        guard case .string(let access)? = object["access_token"], UpstreamValue.isToken(access) else {
            throw .invalidResponse("access_token is missing or not a token")
        }
        self.accessToken = access
        switch object["refresh_token"] {
        case nil, .null?: self.refreshToken = nil
        case .string(let refresh)? where UpstreamValue.isToken(refresh): self.refreshToken = refresh
        default: throw .invalidResponse("refresh_token is not a token")
        }
        let type: String?
        switch object["token_type"] {
        case nil, .null?: type = nil
        case .string(let text)?: type = text
        default: throw .invalidResponse("token_type is not a string")
        }
        guard let bearer = UpstreamValue.bearerType(type) else { throw .invalidResponse("token_type is not Bearer") }
        self.tokenType = bearer
        switch object["expires_in"] {
        case nil, .null?: self.expiresIn = nil
        case let value?:
            guard let seconds = UpstreamValue.lifetime(value) else { throw .invalidResponse("expires_in is not a number of seconds") }
            self.expiresIn = seconds
        }
        switch object["scope"] {
        case nil, .null?: self.scopes = requested
        // GitHub separates scopes with commas; RFC 6749 §3.3 with spaces.
        case .string(let text)?:
            let tokens = text.split(whereSeparator: { $0 == " " || $0 == "," }).map(String.init)
            guard tokens.allSatisfy(Scope.isValidToken), text.utf8.count <= UpstreamValue.maxTokenLength else {
                throw .invalidResponse("scope is not a list of scope tokens")
            }
            self.scopes = tokens
        default: throw .invalidResponse("scope is not a string")
        }
    }

    /// The JSON object in `body`, or `nil` for anything else (`null`, HTML, an array, nesting past 8 levels).
    public static func object(_ body: Data) -> [String: JSONValue]? {
        guard JSONNesting.isWithin(8, body), case .object(let fields)? = try? JSONDecoder().decode(JSONValue.self, from: body) else {
            return nil
        }
        return fields
    }
}

/// Why a call to an upstream did not give the vault something to keep. Descriptions carry no upstream text.
public enum UpstreamFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// The upstream refused (4xx); `code` is its RFC 6749 error code when it sent a known one.
    case rejected(code: String?, status: Int)
    /// A 5xx: the upstream is having trouble; try again later.
    case unavailable(status: Int)
    /// The answer could not be used (not JSON, `null`, a missing or malformed member).
    case invalidResponse(String)
    /// The call did not complete (refused by the egress rules, a redirect, a timeout, a connection failure).
    case unreachable(String)

    /// The RFC 6749 code to record and show: the upstream's own when known, else a generic one.
    public var code: String {
        switch self {
        case .rejected(let code, _): code ?? "invalid_request"
        case .unavailable: "temporarily_unavailable"
        case .invalidResponse, .unreachable: "server_error"
        }
    }

    public var description: String {
        switch self {
        case .rejected(let code, let status): "the upstream refused (\(status)\(code.map { ", \($0)" } ?? ""))"
        case .unavailable(let status): "the upstream answered \(status)"
        case .invalidResponse(let reason): "the upstream's answer is unusable: \(reason)"
        case .unreachable(let reason): "the upstream could not be reached: \(reason)"
        }
    }
}

/// The error codes an upstream may send that Latchkey repeats (RFC 6749 §4.1.2.1, §5.2; RFC 7009 §2.2.1); anything
/// else becomes a generic code, so an upstream cannot put its own words on Latchkey's pages.
public enum UpstreamErrorCode {
    public static let authorization: Set<String> = [
        "invalid_request", "unauthorized_client", "access_denied", "unsupported_response_type", "invalid_scope", "server_error",
        "temporarily_unavailable", "login_required", "consent_required", "interaction_required",
    ]
    public static let tokenEndpoint: Set<String> = [
        "invalid_request", "invalid_client", "invalid_grant", "unauthorized_client", "unsupported_grant_type", "invalid_scope",
        "unsupported_token_type",
    ]

    public static func token(_ value: JSONValue?) -> String? {
        guard case .string(let code)? = value, tokenEndpoint.contains(code) else { return nil }
        return code
    }
}
