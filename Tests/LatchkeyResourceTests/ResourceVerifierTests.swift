import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LatchkeyCore
@testable import LatchkeyResource
import LatchkeyServer
import Synchronization
import LatchkeyTestSupport
import Testing
import LatchkeyCrypto
import NIOFoundationEssentialsCompat

/// `LatchkeyResource` against a real Latchkey (in-process): its tokens verify; forged, foreign, expired and
/// mistyped ones do not; keys are fetched through RFC 8414 metadata and cached.
struct ResourceVerifierTests {
    static let resource = VerifierTest.resource
    static let settings = VerifierTest.settings

    @Test("a Latchkey token verifies, through metadata discovery and the JWKS, and repeats come from the cache")
    func verifies() async throws {
        let app = TestApp(Self.settings)
        defer { app.removeFiles() }
        try await app.test { client, _ in
            let source = RouterKeySource(client)
            let verifier = try VerifierTest.verifier(source)
            let token = try await VerifierTest.token(client)
            let verified = try await verifier.verify(token)
            #expect(verified.audience == [Self.resource])
            #expect(verified.scopes == ["mcp:tools", "mcp:resources"])
            #expect(verified.subject == verified.clientID)
            #expect(source.fetches == 2)  // metadata + JWKS
            _ = try await verifier.verify(token)
            _ = try await verifier.verify(try await VerifierTest.token(client))
            #expect(source.fetches == 2)
        }
    }

