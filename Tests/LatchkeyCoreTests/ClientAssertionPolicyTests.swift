import Foundation
import LatchkeyCore
import Testing

/// RFC 7523 §3 claims and the header's algorithm, without signatures.
struct ClientAssertionPolicyTests {
    static let now: Int64 = 1_800_000_000
    static let policy = ClientAssertionPolicy(issuer: try! Issuer("https://as.example"))

    /// `changes` as JSON text, `null` removing a claim: test arguments must be Sendable.
    static func changes(_ json: String) -> [String: Any?] {
        let object = (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any] ?? [:]
        return object.mapValues { $0 is NSNull ? nil : $0 }
    }

    static func check(header: [String: Any] = ["alg": "ES256"], _ changes: [String: Any?] = [:]) throws -> Int64 {
        try policy.check(try ClientAssertionFixture.make(header: header, claims: ClientAssertionFixture.claims(now: now, changes)), now: now)
    }

    @Test("accepted: the replay record lasts until exp plus the leeway")
    func accepted() throws {
        #expect(try Self.check() == Self.now + 60 + ClientAssertionPolicy.leeway)
        #expect(try Self.check(["exp": Double(Self.now) + 60.9]) == Self.now + 60 + ClientAssertionPolicy.leeway)
    }

    @Test("aud: the issuer or the token endpoint, with or without a trailing slash, alone or among others", arguments: [
        "https://as.example", "https://as.example/", "https://as.example/token", "https://as.example/token/",
    ])
    func audiences(audience: String) throws {
        _ = try Self.check(["aud": audience])
        _ = try Self.check(["aud": ["https://other.example", audience]])
    }

    @Test("the boundaries: exp 300 s plus leeway ahead, exp leeway ago, nbf and iat leeway ahead")
    func boundaries() throws {
        let leeway = ClientAssertionPolicy.leeway
        _ = try Self.check(["exp": Self.now + ClientAssertionPolicy.maxLifetime + leeway])
        #expect(throws: OAuthError.self) { try Self.check(["exp": Self.now + ClientAssertionPolicy.maxLifetime + leeway + 1]) }
        _ = try Self.check(["exp": Self.now - leeway + 1])
        #expect(throws: OAuthError.self) { try Self.check(["exp": Self.now - leeway]) }
        _ = try Self.check(["nbf": Self.now + leeway, "iat": Self.now + leeway])
        #expect(throws: OAuthError.self) { try Self.check(["nbf": Self.now + leeway + 1]) }
        #expect(throws: OAuthError.self) { try Self.check(["iat": Self.now + leeway + 1]) }
    }

    @Test("refused, each as 401 invalid_client naming the rule", arguments: [
        ("none", "{}", "signed with 'none'"),
        ("HS256", "{}", "signed with 'HS256'"),
        ("PS256", "{}", "signed with 'PS256'"),
        ("ES256", #"{"aud":"https://evil.example"}"#, "aud must be"),
        ("ES256", #"{"aud":"https://as.example/introspect"}"#, "aud must be"),
        ("ES256", #"{"aud":null}"#, "aud must be"),
        ("ES256", #"{"exp":null}"#, "no exp"),
        ("ES256", #"{"exp":1799996400}"#, "expired"),
        ("ES256", #"{"exp":1800003600}"#, "more than 300 seconds"),
        ("ES256", #"{"nbf":1800003600}"#, "not valid yet"),
        ("ES256", #"{"iat":1800003600}"#, "issued in the future"),
        ("ES256", #"{"jti":null}"#, "jti"),
        ("ES256", #"{"jti":""}"#, "jti"),
        ("ES256", #"{"jti":"\#(String(repeating: "j", count: 257))"}"#, "jti"),
        ("ES256", #"{"iss":"other"}"#, "iss and sub"),
        ("ES256", #"{"iss":null}"#, "iss and sub"),
        ("ES256", #"{"sub":null}"#, "iss and sub"),
    ])
    func refused(alg: String, changes: String, message: String) {
        do {
            _ = try Self.check(header: ["alg": alg], Self.changes(changes))
            Issue.record("accepted")
        } catch let error as OAuthError {
            #expect(error.code == .invalidClient)
            #expect(error.httpStatus == 401)
            #expect(error.description.contains(message), "\(error.description)")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test("a crit header is refused: no JWS extension is implemented")
    func critical() {
        #expect(throws: OAuthError.self) { try Self.check(header: ["alg": "ES256", "crit": ["exp"]]) }
    }

    @Test("claims of the wrong JSON type are malformed, not coerced", arguments: [
        #"{"exp":"1800000060"}"#, #"{"aud":7}"#, #"{"aud":["https://as.example",7]}"#, #"{"iss":1}"#, #"{"jti":["a"]}"#, #"{"exp":1e300}"#,
    ])
    func wrongTypes(claims: String) {
        #expect(throws: OAuthError.self) {
            _ = try ClientAssertionFixture.make(claims: ClientAssertionFixture.claims(now: Self.now, Self.changes(claims)))
        }
    }

    @Test("the parse is bounded: more than 8 KiB is refused before decoding, and so is deep nesting")
    func bounded() {
        let long = String(repeating: "a", count: ClientAssertion.maxBytes + 1)
        #expect(throws: OAuthError.self) { try ClientAssertion(long) }
        let deep = Base64URL.encode(Data(("{\"alg\":" + String(repeating: "[", count: 10) + String(repeating: "]", count: 10) + "}").utf8))
        #expect(throws: OAuthError.self) { try ClientAssertion(deep + ".e30.c2ln") }
    }

    @Test("the signing input is the first two parts exactly as sent")
    func signingInput() throws {
        let compact = ClientAssertionFixture.compact(claims: ["sub": "w"], signature: "c2ln")
        let assertion = try ClientAssertion(compact)
        #expect(String(decoding: assertion.signingInput, as: UTF8.self) + ".c2ln" == compact)
        #expect(assertion.signature == Data("sig".utf8))
    }
}
