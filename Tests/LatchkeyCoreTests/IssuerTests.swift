import LatchkeyCore
import Testing

/// RFC 8414 §2 issuer identifiers.
struct IssuerTests {
    @Test("accepts issuers and extracts the path", arguments: [
        ("https://auth.example.com", "", false, true),
        ("https://auth.example.com/t1", "/t1", false, true),
        ("https://auth.example.com:8443/tenants/t1", "/tenants/t1", false, true),
        ("http://localhost:8080", "", true, false),
        ("http://127.0.0.1:9000/t1", "/t1", true, false),
        ("http://[::1]:8080", "", true, false),
        ("https://localhost", "", true, true),
        ("http://auth.example.com", "", false, false),
    ])
    func acceptsIssuer(url: String, path: String, isLoopback: Bool, isHTTPS: Bool) throws {
        let issuer = try Issuer(url)
        #expect(issuer.url == url)
        #expect(issuer.description == url)
        #expect(issuer.path == path)
        #expect(issuer.isLoopback == isLoopback)
        #expect(issuer.isHTTPS == isHTTPS)
    }

    @Test("is kept byte for byte as configured")
    func keptVerbatim() throws {
        #expect(try Issuer("HTTPS://Auth.Example.COM/T1").url == "HTTPS://Auth.Example.COM/T1")
    }

    @Test("rejects issuers RFC 8414 forbids", arguments: [
        "https://auth.example.com/",
        "https://auth.example.com/t1/",
        "https://auth.example.com?tenant=1",
        "https://auth.example.com/t1?",
        "https://auth.example.com#top",
        "https://auth.example.com/t1#",
        "https://user@auth.example.com",
        "https://user:pass@auth.example.com",
        "ftp://auth.example.com",
        "javascript://auth.example.com",
        "auth.example.com",
        "/t1",
        "https://",
        "https:///t1",
        "",
    ])
    func rejectsIssuer(url: String) {
        #expect(throws: IssuerError.self) { try Issuer(url) }
    }

    @Test("a trailing slash error suggests the fixed issuer")
    func trailingSlashSuggestion() {
        let error = #expect(throws: IssuerError.self) { try Issuer("https://auth.example.com/t1/") }
        #expect(error?.description.contains("'https://auth.example.com/t1'") == true)
    }

    @Test("endpoints sit under the issuer, including its path")
    func endpoints() throws {
        #expect(try Issuer("https://auth.example.com").endpoint("/token") == "https://auth.example.com/token")
        #expect(try Issuer("https://auth.example.com/t1").endpoint("/token") == "https://auth.example.com/t1/token")
    }
}

extension IssuerTests {
    @Test("the origin is what a browser sends: lower case, no default port, no path", arguments: [
        ("https://auth.example.com", "https://auth.example.com"),
        ("https://auth.example.com/tenant", "https://auth.example.com"),
        ("https://Auth.Example.com:443/x", "https://auth.example.com"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
        ("http://[::1]:8080", "http://[::1]:8080"),
    ])
    func origin(issuer: String, origin: String) throws {
        #expect(try Issuer(issuer).origin == origin)
    }
}
