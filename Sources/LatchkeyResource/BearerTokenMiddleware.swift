public import Hummingbird
import HTTPTypes
import Foundation

/// A request context that can carry the verified token to handlers.
public protocol BearerTokenRequestContext: RequestContext {
    var accessToken: VerifiedToken? { get set }
    /// The token exactly as the client sent it, once verified. Only a server that exchanges it (the subject token of
    /// `UpstreamTokens`) needs it: declare a stored `var bearerToken: String?` to keep it. The default discards it.
    var bearerToken: String? { get set }
}

extension BearerTokenRequestContext {
    public var bearerToken: String? {
        get { nil }
        set {}
    }
}

/// Requires a valid Latchkey access token on every request it guards (RFC 6750), with `scopes` if given.
///
/// - No token, or an invalid one: `401` with `WWW-Authenticate: Bearer resource_metadata="…"` (RFC 9728 §5.1),
///   plus `error="invalid_token"` when a token was sent, and `scope` when scopes are required.
/// - A valid token without the scopes: `403` with `error="insufficient_scope"`, `scope` and `resource_metadata`.
/// - Only the `Authorization` header is accepted (RFC 6750 §2.1); a token in the query (`access_token`) is refused,
///   because URLs end up in logs and `Referer` headers.
public struct BearerTokenMiddleware<Context: BearerTokenRequestContext>: RouterMiddleware {
    public let verifier: TokenVerifier
    public let requiredScopes: [String]
    /// The URL of this resource's RFC 9728 metadata.
    public let resourceMetadataURL: String

    public init(verifier: TokenVerifier, requiredScopes: [String] = [], resourceMetadataURL: String) {
        self.verifier = verifier
        self.requiredScopes = requiredScopes
        self.resourceMetadataURL = resourceMetadataURL
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if request.uri.queryParameters["access_token"] != nil {
            return challenge(.badRequest, error: "invalid_request", description: "Send the access token in the Authorization header, not the URL")
        }
        guard let token = Self.bearerToken(request.headers[.authorization]) else {
            return challenge(.unauthorized, error: nil, description: nil)
        }
        let verified: VerifiedToken
        do {
            verified = try await verifier.verify(token)
        } catch let error as TokenVerificationError {
            if case .keysUnavailable = error {
                return Response(status: .serviceUnavailable, headers: [.retryAfter: "5", .cacheControl: "no-store"])
            }
            return challenge(.unauthorized, error: "invalid_token", description: error.description)
        }
        guard verified.hasScopes(requiredScopes) else {
            return challenge(.forbidden, error: "insufficient_scope", description: "The access token lacks a required scope")
        }
        var context = context
        context.accessToken = verified
        context.bearerToken = token
        return try await next(request, context)
    }

    func challenge(_ status: HTTPResponse.Status, error: String?, description: String?) -> Response {
        BearerChallenge(resourceMetadataURL: resourceMetadataURL, error: error, errorDescription: description, scopes: requiredScopes)
            .response(status)
    }

    /// `Bearer <token>`, the scheme case-insensitive (RFC 6750 §2.1, RFC 9110 §11.1).
    static func bearerToken(_ header: String?) -> String? {
        guard let header else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = parts[1].trimmingCharacters(in: .whitespaces)
        return token.isEmpty ? nil : token
    }
}
