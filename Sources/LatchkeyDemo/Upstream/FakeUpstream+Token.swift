import Crypto
import Foundation
import Hummingbird
import LatchkeyCore
import Synchronization

extension FakeUpstream {
    /// `POST /token`: the `authorization_code` and `refresh_token` grants (RFC 6749 §4.1.3, §6; RFC 7636 §4.6).
    func token(_ request: Request, context: FakeUpstreamContext) async throws -> Response {
        let mode = self.mode.token
        if let answer = try await misbehave(mode) { return answer }
        let issued: UpstreamLedger.Issued
        do {
            let form = try await Self.formBody(request, context: context)
            let client = try authenticateClient(request, form)
            let lifetime = TimeInterval(accessTokenLifetime)
            switch form["grant_type"] {
            case "authorization_code":
                state.withLock { $0.counts.codeGrants += 1 }
                let code = try form.require("code")
                let verifier = try form.require("code_verifier")
                let tokens = (access: Self.randomToken("dc_at_"), refresh: Self.randomToken("dc_rt_"), family: Self.randomToken(""))
                issued = try state.withLock {
                    $0.ledger.redeem(
                        code: code, clientID: client, redirectURI: form["redirect_uri"], challenge: Self.s256(verifier), now: Date(),
                        accessTokenLifetime: lifetime, newTokens: tokens
                    )
                }.get()
            case "refresh_token":
                state.withLock { $0.counts.refreshGrants += 1 }
                let token = try form.require("refresh_token")
                guard mode != .invalidGrantOnRefresh else { throw UpstreamLedger.invalidGrant("The refresh token is invalid") }
                // Without a new refresh token in the answer, the old one stays the family's current one (RFC 6749 §6).
                let tokens = (access: Self.randomToken("dc_at_"), refresh: mode == .withoutRefreshToken ? token : Self.randomToken("dc_rt_"))
                issued = try state.withLock {
                    $0.ledger.refresh(token: token, clientID: client, scope: form["scope"], now: Date(), accessTokenLifetime: lifetime, newTokens: tokens)
                }.get()
            case nil:
                throw OAuthError.invalidRequest("The parameter 'grant_type' is required")
            default:
                throw OAuthError(.unsupportedGrantType, "Only authorization_code and refresh_token are supported")
            }
        } catch let error as OAuthError {
            return oauthError(error)
        }
        // RFC 6749 §5.1.
        var answer: [String: Any] = [
            "access_token": issued.accessToken, "token_type": "Bearer", "expires_in": accessTokenLifetime,
            "refresh_token": issued.refreshToken, "scope": issued.scope,
        ]
        switch mode {
        case .expiresInString(let text)?: answer["expires_in"] = text
        case .withoutRefreshToken?: answer["refresh_token"] = nil
        default: break
        }
        return Self.json(answer, headers: [.cacheControl: "no-store"])
    }

    /// `POST /revoke` (RFC 7009 §2): the client authenticates as at `/token`; an unknown token is still `200` (§2.2).
    func revoke(_ request: Request, context: FakeUpstreamContext) async throws -> Response {
        if let answer = try await misbehave(mode.revocation) { return answer }
        do {
            let form = try await Self.formBody(request, context: context)
            _ = try authenticateClient(request, form)
            let token = try form.require("token")
            // `token_type_hint` only speeds up a lookup (§2.1); the ledger looks everywhere anyway.
            state.withLock {
                $0.revokedTokens.append(token)
                $0.ledger.revoke(token)
            }
            return Response(status: .ok, headers: [.cacheControl: "no-store"])
        } catch let error as OAuthError {
            return oauthError(error)
        }
    }

    /// RFC 6749 §2.3.1 with the configured method only; a client using two methods at once is refused (§2.3).
    /// Returns the client id.
    func authenticateClient(_ request: Request, _ form: FormParameters) throws -> String {
        let header = request.headers[.authorization]
        let basic = header.map { $0.lowercased().hasPrefix("basic ") } ?? false
        guard !(basic && form["client_secret"] != nil) else {
            throw OAuthError.invalidRequest("The client used more than one authentication method")
        }
        let failed = OAuthError(.invalidClient, "Client authentication failed", httpStatus: 401)
        switch clientAuthentication {
        case .clientSecretBasic:
            guard let header, basic, let (id, secret) = Self.basicCredentials(header) else { throw failed }
            guard id == clientID, secret == clientSecret, form["client_id"] == nil || form["client_id"] == id else { throw failed }
            return id
        case .clientSecretPost:
            guard header == nil, form["client_id"] == clientID, form["client_secret"] == clientSecret else { throw failed }
            return clientID
        case .none:
            guard header == nil, form["client_secret"] == nil, form["client_id"] == clientID else { throw failed }
            return clientID
        }
    }

    /// `Basic base64(urlencode(id):urlencode(secret))` → (id, secret); nil when malformed.
    static func basicCredentials(_ header: String) -> (String, String)? {
        let encoded = header.dropFirst("basic ".count).trimmingCharacters(in: .whitespaces)
        guard let data = Data(base64Encoded: encoded), let text = String(data: data, encoding: .utf8),
              let colon = text.firstIndex(of: ":"),
              let id = formDecode(text[..<colon]), let secret = formDecode(text[text.index(after: colon)...])
        else { return nil }
        return (id, secret)
    }

    static func formDecode(_ text: Substring) -> String? {
        text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }

    /// RFC 7636 §4.2: BASE64URL(SHA256(ASCII(code_verifier))).
    static func s256(_ verifier: String) -> String {
        Base64URL.encode(Data(SHA256.hash(data: Data(verifier.utf8))))
    }
}
