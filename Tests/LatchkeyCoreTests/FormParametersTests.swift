import LatchkeyCore
import Testing

struct FormParametersTests {
    @Test("decodes + and percent-encoding, and treats empty values as omitted")
    func decodes() throws {
        let form = try FormParameters(parsing: "grant_type=authorization_code&redirect_uri=http%3A%2F%2F127.0.0.1%2Fcb&scope=a+b&state=&code_verifier")
        #expect(form["grant_type"] == "authorization_code")
        #expect(form["redirect_uri"] == "http://127.0.0.1/cb")
        #expect(form["scope"] == "a b")
        #expect(form["state"] == nil)
        #expect(form["code_verifier"] == nil)
        #expect(throws: OAuthError.self) { try form.require("state") }
        #expect(try form.require("grant_type") == "authorization_code")
    }

    @Test("a repeated parameter is invalid_request, even when one value is empty", arguments: [
        "a=1&a=2", "a=1&a=1", "a=&a=x", "code=x&grant_type=y&code=x",
    ])
    func repeated(text: String) {
        do {
            _ = try FormParameters(parsing: Substring(text))
            Issue.record("accepted \(text)")
        } catch let error as OAuthError {
            #expect(error.code == .invalidRequest)
            #expect(error.description.contains("repeated"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test("repeatable parameters collect every value in order")
    func repeatable() throws {
        let form = try FormParameters(parsing: "resource=https%3A%2F%2Fa&resource=https%3A%2F%2Fb&resource=", repeatable: ["resource"])
        #expect(form.all("resource") == ["https://a", "https://b"])
        #expect(form.all("other").isEmpty)
    }

    @Test("bad percent-encoding, invalid UTF-8 and nameless parameters are invalid_request", arguments: [
        "a=%", "a=%4", "a=%zz", "a=%C3%28", "a=%FF", "=value",
    ])
    func malformed(text: String) {
        #expect(throws: OAuthError.self) { try FormParameters(parsing: Substring(text)) }
    }

    @Test("a NUL in a name or value is invalid_request")
    func nul() {
        #expect(throws: OAuthError.self) { try FormParameters(parsing: "a=x%00y") }
        #expect(throws: OAuthError.self) { try FormParameters(parsing: "a%00=1") }
    }
}
