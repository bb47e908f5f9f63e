import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LatchkeyCore
import LatchkeyServer
import LatchkeyTestSupport
import Testing

/// `private_key_jwt` (RFC 7523 §2.2): registration with keys, assertions at `/token`, `/introspect` and `/revoke`,
/// every refusal, `jti` replay on one runtime and across two, keys behind a `jwks_uri`.
struct PrivateKeyJWTTests {
    static let issuer = "http://127.0.0.1:8080"
    static let assertionType = "urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer"

    /// Registers a machine client by DCR with these keys; returns its id.
    static func register(_ client: any TestClientProtocol, jwks: String? = nil, jwksURI: String? = nil) async throws -> String {
        var fields = [#""grant_types":["client_credentials"]"#, #""token_endpoint_auth_method":"private_key_jwt""#, #""scope":"mcp:tools""#]
        if let jwks { fields.append(#""jwks":\#(jwks)"#) }
        if let jwksURI { fields.append(#""jwks_uri":"\#(jwksURI)""#) }
        let response = try await client.register("{" + fields.joined(separator: ",") + "}")
        #expect(response.status == .created, "\(response.text)")
        #expect(response.json["client_secret"] == nil)
        #expect(response.json["client_secret_expires_at"] == nil)
        return try #require(response.json["client_id"] as? String)
    }

    static func form(_ assertion: String, _ body: String = "grant_type=client_credentials") -> String {
        body + "&client_assertion_type=\(assertionType)&client_assertion=\(assertion)"
    }

    static func token(_ client: any TestClientProtocol, _ assertion: String) async throws -> TestResponse {
        try await OAuthTest.post(client, "/token", form(assertion))
    }

    static func expectInvalidClient(_ response: TestResponse, _ comment: Comment? = nil, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(response.status == .unauthorized, comment, sourceLocation: sourceLocation)
        #expect(response.json["error"] as? String == "invalid_client", comment, sourceLocation: sourceLocation)
        #expect(response.headers[.cacheControl] == "no-store", sourceLocation: sourceLocation)
    }

    @Test("a machine client with no secret anywhere gets a token with an ES256, RS256 or EdDSA assertion (SEP-1046)", arguments: ClientKeyFixture.Algorithm.allCases)
    func succeeds(algorithm: ClientKeyFixture.Algorithm) async throws {
        let app = TestApp()
        defer { app.removeFiles() }
        try await app.test { client, runtime in
            let key = ClientKeyFixture(algorithm)
            let id = try await Self.register(client, jwks: key.jwks)
            let stored = try #require(try await runtime.clients.client(id: id))
            #expect(stored.secretHash == nil)
            #expect(stored.metadata.tokenEndpointAuthMethod == .privateKeyJWT)
            let response = try await Self.token(client, key.sign(ClientKeyFixture.claims(clientID: id, audience: Self.issuer, now: runtime.clock.now())))
            #expect(response.status == .ok, "\(response.text)")
            let claims = OAuthTest.claims(try #require(response.json["access_token"] as? String))
            #expect(claims["sub"] as? String == id)
            #expect(claims["client_id"] as? String == id)
        }
    }

    @Test("aud may be the issuer or the token endpoint, with or without a trailing slash, alone or in an array")
    func audiences() async throws {
        let app = TestApp()
        defer { app.removeFiles() }
        try await app.test { client, runtime in
            let key = ClientKeyFixture(.es256, kid: nil)
            let id = try await Self.register(client, jwks: key.jwks)
            let audiences: [Any] = [Self.issuer, Self.issuer + "/", Self.issuer + "/token", Self.issuer + "/token/", ["https://other.example", Self.issuer]]
            for audience in audiences {
                var claims = ClientKeyFixture.claims(clientID: id, audience: "", now: runtime.clock.now())
                claims["aud"] = audience
                let response = try await Self.token(client, key.sign(claims))
                #expect(response.status == .ok, "aud \(audience): \(response.text)")
            }
        }
    }

    /// Assertions that must be refused, each made for client `id` at `now` with `key` (registered) or `other` (another
    /// client's key, registered under the same `kid`).
    enum Refusal: String, CaseIterable, Sendable {
        case algNone = "alg none"
        case hs256 = "alg HS256, keyed with the public key's x"
        case algOfAnotherKeyType = "alg RS256 named over an EC key"
        case critical = "a crit header"
        case wrongAudience = "wrong aud"
        case introspectionAudience = "aud the introspection endpoint"
        case expired = "expired"
        case noExpiry = "no exp"
        case tooLong = "exp an hour ahead"
        case notYetValid = "nbf in a minute"
        case issuedInFuture = "iat in a minute"
        case noTokenID = "no jti"
        case issuerNotSubject = "iss is not sub"
        case noSubject = "no sub"
        case unknownKeyID = "an unknown kid"
        case anotherClientsKey = "signed by another client's key with the same kid"
        case tampered = "a tampered payload"
        case oversized = "more than 8 KiB"
        case notAJWT = "not a JWT"

        func assertion(id: String, now: Int64, key: ClientKeyFixture, other: ClientKeyFixture) -> String {
            func claims(_ changes: [String: Any?] = [:], audience: String = issuer) -> [String: Any] {
                ClientKeyFixture.claims(clientID: id, audience: audience, now: now, changes: changes)
            }
            switch self {
            case .algNone: return ClientKeyFixture.forged(claims(), alg: "none")
            case .hs256: return ClientKeyFixture.forged(claims(), alg: "HS256", secret: Data((key.jwk["x"] ?? "").utf8))
            case .algOfAnotherKeyType: return key.sign(claims(), header: ["alg": "RS256"])
            case .critical: return key.sign(claims(), header: ["crit": ["b64"], "b64": false])
            case .wrongAudience: return key.sign(claims(audience: "https://evil.example/token"))
            case .introspectionAudience: return key.sign(claims(audience: issuer + "/introspect"))
            case .expired: return key.sign(claims(["exp": now - 31, "iat": now - 200]))
            case .noExpiry: return key.sign(claims(["exp": nil]))
            case .tooLong: return key.sign(claims(["exp": now + 3600]))
            case .notYetValid: return key.sign(claims(["nbf": now + 60]))
            case .issuedInFuture: return key.sign(claims(["iat": now + 60]))
            case .noTokenID: return key.sign(claims(["jti": nil]))
            case .issuerNotSubject: return key.sign(claims(["iss": "someone-else"]))
            case .noSubject: return key.sign(claims(["sub": nil]))
            case .unknownKeyID: return key.sign(claims(), header: ["kid": "not-registered"])
            case .anotherClientsKey: return other.sign(claims())
            case .tampered:
                let parts = key.sign(claims()).split(separator: ".").map(String.init)
                let payload = ClientKeyFixture.forged(claims(["scope": "x"]), alg: "none").split(separator: ".")[1]
                return parts[0] + "." + payload + "." + parts[2]
            case .oversized: return key.sign(claims(["pad": String(repeating: "a", count: 8192)]))
            case .notAJWT: return "not.a-jwt"
            }
        }
    }

    @Test("every refusal is 401 invalid_client with no-store", arguments: Refusal.allCases)
    func refused(refusal: Refusal) async throws {
        let app = TestApp()
        defer { app.removeFiles() }
        try await app.test { client, runtime in
            let key = ClientKeyFixture(.es256)
            let other = ClientKeyFixture(.es256)
            let id = try await Self.register(client, jwks: key.jwks)
            _ = try await Self.register(client, jwks: other.jwks)
            let assertion = refusal.assertion(id: id, now: runtime.clock.now(), key: key, other: other)
            Self.expectInvalidClient(try await Self.token(client, assertion), "\(refusal.rawValue)")
            // The registered key itself still works: the refusal was about the assertion.
            let good = try await Self.token(client, key.sign(ClientKeyFixture.claims(clientID: id, audience: Self.issuer, now: runtime.clock.now())))
            #expect(good.status == .ok)
        }
    }

    @Test("an assertion is single use: the replay is invalid_client and logged, a new jti works")
    func replay() async throws {
        var app = TestApp()
        let logs = LogRecorder()
        app.logs = logs
        defer { app.removeFiles() }
        try await app.test { client, runtime in
            let key = ClientKeyFixture(.eddsa)
            let id = try await Self.register(client, jwks: key.jwks)
            let assertion = key.sign(ClientKeyFixture.claims(clientID: id, audience: Self.issuer, now: runtime.clock.now()))
            #expect(try await Self.token(client, assertion).status == .ok)
            let again = try await Self.token(client, assertion)
            Self.expectInvalidClient(again)
            #expect((again.json["error_description"] as? String)?.contains("already been used") == true)
            #expect(logs.entry(event: "oauth.client_assertion.replayed")?.metadata["client_id"] == id)
            // Also at another endpoint: one jti, one use.
            let introspect = try await OAuthTest.post(client, "/introspect", Self.form(assertion, "token=x"))
            Self.expectInvalidClient(introspect)
            let fresh = key.sign(ClientKeyFixture.claims(clientID: id, audience: Self.issuer, now: runtime.clock.now()))
            #expect(try await Self.token(client, fresh).status == .ok)
        }
    }

    @Test("a jti used on one instance is refused on another sharing the store")
    func replayAcrossInstances() async throws {
        let first = TestApp()
        let second = TestApp(directory: first.directory)
        defer { first.removeFiles() }
        try await first.test { one, runtime in
            let key = ClientKeyFixture(.es256)
            let id = try await Self.register(one, jwks: key.jwks)
            let assertion = key.sign(ClientKeyFixture.claims(clientID: id, audience: Self.issuer, now: runtime.clock.now()))
            let elsewhere = try await second.test { two, _ in try await Self.token(two, assertion).status }
            #expect(elsewhere == .ok)
            Self.expectInvalidClient(try await Self.token(one, assertion))
        }
    }

    @Test("a jti is remembered until its assertion would expire, then its record is pruned and taken over")
    func replayWindow() async throws {
        let clock = TestClock()
        var app = TestApp()
        app.clock = clock.unix
        defer { app.removeFiles() }
        try await app.test { client, runtime in
            let key = ClientKeyFixture(.es256)
            let id = try await Self.register(client, jwks: key.jwks)
            let start = runtime.clock.now()
            let assertion = key.sign(ClientKeyFixture.claims(clientID: id, audience: Self.issuer, now: start, jti: "fixed"))
            #expect(try await Self.token(client, assertion).status == .ok)
            clock.advance(100)
            Self.expectInvalidClient(try await Self.token(client, assertion))
            // After exp + leeway the same jti in a new assertion is a new credential, not a replay.
            clock.advance(60)
            let later = key.sign(ClientKeyFixture.claims(clientID: id, audience: Self.issuer, now: runtime.clock.now(), jti: "fixed"))
            #expect(try await Self.token(client, later).status == .ok)
            clock.advance(200)
            #expect(try await runtime.clientAssertionJTIs.prune(now: runtime.clock.now(), limit: 10) == 0)  // within the skew margin
            clock.advance(300)
            #expect(try await runtime.clientAssertionJTIs.prune(now: runtime.clock.now(), limit: 10) == 1)
        }
    }

    @Test("an assertion with a secret or Basic is invalid_request; another assertion type or a different client_id is invalid_client")
    func mixedMethods() async throws {
        let app = TestApp()
        defer { app.removeFiles() }
        try await app.test { client, runtime in
            let key = ClientKeyFixture(.es256)
            let id = try await Self.register(client, jwks: key.jwks)
            let worker = try await OAuthTest.registerWorker(client)
            let assertion = key.sign(ClientKeyFixture.claims(clientID: id, audience: Self.issuer, now: runtime.clock.now()))
            let withSecret = try await OAuthTest.post(client, "/token", Self.form(assertion) + "&client_secret=\(worker.secret)")
            #expect(withSecret.status == .badRequest)
            #expect(withSecret.json["error"] as? String == "invalid_request")
            let withBasic = try await OAuthTest.post(client, "/token", Self.form(assertion), authorization: worker.basic)
            #expect(withBasic.json["error"] as? String == "invalid_request")
            let repeated = try await OAuthTest.post(client, "/token", Self.form(assertion) + "&client_assertion=\(assertion)")
            #expect(repeated.json["error"] as? String == "invalid_request")
            let onlyType = try await OAuthTest.post(client, "/token", "grant_type=client_credentials&client_assertion_type=\(Self.assertionType)")
            #expect(onlyType.json["error"] as? String == "invalid_request")
            Self.expectInvalidClient(try await OAuthTest.post(
                client, "/token", "grant_type=client_credentials&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Asaml2-bearer&client_assertion=\(assertion)"
            ))
            Self.expectInvalidClient(try await OAuthTest.post(client, "/token", Self.form(assertion) + "&client_id=\(worker.id)"))
            // None of these spent the jti.
            #expect(try await OAuthTest.post(client, "/token", Self.form(assertion) + "&client_id=\(id)").status == .ok)
            // A secret client cannot switch to an assertion, nor a private_key_jwt client to a (never issued) secret.
            Self.expectInvalidClient(try await Self.token(client, key.sign(ClientKeyFixture.claims(clientID: worker.id, audience: Self.issuer, now: runtime.clock.now()))))
        }
    }

    @Test("introspection and revocation authenticate by assertion too; an operator-added client gets no secret")
    func introspectAndRevoke() async throws {
        let app = TestApp()
        defer { app.removeFiles() }
        try await app.test { client, runtime in
            let introspectorKey = ClientKeyFixture(.rs256)
            let added = try await runtime.addClient(
                .object([
                    "client_name": .string("introspector"), "grant_types": .array([.string("client_credentials")]),
                    "jwks": try JSONDecoder().decode(JSONValue.self, from: Data(introspectorKey.jwks.utf8)),
                ]),
                clientID: "introspector"
            )
            #expect(added.clientSecret == nil)
            #expect(added.metadata.tokenEndpointAuthMethod == .privateKeyJWT)
            let machineKey = ClientKeyFixture(.eddsa)
            let machine = try await Self.register(client, jwks: machineKey.jwks)
            func assertion(_ key: ClientKeyFixture, _ id: String) -> String {
                key.sign(ClientKeyFixture.claims(clientID: id, audience: Self.issuer + "/token", now: runtime.clock.now()))
            }
            let token = try #require(try await Self.token(client, assertion(machineKey, machine)).json["access_token"] as? String)
            let active = try await OAuthTest.post(client, "/introspect", Self.form(assertion(introspectorKey, "introspector"), "token=\(token)"))
            #expect(active.json["active"] as? Bool == true, "\(active.text)")
            let revoke = try await OAuthTest.post(client, "/revoke", Self.form(assertion(machineKey, machine), "token=\(token)"))
            #expect(revoke.status == .ok)
            let inactive = try await OAuthTest.post(client, "/introspect", Self.form(assertion(introspectorKey, "introspector"), "token=\(token)"))
            #expect(inactive.json["active"] as? Bool == false)
        }
    }

    static let badRegistrations: [(String, String)] = [
        ("a private member d", #"{"keys":[{"kty":"EC","crv":"P-256","x":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","y":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","d":"AAAA"}]}"#),
        ("a symmetric key", #"{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}"#),
        ("a point off the curve", #"{"keys":[{"kty":"EC","crv":"P-256","x":"AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","y":"AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}]}"#),
        ("an empty set", #"{"keys":[]}"#),
        ("not a set", #"[1]"#),
    ]

    @Test("registration refuses unusable or private keys, both jwks and jwks_uri, and keys without private_key_jwt")
    func registrationRefusals() async throws {
        let app = TestApp()
        defer { app.removeFiles() }
        try await app.test { client, _ in
            let key = ClientKeyFixture(.es256)
            let cases: [(String, String)] = Self.badRegistrations.map { name, jwks in
                (name, #"{"grant_types":["client_credentials"],"token_endpoint_auth_method":"private_key_jwt","jwks":\#(jwks)}"#)
            } + [
                ("both jwks and jwks_uri", #"{"grant_types":["client_credentials"],"jwks":\#(key.jwks),"jwks_uri":"https://keys.example/jwks.json"}"#),
                ("private_key_jwt without keys", #"{"grant_types":["client_credentials"],"token_endpoint_auth_method":"private_key_jwt"}"#),
                ("jwks with a secret method", #"{"grant_types":["client_credentials"],"token_endpoint_auth_method":"client_secret_basic","jwks":\#(key.jwks)}"#),
                ("an http jwks_uri", #"{"grant_types":["client_credentials"],"jwks_uri":"http://keys.example/jwks.json"}"#),
                ("an http loopback jwks_uri without egress-allow-loopback", #"{"grant_types":["client_credentials"],"jwks_uri":"http://127.0.0.1:9/jwks.json"}"#),
            ]
            for (name, body) in cases {
                let response = try await client.register(body)
                #expect(response.status == .badRequest, "\(name): \(response.text)")
                #expect(response.json["error"] as? String == "invalid_client_metadata", "\(name)")
            }
        }
    }

    @Test("keys behind a jwks_uri (loopback under egress-allow-loopback) are fetched once, and again for a new kid")
    func jwksURI() async throws {
        let clock = TestClock()
        var app = TestApp(["egress-allow-loopback": "true"])
        app.clock = clock.unix
        defer { app.removeFiles() }
        let first = ClientKeyFixture(.es256, kid: "2026-01")
        let server = DocumentServer()
        server.serve("/jwks.json", .init(body: first.jwks))
        try await server.run {
            try await app.test { client, runtime in
                let id = try await Self.register(client, jwksURI: server.url("/jwks.json"))
                func assertion(_ key: ClientKeyFixture) -> String {
                    key.sign(ClientKeyFixture.claims(clientID: id, audience: Self.issuer, now: runtime.clock.now()))
                }
                #expect(try await Self.token(client, assertion(first)).status == .ok)
                #expect(try await Self.token(client, assertion(first)).status == .ok)
                #expect(server.requests("/jwks.json").count == 1)
                // The client rotates: the new kid is fetched at once (the first fetch was long enough ago)…
                let second = ClientKeyFixture(.rs256, kid: "2026-02")
                server.serve("/jwks.json", .init(body: ClientKeyFixture.jwks([second])))
                clock.advance(31)
                #expect(try await Self.token(client, assertion(second)).status == .ok)
                #expect(server.requests("/jwks.json").count == 2)
                // …the old key is gone from the document, and from the cache with it.
                Self.expectInvalidClient(try await Self.token(client, assertion(first)))
                // Unknown kids do not make Latchkey fetch on every request.
                let stranger = ClientKeyFixture(.es256, kid: "2026-03")
                Self.expectInvalidClient(try await Self.token(client, assertion(stranger)))
                Self.expectInvalidClient(try await Self.token(client, assertion(stranger)))
                #expect(server.requests("/jwks.json").count == 2)
                // After ten minutes the set is fetched again.
                clock.advance(600)
                #expect(try await Self.token(client, assertion(second)).status == .ok)
                #expect(server.requests("/jwks.json").count == 3)
            }
        }
    }
}
