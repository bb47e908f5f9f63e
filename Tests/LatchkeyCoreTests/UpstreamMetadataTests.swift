import Foundation
import LatchkeyCore
import Testing

struct UpstreamMetadataTests {
    @Test("the well-known segment goes before the issuer's path (RFC 8414 §3.1)", arguments: [
        ("https://github.com", "https://github.com/.well-known/oauth-authorization-server"),
        ("https://idp.example.com/tenant/a", "https://idp.example.com/.well-known/oauth-authorization-server/tenant/a"),
        ("https://idp.example.com/", "https://idp.example.com/.well-known/oauth-authorization-server"),
    ])
    func metadataURL(issuer: String, url: String) {
        #expect(UpstreamMetadata.metadataURL(forIssuer: issuer) == url)
    }

    @Test("OpenID Connect Discovery appends the well-known segment to the issuer (Google publishes only this)", arguments: [
        ("https://accounts.google.com", "https://accounts.google.com/.well-known/openid-configuration"),
        ("https://idp.example.com/tenant/a/", "https://idp.example.com/tenant/a/.well-known/openid-configuration"),
    ])
    func openIDConfigurationURL(issuer: String, url: String) {
        #expect(UpstreamMetadata.openIDConfigurationURL(forIssuer: issuer) == url)
    }

    @Test("the document's issuer must be the one asked for; endpoints must be https; iss support is read")
    func parse() throws {
        let good = #"{"issuer":"https://idp.example.com","authorization_endpoint":"https://idp.example.com/a","token_endpoint":"https://idp.example.com/t","revocation_endpoint":"https://idp.example.com/r","authorization_response_iss_parameter_supported":true}"#
        let metadata = try UpstreamMetadata(json: Data(good.utf8), expectedIssuer: "https://idp.example.com")
        #expect(metadata.tokenEndpoint == "https://idp.example.com/t" && metadata.revocationEndpoint == "https://idp.example.com/r")
        #expect(metadata.issParameterSupported)
        #expect(throws: ProviderError.self) { try UpstreamMetadata(json: Data(good.utf8), expectedIssuer: "https://idp.example.com/") }
        #expect(throws: ProviderError.self) { try UpstreamMetadata(json: Data(good.utf8), expectedIssuer: "https://evil.example.com") }
        let httpToken = good.replacingOccurrences(of: "https://idp.example.com/t", with: "http://idp.example.com/t")
        #expect(throws: ProviderError.self) { try UpstreamMetadata(json: Data(httpToken.utf8), expectedIssuer: "https://idp.example.com") }
        #expect(throws: ProviderError.self) { try UpstreamMetadata(json: Data("null".utf8), expectedIssuer: "https://idp.example.com") }
        #expect(throws: ProviderError.self) { try UpstreamMetadata(json: Data("<html>".utf8), expectedIssuer: "https://idp.example.com") }
        let deep = String(repeating: "[", count: 50) + String(repeating: "]", count: 50)
        #expect(throws: ProviderError.self) { try UpstreamMetadata(json: Data(deep.utf8), expectedIssuer: "https://idp.example.com") }
    }
}
