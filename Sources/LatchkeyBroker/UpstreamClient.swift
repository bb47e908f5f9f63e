import Foundation
public import LatchkeyCore
public import LatchkeyEgress
import NIOCore
import NIOHTTP1
import Synchronization

/// Latchkey as an OAuth client of the upstream providers, every call through `EgressClient` (no redirects, checked
/// addresses, timeouts, a size cap): discovery, the code exchange, revocation and userinfo.
public struct UpstreamClient: Sendable {
    let egress: EgressClient
    /// Client secrets by provider id, read at start (`ProviderSecrets`).
    let secrets: [String: String]
    let discovered: DiscoveryCache
    let clock: UnixClock

    public init(egress: EgressClient, secrets: [String: String], discovery: DiscoveryCache, clock: UnixClock) {
        self.egress = egress
        self.secrets = secrets
        self.discovered = discovery
        self.clock = clock
    }

    /// The provider's endpoints: as configured, or from its metadata (fetched once an hour at most while it answers).
    public func endpoints(for provider: UpstreamProvider) async throws(UpstreamFailure) -> UpstreamEndpoints {
        switch provider.endpoints {
        case .configured(let authorization, let token):
            return UpstreamEndpoints(provider: provider, authorization: authorization, token: token)
        case .discovered(let issuer):
            let now = clock.now()
            if let cached = discovered.get(provider.id, now: now) { return UpstreamEndpoints(provider: provider, metadata: cached) }
            guard let url = UpstreamMetadata.metadataURL(forIssuer: issuer), let oidc = UpstreamMetadata.openIDConfigurationURL(forIssuer: issuer) else {
                throw .invalidResponse("the issuer is not a URL")
            }
            var response = try await send(.init(url: url, headers: [("Accept", "application/json")]))
            // No RFC 8414 document: try OpenID Connect Discovery, which many providers publish instead.
            if response.status == 404 { response = try await send(.init(url: oidc, headers: [("Accept", "application/json")])) }
            guard response.status == 200 else {
                throw response.status >= 500 ? .unavailable(status: response.status) : .rejected(code: nil, status: response.status)
            }
            let metadata: UpstreamMetadata
            do {
                metadata = try UpstreamMetadata(json: Data(response.body.readableBytesView), expectedIssuer: issuer)
            } catch {
                throw .invalidResponse("the metadata document: \(error)")
            }
            discovered.put(provider.id, metadata, now: now)
            return UpstreamEndpoints(provider: provider, metadata: metadata)
        }
    }

    /// RFC 6749 §4.1.3 with PKCE: the authorization code for tokens.
    public func exchange(
        code: String, verifier: String, redirectURI: String, provider: UpstreamProvider
    ) async throws(UpstreamFailure) -> UpstreamTokenResponse {
        let endpoints = try await endpoints(for: provider)
        let response = try await post(endpoints.token, provider: provider, form: [
            ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirectURI), ("code_verifier", verifier),
        ])
        return try UpstreamTokenResponse(status: response.status, body: Data(response.body.readableBytesView), requested: provider.scopes)
    }

    /// RFC 6749 §6: a refresh. `scopes` are those held, which an answer without `scope` keeps.
    public func refresh(_ refreshToken: String, scopes: [String], provider: UpstreamProvider) async throws(UpstreamFailure) -> UpstreamTokenResponse {
        let endpoints = try await endpoints(for: provider)
        let response = try await post(endpoints.token, provider: provider, form: [("grant_type", "refresh_token"), ("refresh_token", refreshToken)])
        return try UpstreamTokenResponse(status: response.status, body: Data(response.body.readableBytesView), requested: scopes)
    }

    /// RFC 7009: revokes `token` at the provider. `false` when the provider has no revocation endpoint.
    @discardableResult
    public func revoke(token: String, hint: VaultField, provider: UpstreamProvider) async throws(UpstreamFailure) -> Bool {
        let endpoints = try await endpoints(for: provider)
        guard let endpoint = endpoints.revocation else { return false }
        let response = try await post(endpoint, provider: provider, form: [("token", token), ("token_type_hint", hint.rawValue)])
        // §2.2: 200 whether or not the token was valid; §2.2.1: 503 means try later.
        guard response.status == 200 else {
            if response.status >= 500 { throw .unavailable(status: response.status) }
            throw .rejected(code: UpstreamTokenResponse.object(Data(response.body.readableBytesView)).flatMap { UpstreamErrorCode.token($0["error"]) },
                            status: response.status)
        }
        return true
    }

    /// The account label ("octocat") from the provider's userinfo endpoint, when it has one and names a field; `nil`
    /// on any failure — a label is never worth failing a connect for.
    public func account(accessToken: String, provider: UpstreamProvider) async -> String? {
        guard let field = provider.accountField, let endpoints = try? await endpoints(for: provider), let url = endpoints.userinfo,
              let response = try? await send(.init(url: url, headers: [("Accept", "application/json"), ("Authorization", "Bearer " + accessToken)])),
              response.status == 200, let object = UpstreamTokenResponse.object(Data(response.body.readableBytesView))
        else { return nil }
        switch object[field] {
        case .string(let text)?: return UpstreamValue.label(text)
        case .number(let number)? where number == number.rounded() && abs(number) < 1e15: return String(Int64(number))
        default: return nil
        }
    }

    /// A form POST to one of the provider's endpoints with Latchkey's client authentication (RFC 6749 §2.3.1).
    func post(_ url: String, provider: UpstreamProvider, form: [(String, String)]) async throws(UpstreamFailure) -> EgressClient.Response {
        var fields = form
        var headers = [("Accept", "application/json"), ("Content-Type", "application/x-www-form-urlencoded")]
        switch provider.authMethod {
        case .clientSecretBasic:
            // §2.3.1: id and secret are form-URL-encoded before they are joined and base64-encoded.
            let pair = FormEncoding.encode(provider.clientID) + ":" + FormEncoding.encode(secrets[provider.id] ?? "")
            headers.append(("Authorization", "Basic " + Data(pair.utf8).base64EncodedString()))
        case .clientSecretPost:
            fields += [("client_id", provider.clientID), ("client_secret", secrets[provider.id] ?? "")]
        case .none:
            fields.append(("client_id", provider.clientID))
        }
        return try await send(.init(method: .POST, url: url, headers: headers, body: ByteBuffer(string: FormEncoding.encode(fields))))
    }

    func send(_ request: EgressClient.Request) async throws(UpstreamFailure) -> EgressClient.Response {
        do {
            return try await egress.send(request)
        } catch let error as EgressError {
            throw .unreachable(error.description)
        } catch {
            throw .unreachable("the call failed")
        }
    }
}

/// Discovered metadata per provider, kept an hour. Failures are not kept: the next connect tries again.
public final class DiscoveryCache: Sendable {
    static let lifetime: Int64 = 3600
    let entries = Mutex<[String: (metadata: UpstreamMetadata, fetchedAt: Int64)]>([:])

    public init() {}

    func get(_ providerID: String, now: Int64) -> UpstreamMetadata? {
        entries.withLock { entries in
            guard let entry = entries[providerID], now - entry.fetchedAt < Self.lifetime else { return nil }
            return entry.metadata
        }
    }

    func put(_ providerID: String, _ metadata: UpstreamMetadata, now: Int64) {
        entries.withLock { $0[providerID] = (metadata, now) }
    }
}
