import LatchkeyCore
import LatchkeyCrypto
import Logging

/// The I/O half of `private_key_jwt` (RFC 7523 §3): the client's keys, the signature, the single use of the `jti`.
/// The claims were checked by `ClientAssertionPolicy` before the client was looked up.
struct ClientAssertionVerifier: Sendable {
    let keys: ClientKeyCache
    let jtis: any ClientAssertionJTIStore
    let hasher: SecretHasher
    let events: SecurityLog
    let logger: Logger
    let clock: UnixClock

    static let replayed = OAuthError(.invalidClient, "client_assertion has already been used; sign a new one with a new jti", httpStatus: 401)

    /// Whether `client` signed `assertion`, recording its `jti` until `replayUntil`. A replay throws; every other
    /// failure is the one `ClientAuthentication.failure`, with the reason in the log only.
    func verify(_ assertion: ClientAssertion, of client: RegisteredClient, replayUntil: Int64) async throws -> Bool {
        let header = assertion.header
        let set: ClientJWKSet
        do {
            set = try await keys.keys(for: client.metadata, kid: header.kid)
        } catch {
            logger.notice("client keys unavailable", metadata: ["client_id": "\(client.clientID)", "reason": "\(error)"])
            throw ClientAuthentication.failure.with(debug: "keys unavailable: \(error)")
        }
        guard case .key(let key) = set.key(alg: header.alg, kid: header.kid) else {
            throw ClientAuthentication.failure.with(debug: "no registered key fits alg \(header.alg) and kid \(header.kid ?? "-")")
        }
        guard await ClientAssertionSignature.verify(assertion, with: key) else {
            throw ClientAuthentication.failure.with(debug: "the assertion's signature does not verify")
        }
        // Only after the signature: nobody but the client can spend its jtis.
        let jti = assertion.claims.tokenID ?? ""
        // The claims were checked before the key lookup, which may have fetched for seconds: an assertion whose replay
        // window has ended meanwhile is refused here, or its jti's record (ending at the same instant) could be taken
        // over by the replay itself.
        let now = clock.now()
        guard replayUntil > now else { throw ClientAuthentication.failure.with(debug: "the assertion expired during verification") }
        guard try await jtis.recordUse(jtiHash: hasher.hash(jti), clientID: client.clientID, expiresAt: replayUntil, now: now) else {
            events.record(.clientAssertionReplayed(clientID: client.clientID))
            throw Self.replayed
        }
        return true
    }
}
