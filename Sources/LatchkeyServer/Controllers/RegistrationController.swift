import Foundation
import Hummingbird
import LatchkeyCore
import LatchkeyCrypto

/// `POST /register` (RFC 7591) and `GET`/`PUT`/`DELETE /register/{client_id}` (RFC 7592).
struct RegistrationController {
    typealias Context = LatchkeyRequestContext
    let issuer: Issuer
    let service: ClientRegistrationService
    let initialAccessToken: InitialAccessToken
    let rateLimiter: RateLimiter
    let capacity: RegistrationCapacity
    let maxBodyBytes: Int
    let clock: UnixClock

    var base: String { issuer.path + "/register" }

    func addRoutes(to router: Router<Context>) {
        router.post(RouterPath(base)) { request, context in try await register(request, context) }
        // RFC 7592 management: counted like registrations, and authenticated before the body is read, so an
        // unauthenticated request costs a hash and no parsing (DESIGN §8).
        router.get(RouterPath(base + "/:client_id")) { request, context in
            try limit(context, key: "manage")
            return try Response.json(try await service.read(clientID: try Self.clientID(context), token: Self.bearer(request)), status: .ok)
        }
        router.put(RouterPath(base + "/:client_id")) { request, context in
            try limit(context, key: "manage")
            let client = try await service.authenticate(clientID: try Self.clientID(context), token: Self.bearer(request))
            let body = try await JSONBody.read(request, maxBytes: maxBodyBytes, errorCode: .invalidClientMetadata)
            return try Response.json(try await service.update(client, body: body), status: .ok)
        }
        router.delete(RouterPath(base + "/:client_id")) { request, context in
            try limit(context, key: "manage")
            try await service.delete(clientID: try Self.clientID(context), token: Self.bearer(request))
            return Response(status: .noContent, headers: [.cacheControl: "no-store"])
        }
    }

    /// Counts one request from the caller's address; registration and management have separate budgets.
    func limit(_ context: Context, key: String) throws {
        if let retryAfter = rateLimiter.check(key + " " + context.clientIP, now: clock.now()) {
            throw OAuthError(.rateLimited, "Too many registration requests from this address; retry later", httpStatus: 429, retryAfter: retryAfter)
        }
    }

    func register(_ request: Request, _ context: Context) async throws -> Response {
        try limit(context, key: "register")
        try initialAccessToken.check(presented: Self.bearer(request), constantTimeEquals: ConstantTime.equals)
        // Before the body: a full registry costs a refused request nothing more.
        try await capacity.reserve()
        let registration: RegistrationResponse
        do {
            let body = try await JSONBody.read(request, maxBytes: maxBodyBytes, errorCode: .invalidClientMetadata)
            registration = try await service.register(body)
        } catch {
            capacity.release()
            throw error
        }
        var response = try Response.json(registration, status: .created)
        response.headers[.location] = registration.registrationClientURI
        return response
    }

    static func clientID(_ context: Context) throws -> String {
        try context.parameters.require("client_id")
    }

    /// The token of an `Authorization: Bearer …` header (scheme case-insensitive, RFC 7235 §2.1).
    static func bearer(_ request: Request) -> String? {
        guard let header = request.headers[.authorization] else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = parts[1].trimmingCharacters(in: .whitespaces)
        return token.isEmpty ? nil : token
    }
}