    @Test("refused: another audience, a forged signature, alg none or HS256, another typ, an unknown kid, expiry")
    func refusals() async throws {
        let app = TestApp(Self.settings)
        defer { app.removeFiles() }
        try await app.test { client, _ in
            let source = RouterKeySource(client)
            let token = try await VerifierTest.token(client)
            let verifier = try VerifierTest.verifier(source)
            await #expect(throws: TokenVerificationError.wrongAudience) {
                try await VerifierTest.verifier(source, resource: "https://other.example.com").verify(token)
            }
            let parts = token.split(separator: ".").map(String.init)
            let headerBytes = try #require(Base64URL.decode(parts[0]))
            let header = try #require(JSONSerialization.jsonObject(with: headerBytes) as? [String: String])
            func reheader(_ change: ([String: String]) -> [String: String]) throws -> String {
                let data = try JSONSerialization.data(withJSONObject: change(header))
                return [Base64URL.encode(data), parts[1], parts[2]].joined(separator: ".")
            }
            let signature = Array(try #require(Base64URL.decode(parts[2])))
            var flipped = signature
            flipped[5] ^= 0x01
            await #expect(throws: TokenVerificationError.badSignature) {
                try await verifier.verify([parts[0], parts[1], Base64URL.encode(Data(flipped))].joined(separator: "."))
            }
            await #expect(throws: TokenVerificationError.unsupportedAlgorithm("none")) {
                try await verifier.verify(try reheader { var h = $0; h["alg"] = "none"; return h })
            }
            await #expect(throws: TokenVerificationError.unsupportedAlgorithm("HS256")) {
                try await verifier.verify(try reheader { var h = $0; h["alg"] = "HS256"; return h })
            }
            await #expect(throws: TokenVerificationError.wrongType) {
                try await verifier.verify(try reheader { var h = $0; h["typ"] = "JWT"; return h })
            }
            let before = source.fetches
            await #expect(throws: TokenVerificationError.unknownKey) {
                try await verifier.verify(try reheader { var h = $0; h["kid"] = "unknown"; return h })
            }
            await #expect(throws: TokenVerificationError.unknownKey) {
                try await verifier.verify(try reheader { var h = $0; h["kid"] = "unknown-2"; return h })
            }
            #expect(source.fetches - before <= 2, "an unknown kid refetches at most once per interval")
            await #expect(throws: TokenVerificationError.malformed) { try await verifier.verify("not.a-token") }
            let later = try VerifierTest.verifier(source, now: { Int64(Date().timeIntervalSince1970) + 7200 })
            await #expect(throws: TokenVerificationError.expired) { try await later.verify(token) }
        }
    }

    @Test("after a key rotation, a token signed by a key the verifier has not seen is verified after one refetch")
    func rotatedKey() async throws {
        let app = TestApp(Self.settings)
        defer { app.removeFiles() }
        try await app.test { client, runtime in
            let source = RouterKeySource(client)
            let verifier = TokenVerifier(
                configuration: try .init(issuer: "http://127.0.0.1:8080", resource: Self.resource, minimumRefetchInterval: .zero), source: source
            )
            _ = try await verifier.verify(try await VerifierTest.token(client))
            #expect(source.fetches == 2)
            // Two rotations: the active key is then one that did not exist (not even as "next") at the first fetch.
            let now = Int64(Date().timeIntervalSince1970)
            try await runtime.signingKeys.rotate(now: now, retiredPublishFor: 3600)
            try await runtime.signingKeys.rotate(now: now, retiredPublishFor: 3600)
            let fresh = try await VerifierTest.token(client)
            #expect(try await verifier.verify(fresh).audience == [Self.resource])
            #expect(source.fetches == 4)
        }
    }

    @Test("cached keys keep working while the authorization server is unreachable")
    func unreachable() async throws {
        let app = TestApp(Self.settings)
        defer { app.removeFiles() }
        try await app.test { client, _ in
            let source = RouterKeySource(client)
            let verifier = try VerifierTest.verifier(source)
            _ = try await verifier.verify(try await VerifierTest.token(client))
            source.setDown(true)
            let fresh = try await VerifierTest.token(client)
            #expect(try await verifier.verify(fresh).audience == [Self.resource])
            // A verifier that never got keys fails closed.
            await #expect(throws: TokenVerificationError.self) { try await VerifierTest.verifier(source).verify(fresh) }
        }
    }

    struct ResourceContext: BearerTokenRequestContext {
        var coreContext: CoreRequestContextStorage
        var accessToken: VerifiedToken?
        init(source: ApplicationRequestContextSource) {
            self.coreContext = .init(source: source)
        }
    }

    @Test("the middleware: 401 with resource_metadata, invalid_token, 403 insufficient_scope, no tokens in the URL; RFC 9728 metadata")
    func middleware() async throws {
        let app = TestApp(Self.settings)
        defer { app.removeFiles() }
        try await app.test { client, _ in
            let source = RouterKeySource(client)
            let verifier = try VerifierTest.verifier(source)
            let metadata = try ProtectedResourceMetadata(
                resource: Self.resource, authorizationServer: "http://127.0.0.1:8080", scopesSupported: ["mcp:tools", "mcp:admin"],
                resourceName: "Demo"
            )
            let router = Router(context: ResourceContext.self)
            try metadata.addRoutes(to: router)
            router.group("mcp").add(middleware: BearerTokenMiddleware(verifier: verifier, requiredScopes: ["mcp:tools"], resourceMetadataURL: metadata.metadataURL))
                .get { _, context in context.accessToken?.subject ?? "none" }
            router.group("admin").add(middleware: BearerTokenMiddleware(verifier: verifier, requiredScopes: ["mcp:admin"], resourceMetadataURL: metadata.metadataURL))
                .get { _, _ in "admin" }
            let token = try await VerifierTest.token(client)
            try await Application(router: router).test(.router) { resource in
                let bare = try await resource.execute(uri: "/mcp", method: .get)
                #expect(bare.status == .unauthorized)
                #expect(bare.headers[.wwwAuthenticate] == #"Bearer resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp", scope="mcp:tools""#)
                let bad = try await resource.execute(uri: "/mcp", method: .get, headers: [.authorization: "Bearer x.y.z"])
                #expect(bad.status == .unauthorized)
                #expect(bad.headers[.wwwAuthenticate]?.contains(#"error="invalid_token""#) == true)
                let good = try await resource.execute(uri: "/mcp", method: .get, headers: [.authorization: "Bearer \(token)"])
                #expect(good.status == .ok)
                #expect(String(buffer: good.body) == OAuthTest.claims(token)["sub"] as? String)
                let forbidden = try await resource.execute(uri: "/admin", method: .get, headers: [.authorization: "Bearer \(token)"])
                #expect(forbidden.status == .forbidden)
                #expect(forbidden.headers[.wwwAuthenticate]?.contains(#"error="insufficient_scope""#) == true)
                #expect(forbidden.headers[.wwwAuthenticate]?.contains(#"scope="mcp:admin""#) == true)
                let inURL = try await resource.execute(uri: "/mcp?access_token=\(token)", method: .get)
                #expect(inURL.status == .badRequest)
                let document = try await resource.execute(uri: "/.well-known/oauth-protected-resource/mcp", method: .get)
                let json = try #require(try JSONSerialization.jsonObject(with: Data(buffer: document.body)) as? [String: Any])
                #expect(json["resource"] as? String == Self.resource)
                #expect(json["authorization_servers"] as? [String] == ["http://127.0.0.1:8080"])
                #expect(json["bearer_methods_supported"] as? [String] == ["header"])
                #expect(json["resource_name"] as? String == "Demo")
            }
        }
    }

    @Test("a header nesting deeper than 4 levels is malformed, refused before it is parsed")
    func deepHeader() async throws {
        let app = TestApp(Self.settings)
        defer { app.removeFiles() }
        try await app.test { client, _ in
            let token = try await VerifierTest.token(client)
            let parts = token.split(separator: ".").map(String.init)
            let header = String(decoding: try #require(Base64URL.decode(parts[0])), as: UTF8.self)
            let verifier = try VerifierTest.verifier(RouterKeySource(client))
            let deep = Base64URL.encode(Data((String(header.dropLast()) + #","x":[[[[]]]]}"#).utf8)) + "." + parts[1] + "." + parts[2]
            await #expect(throws: TokenVerificationError.malformed) { try await verifier.verify(deep) }
            // At the limit the header parses, and the token fails only where it really is wrong: its signature.
            let shallow = Base64URL.encode(Data((String(header.dropLast()) + #","x":[[[]]]}"#).utf8)) + "." + parts[1] + "." + parts[2]
            await #expect(throws: TokenVerificationError.badSignature) { try await verifier.verify(shallow) }
        }
    }
}

/// How the verifier reads `Cache-Control` on the JWKS.
struct CacheControlTests {
    @Test("max-age is read; no-store and no-cache mean zero; anything else is no answer", arguments: [
        ("public, max-age=300", 300), ("max-age=\"60\"", 60), ("MAX-AGE=5, public", 5), ("no-store", 0),
        ("no-cache, max-age=300", 0), ("public", nil), ("max-age=abc", nil),
    ] as [(String, Int?)])
    func maxAge(value: String, expected: Int?) {
        #expect(CacheControl.maxAge(value) == expected)
    }
}
