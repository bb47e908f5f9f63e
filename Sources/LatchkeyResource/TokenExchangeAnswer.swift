import Foundation
import LatchkeyCore

/// Latchkey's answer to a token exchange, read strictly: RFC 8693 §2.2.1 on success, RFC 6749 §5.2 (plus Latchkey's
/// `connection_required` members) on error.
enum TokenExchangeAnswer {
    struct Success: Decodable {
        var access_token: String
        var token_type: String
        var issued_token_type: String?
        var expires_in: Int64?
        var scope: String?
    }

    struct Failure: Decodable {
        var error: String
        var error_uri: String?
        var provider: String?
        var connection_status: String?
    }

    static func read(_ response: TokenExchangeResponse, provider: String, now: Int64) throws(UpstreamTokensError) -> UpstreamAccessToken {
        let json = JSONNesting.isWithin(JSONNesting.defaultLimit, response.body) ? response.body : Data()
        guard response.status == 200 else {
            throw classify(response, failure: try? JSONDecoder().decode(Failure.self, from: json), provider: provider)
        }
        guard let success = try? JSONDecoder().decode(Success.self, from: json), !success.access_token.isEmpty, !success.token_type.isEmpty,
              success.issued_token_type == nil || success.issued_token_type == UpstreamTokens.accessTokenType
        else { throw .unexpected(status: 200) }
        return UpstreamAccessToken(
            token: success.access_token, tokenType: success.token_type,
            expiresAt: success.expires_in.map { now + max($0, 0) },
            scopes: success.scope.map { $0.split(separator: " ").map(String.init) } ?? []
        )
    }

    static func classify(_ response: TokenExchangeResponse, failure: Failure?, provider: String) -> UpstreamTokensError {
        switch (response.status, failure?.error) {
        case (400, "connection_required"):
            guard let url = failure?.error_uri, !url.isEmpty else { return .unexpected(status: 400) }
            return .connectionRequired(
                connectURL: url, provider: failure?.provider ?? provider, status: failure?.connection_status ?? "not_connected"
            )
        case (400, "invalid_request"): return .invalidSubjectToken
        case (400, "invalid_target"), (400, "unauthorized_client"): return .notPermitted
        case (401, _): return .clientAuthenticationFailed
        case (503, _), (_, "temporarily_unavailable"):
            // RFC 9110 §10.2.3: delay-seconds (an HTTP date is not worth parsing here: treated as unknown).
            return .temporarilyUnavailable(retryAfter: response.headers["retry-after"].flatMap { Int($0.trimmingCharacters(in: .whitespaces)) })
        default: return .unexpected(status: response.status)
        }
    }
}
