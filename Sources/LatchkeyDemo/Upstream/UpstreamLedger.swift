import Foundation
import LatchkeyCore

/// The fake upstream's grants, I/O-free: codes, refresh-token families and access tokens. `FakeUpstream` keeps one
/// behind its mutex and hands every method the time and fresh random values.
struct UpstreamLedger: Sendable {
    /// RFC 6749 §4.1.2: a code lives at most ten minutes; this one a minute.
    static let codeLifetime: TimeInterval = 60

    struct Code: Sendable {
        var clientID: String
        var redirectURI: String
        var challenge: String
        var scope: String
        var issuedAt: Date
        /// The family its redemption started, once redeemed.
        var family: String?
    }

    /// One authorization's refresh tokens: `current` is the only one that refreshes; the rest were rotated away.
    struct Family: Sendable {
        var clientID: String
        var scope: String
        var current: String
        var refreshTokens: [String]
        var accessTokens: [String]
        var revoked = false
    }

    struct AccessToken: Sendable {
        var family: String
        var scope: String
        var expiresAt: Date
        var revoked = false
    }

    /// What a successful `/token` call issued.
    struct Issued: Sendable, Equatable {
        var accessToken: String
        var refreshToken: String
        var scope: String
    }

    private(set) var codes: [String: Code] = [:]
    private(set) var families: [String: Family] = [:]
    /// Every refresh token ever issued, rotated ones too → its family.
    private(set) var refreshTokens: [String: String] = [:]
    private(set) var accessTokens: [String: AccessToken] = [:]
    /// Refresh tokens in the order they were issued.
    private(set) var issuedRefreshTokens: [String] = []

    mutating func addCode(_ code: String, _ record: Code) {
        codes[code] = record
    }

    /// Redeems a code (RFC 6749 §4.1.3, RFC 7636 §4.6). A code is single use: a second redemption is refused and
    /// revokes what the first one issued (§4.1.2). `challenge` is the S256 of the `code_verifier` presented.
    mutating func redeem(
        code: String, clientID: String, redirectURI: String?, challenge: String, now: Date, accessTokenLifetime: TimeInterval,
        newTokens: (access: String, refresh: String, family: String)
    ) -> Result<Issued, OAuthError> {
        guard let record = codes[code], record.clientID == clientID else { return .failure(Self.invalidGrant("The code is unknown")) }
        if let family = record.family {
            revokeFamily(family)
            return .failure(Self.invalidGrant("The code was already used; the tokens it issued are revoked"))
        }
        guard now.timeIntervalSince(record.issuedAt) < Self.codeLifetime else { return .failure(Self.invalidGrant("The code expired")) }
        guard redirectURI == record.redirectURI else { return .failure(Self.invalidGrant("redirect_uri does not match the authorization request")) }
        guard challenge == record.challenge else { return .failure(Self.invalidGrant("code_verifier does not match the code_challenge")) }
        codes[code]?.family = newTokens.family
        families[newTokens.family] = Family(
            clientID: clientID, scope: record.scope, current: newTokens.refresh, refreshTokens: [newTokens.refresh], accessTokens: []
        )
        refreshTokens[newTokens.refresh] = newTokens.family
        issuedRefreshTokens.append(newTokens.refresh)
        addAccessToken(newTokens.access, family: newTokens.family, scope: record.scope, expiresAt: now + accessTokenLifetime)
        return .success(Issued(accessToken: newTokens.access, refreshToken: newTokens.refresh, scope: record.scope))
    }

    /// Refreshes with rotation (OAuth 2.1 §4.3.1): the presented token must be its family's current one and is
    /// replaced. A rotated token presented again means it leaked, so the whole family is revoked. `scope`, when
    /// sent, must be within the original grant and narrows only the new access token (RFC 6749 §6).
    mutating func refresh(
        token: String, clientID: String, scope requested: String?, now: Date, accessTokenLifetime: TimeInterval,
        newTokens: (access: String, refresh: String)
    ) -> Result<Issued, OAuthError> {
        guard let familyID = refreshTokens[token], let family = families[familyID], family.clientID == clientID else {
            return .failure(Self.invalidGrant("The refresh token is unknown"))
        }
        guard !family.revoked else { return .failure(Self.invalidGrant("The refresh token was revoked")) }
        guard token == family.current else {
            revokeFamily(familyID)
            return .failure(Self.invalidGrant("The refresh token was already used; every token of its grant is revoked"))
        }
        var scope = family.scope
        if let requested {
            let granted = Set(family.scope.split(separator: " "))
            guard Set(requested.split(separator: " ")).isSubset(of: granted) else {
                return .failure(OAuthError(.invalidScope, "The scope exceeds what was granted"))
            }
            scope = requested
        }
        families[familyID]?.current = newTokens.refresh
        families[familyID]?.refreshTokens.append(newTokens.refresh)
        refreshTokens[newTokens.refresh] = familyID
        issuedRefreshTokens.append(newTokens.refresh)
        addAccessToken(newTokens.access, family: familyID, scope: scope, expiresAt: now + accessTokenLifetime)
        return .success(Issued(accessToken: newTokens.access, refreshToken: newTokens.refresh, scope: scope))
    }

    /// RFC 7009 §2.1: a refresh token revokes its grant (every refresh and access token of the family); an access
    /// token only itself. Unknown tokens are ignored.
    mutating func revoke(_ token: String) {
        if let family = refreshTokens[token] {
            revokeFamily(family)
        } else if accessTokens[token] != nil {
            accessTokens[token]?.revoked = true
        }
    }

    /// Every access token issued so far expires at `now`.
    mutating func expireAccessTokens(now: Date) {
        for (token, record) in accessTokens where record.expiresAt > now { accessTokens[token]?.expiresAt = now }
    }

    /// Whether `token` is an access token this fake issued that is neither expired nor revoked.
    func isValidAccessToken(_ token: String, now: Date) -> Bool {
        guard let record = accessTokens[token] else { return false }
        return !record.revoked && now < record.expiresAt
    }

    /// Whether `token` (refresh or access) has been revoked, by `/revoke` or by reuse detection.
    func isRevoked(_ token: String) -> Bool {
        if let family = refreshTokens[token] { return families[family]?.revoked ?? false }
        return accessTokens[token]?.revoked ?? false
    }

    private mutating func addAccessToken(_ token: String, family: String, scope: String, expiresAt: Date) {
        accessTokens[token] = AccessToken(family: family, scope: scope, expiresAt: expiresAt)
        families[family]?.accessTokens.append(token)
    }

    private mutating func revokeFamily(_ id: String) {
        guard let family = families[id] else { return }
        families[id]?.revoked = true
        for token in family.accessTokens { accessTokens[token]?.revoked = true }
    }

    static func invalidGrant(_ description: String) -> OAuthError { OAuthError(.invalidGrant, description) }
}
