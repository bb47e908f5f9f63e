import Foundation
import Hummingbird
import LatchkeyCore
import LatchkeyCrypto

/// Browser sessions behind a cookie: server-side rows keyed by the HMAC of the cookie value, so a database dump
/// cannot be replayed as a cookie and any instance can serve any session.
///
/// Cookies are `HttpOnly`, `SameSite=Lax`, `Path=/`; on an https issuer also `Secure` with the `__Host-` prefix,
/// which forbids a `Domain` attribute and so keeps sibling subdomains from planting a session.
struct BrowserSessions: Sendable {
    let store: any SessionStore
    let users: any UserStore
    let hasher: SecretHasher
    let policy: SessionPolicy
    let secureCookies: Bool
    let clock: UnixClock

    var sessionCookieName: String { secureCookies ? "__Host-latchkey-session" : "latchkey-session" }
    var loginCookieName: String { secureCookies ? "__Host-latchkey-login" : "latchkey-login" }

    /// The logged-in user of this request, if the session is active and the user may still sign in.
    func current(_ request: Request) async throws -> SignedIn? {
        guard let value = request.cookies[sessionCookieName]?.value, Self.isPlausible(value) else { return nil }
        let time = clock.now()
        guard let session = try await store.session(idHash: hasher.hash(value)), policy.isActive(session, now: time),
              let user = try await users.user(id: session.userID), !user.disabled
        else { return nil }
        if policy.needsTouch(session, now: time) {
            try await store.touch(idHash: session.idHash, now: time)
        }
        return SignedIn(session: session, user: user)
    }

    /// Starts a session for `user` after a successful login. Any session the browser had is deleted first, so a
    /// session id planted before login never becomes an authenticated one (session fixation).
    func start(user: User, replacing request: Request) async throws -> Cookie {
        if let old = request.cookies[sessionCookieName]?.value, Self.isPlausible(old) {
            try await store.delete(idHash: hasher.hash(old))
        }
        let value = RandomToken.generate(bytes: 32)
        let time = clock.now()
        try await store.create(BrowserSession(
            idHash: hasher.hash(value), userID: user.id, authTime: time, createdAt: time, lastSeenAt: time,
            expiresAt: time + policy.absoluteLifetime
        ))
        return cookie(sessionCookieName, value, maxAge: Int(policy.absoluteLifetime))
    }

    /// Ends the browser's session; returns the cookie that clears it.
    func end(_ request: Request) async throws -> Cookie {
        if let value = request.cookies[sessionCookieName]?.value, Self.isPlausible(value) {
            try await store.delete(idHash: hasher.hash(value))
        }
        return cookie(sessionCookieName, "", maxAge: 0)
    }

    /// The anti-CSRF token of forms shown to a logged-in user: derived from the session, so it needs no storage
    /// and dies with the session.
    func csrfToken(for session: BrowserSession) -> String {
        hasher.hash("csrf-session:" + session.idHash)
    }

    /// Binds a consent form to what it showed: the request's fingerprint and whether a refresh token comes with it.
    func consentBinding(_ request: AuthorizationRequest, session: BrowserSession) -> String {
        hasher.hash("consent:" + session.idHash + "\u{1F}" + request.fingerprint + "\u{1F}" + (request.offlineAccess ? "1" : "0"))
    }

    func checkCSRF(_ token: String?, session: BrowserSession) -> Bool {
        guard let token else { return false }
        return ConstantTime.equals(token, csrfToken(for: session))
    }

    /// The login form's anti-CSRF pair (login CSRF would sign a victim into the attacker's account): a random
    /// cookie, and a form token derived from it. Reuses the browser's cookie when it has one.
    func loginCSRF(_ request: Request) -> (token: String, cookie: Cookie?) {
        if let value = request.cookies[loginCookieName]?.value, Self.isPlausible(value) {
            return (hasher.hash("csrf-login:" + value), nil)
        }
        let value = RandomToken.generate(bytes: 32)
        return (hasher.hash("csrf-login:" + value), cookie(loginCookieName, value, maxAge: 3600))
    }

    func checkLoginCSRF(_ token: String?, request: Request) -> Bool {
        guard let token, let value = request.cookies[loginCookieName]?.value, Self.isPlausible(value) else { return false }
        return ConstantTime.equals(token, hasher.hash("csrf-login:" + value))
    }

    func cookie(_ name: String, _ value: String, maxAge: Int) -> Cookie {
        Cookie(name: name, value: value, maxAge: maxAge, path: "/", secure: secureCookies, httpOnly: true, sameSite: .lax)
    }

    /// Our cookie values are 43 base64url characters; anything else is not worth a database lookup.
    static func isPlausible(_ value: String) -> Bool {
        Base64URL.looks32Bytes(value)
    }
}
