import Foundation
import LatchkeyCore
import Testing

struct ClientCredentialsTests {
    static func basicHeader(_ id: String, _ secret: String) -> String {
        "Basic " + Data("\(id):\(secret)".utf8).base64EncodedString()
    }

    @Test("reads Basic credentials, form-URL-decoding both halves (RFC 6749 §2.3.1)")
    func basic() throws {
        let credentials = try ClientCredentials(authorization: Self.basicHeader("my%20client", "s%3Acret+x"), form: FormParameters())
        #expect(credentials == .basic(clientID: "my client", secret: "s:cret x"))
        #expect(credentials.method == .clientSecretBasic)
    }

    @Test("Basic halves that are not valid form-encoding are failed client authentication (401), not a bad request")
    func badBasicEncoding() {
        #expect(throws: OAuthError(.invalidClient, "The Basic credentials are not valid form-encoding", httpStatus: 401)) {
            try ClientCredentials(authorization: Self.basicHeader("%ZZ", "x"), form: FormParameters())
        }
    }

    @Test("reads client_secret_post and public clients from the body")
    func body() throws {
        #expect(try ClientCredentials(authorization: nil, form: FormParameters(["client_id": "c", "client_secret": "s"])) == .post(clientID: "c", secret: "s"))
        #expect(try ClientCredentials(authorization: nil, form: FormParameters(["client_id": "c"])) == .none(clientID: "c"))
    }

    @Test("a matching client_id in the body alongside Basic is allowed")
    func matchingBodyID() throws {
        let credentials = try ClientCredentials(authorization: Self.basicHeader("c", "s"), form: FormParameters(["client_id": "c"]))
        #expect(credentials.clientID == "c")
    }

    @Test("refuses two methods at once, mismatched ids, malformed headers and anonymous requests", arguments: [
        (basicHeader("c", "s"), ["client_secret": "s"], "invalid_request"),
        (basicHeader("c", "s"), ["client_id": "other"], "invalid_request"),
        ("Bearer abc", [:], "invalid_client"),
        ("Basic !!!notbase64", [:], "invalid_client"),
        ("Basic " + Data("no-colon".utf8).base64EncodedString(), [:], "invalid_client"),
        ("Basic " + Data(":secret".utf8).base64EncodedString(), [:], "invalid_client"),
        (nil, [:], "invalid_client"),
        (nil, ["client_secret": "s"], "invalid_client"),
    ] as [(String?, [String: String], String)])
    func refuses(authorization: String?, form: [String: String], error: String) {
        Self.expectRefusal(authorization: authorization, form: form, error: error)
    }

    static func expectRefusal(authorization: String?, form: [String: String], error: String) {
        do {
            _ = try ClientCredentials(authorization: authorization, form: FormParameters(form))
            Issue.record("accepted")
        } catch let failure as OAuthError {
            #expect(failure.code.rawValue == error)
            if error == "invalid_client" { #expect(failure.httpStatus == 401) }
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    static let jwtBearer = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    static let assertion = ClientAssertionFixture.compact(claims: ["iss": "worker", "sub": "worker", "jti": "1"])

    @Test("reads a jwt-bearer client assertion; the client is its sub, a matching client_id may come along (RFC 7523 §2.2)")
    func readsAssertion() throws {
        for form in [["client_assertion_type": Self.jwtBearer, "client_assertion": Self.assertion],
                     ["client_assertion_type": Self.jwtBearer, "client_assertion": Self.assertion, "client_id": "worker"]] {
            let credentials = try ClientCredentials(authorization: nil, form: FormParameters(form))
            #expect(credentials.clientID == "worker")
            #expect(credentials.method == .privateKeyJWT)
            guard case .jwtAssertion(_, let parsed) = credentials else { Issue.record("not an assertion"); continue }
            #expect(parsed.compact == Self.assertion)
        }
    }

    @Test("an assertion with a secret, with Basic or without its type is invalid_request; another type, a different client_id, no sub, an oversized or malformed assertion is invalid_client", arguments: [
        (nil, ["client_assertion_type": jwtBearer, "client_assertion": assertion, "client_secret": "s"], "invalid_request"),
        (basicHeader("worker", "s"), ["client_assertion_type": jwtBearer, "client_assertion": assertion], "invalid_request"),
        (nil, ["client_assertion": assertion], "invalid_request"),
        (nil, ["client_assertion_type": jwtBearer], "invalid_request"),
        (nil, ["client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:saml2-bearer", "client_assertion": assertion], "invalid_client"),
        (nil, ["client_assertion_type": jwtBearer, "client_assertion": assertion, "client_id": "other"], "invalid_client"),
        (nil, ["client_assertion_type": jwtBearer, "client_assertion": ClientAssertionFixture.compact(claims: ["iss": "worker"])], "invalid_client"),
        (nil, ["client_assertion_type": jwtBearer, "client_assertion": ClientAssertionFixture.compact(claims: ["sub": "w", "pad": String(repeating: "a", count: 8192)])], "invalid_client"),
        (nil, ["client_assertion_type": jwtBearer, "client_assertion": "a.b"], "invalid_client"),
        (nil, ["client_assertion_type": jwtBearer, "client_assertion": "e30.e30.%%%"], "invalid_client"),
    ] as [(String?, [String: String], String)])
    func refusesAssertion(authorization: String?, form: [String: String], error: String) {
        Self.expectRefusal(authorization: authorization, form: form, error: error)
    }

    @Test("a repeated client_assertion is refused by the form parser before anything reads it")
    func repeatedAssertion() {
        #expect(throws: OAuthError.self) {
            try FormParameters(parsing: "client_assertion=a&client_assertion=b")
        }
    }
}
