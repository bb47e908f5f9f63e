import Foundation
import Hummingbird
import Synchronization

extension FakeUpstream {
    /// The protected API's one route, for MCP servers calling "Demo Cloud" with a token from Latchkey's vault.
    public static let profilePath = "/api/profile"

    /// `GET /api/profile` with `Authorization: Bearer <access token>`: the account's profile. An unknown, expired or
    /// revoked token gets `401` with an RFC 6750 §3.1 `invalid_token` challenge, the answer that tells an MCP server
    /// to ask Latchkey for a refreshed token.
    func profile(_ request: Request) async throws -> Response {
        state.withLock { $0.counts.apiCalls += 1 }
        if let answer = try await misbehave(mode.api) { return answer }
        guard let header = request.headers[.authorization] else {
            return Response(status: .unauthorized, headers: [.wwwAuthenticate: #"Bearer realm="\#(name)""#])
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer", validAccessToken(String(parts[1])) else {
            return Response(status: .unauthorized, headers: [
                .wwwAuthenticate: #"Bearer realm="\#(name)", error="invalid_token", error_description="The access token is invalid or expired""#,
            ])
        }
        return Self.json(["login": account, "plan": "demo", "repos": 3], headers: [.cacheControl: "no-store"])
    }

    /// How many requests `/api/profile` received, whatever their answer.
    public var profileCalls: Int { requests(to: Self.profilePath).count }

    /// Makes every access token issued so far expired, as time passing would: `/api/profile` then answers `401`,
    /// and only a refresh gives a working token. Refresh tokens are untouched.
    public func expireAccessTokens() {
        state.withLock { $0.ledger.expireAccessTokens(now: Date()) }
    }
}
