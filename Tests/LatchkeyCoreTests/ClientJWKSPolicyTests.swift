import Foundation
import LatchkeyCore
import Testing

/// A client's public keys: what registration accepts, what a fetched set keeps, which key a header selects.
struct ClientJWKSPolicyTests {
    static let x = Base64URL.encode(Data(repeating: 1, count: 32))
    static let n = Base64URL.encode(Data(repeating: 0xC1, count: 256))
    static let ec = #"{"kty":"EC","crv":"P-256","x":"\#(x)","y":"\#(x)","kid":"ec"}"#
    static let rsa = #"{"kty":"RSA","n":"\#(n)","e":"AQAB","kid":"rsa","alg":"RS256","use":"sig"}"#
    static let okp = #"{"kty":"OKP","crv":"Ed25519","x":"\#(x)"}"#

    static func value(_ json: String) -> JSONValue { try! JSONDecoder().decode(JSONValue.self, from: Data(json.utf8)) }

    static func validate(_ json: String, mode: ClientJWKSPolicy.Mode = .registered) throws -> ClientJWKSet {
        try ClientJWKSPolicy(mode: mode).validate(value(json))
    }

    @Test("EC P-256, RSA and Ed25519 public keys are kept with only the members verification uses")
    func accepted() throws {
        let set = try Self.validate(#"{"keys":[\#(Self.ec),\#(Self.rsa),\#(Self.okp.dropLast()),"x5c":["MII"],"ext":true}]}"#)
        #expect(set.keys.map(\.algorithm) == ["ES256", "RS256", "EdDSA"])
        #expect(set.keys[2] == ClientJWK(kty: "OKP", crv: "Ed25519", x: Self.x))
    }

    @Test("refused at registration", arguments: [
        (#"{"keys":[{"kty":"EC","crv":"P-256","x":"\#(x)","y":"\#(x)","d":"\#(x)"}]}"#, "private key material ('d')"),
        (#"{"keys":[{"kty":"RSA","n":"\#(n)","e":"AQAB","p":"AQAB"}]}"#, "private key material ('p')"),
        (#"{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}"#, "private key material ('k')"),
        (#"{"keys":[{"kty":"EC","crv":"P-384","x":"\#(x)","y":"\#(x)"}]}"#, "other than P-256"),
        (#"{"keys":[{"kty":"OKP","crv":"X25519","x":"\#(x)"}]}"#, "other than Ed25519"),
        (#"{"keys":[{"kty":"EC","crv":"P-256","x":"\#(x)","y":"\#(x)","alg":"RS256"}]}"#, "does not fit"),
        (#"{"keys":[{"kty":"EC","crv":"P-256","x":"\#(x)","y":"\#(x)","alg":"HS256"}]}"#, "does not fit"),
        (#"{"keys":[{"kty":"EC","crv":"P-256","x":"\#(x)","y":"\#(x)","use":"enc"}]}"#, "not sig"),
        (#"{"keys":[{"kty":"RSA","n":"AQAB","e":"AQAB"}]}"#, "'n'"),
        (#"{"keys":[{"kty":"EC","crv":"P-256","x":"AAAA","y":"\#(x)"}]}"#, "'x'"),
        (#"{"keys":[\#(ec),\#(ec)]}"#, "same kid"),
        (#"{"keys":[]}"#, "no key"),
        (#"{"keys":{}}"#, "JWK Set"),
        (#"{"keys":[\#(Array(repeating: okp, count: 11).joined(separator: ","))]}"#, "too many keys"),
        (#"{"keys":[\#(okp)],"pad":"\#(String(repeating: "a", count: 13_000))"}"#, "at most"),
    ])
    func refused(json: String, message: String) {
        do {
            _ = try Self.validate(json)
            Issue.record("accepted")
        } catch let error as OAuthError {
            #expect(error.code == .invalidClientMetadata)
            #expect(error.description.contains(message), "\(error.description)")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test("a published set skips keys for other uses but is refused whole if any key is private")
    func published() throws {
        let set = try Self.validate(#"{"keys":[{"kty":"RSA","n":"\#(Self.n)","e":"AQAB","use":"enc"},{"kty":"EC","crv":"P-384","x":"\#(Self.x)","y":"\#(Self.x)"},\#(Self.ec)]}"#, mode: .published)
        #expect(set.keys.map(\.kid) == ["ec"])
        #expect(throws: OAuthError.self) {
            try Self.validate(#"{"keys":[\#(Self.ec),{"kty":"OKP","crv":"Ed25519","x":"\#(Self.x)","d":"\#(Self.x)"}]}"#, mode: .published)
        }
    }

    @Test("a header selects the key of its kid, which must fit its alg; without a kid, the one key that fits")
    func selection() throws {
        let set = try Self.validate(#"{"keys":[\#(Self.ec),\#(Self.rsa),\#(Self.okp)]}"#)
        #expect(set.key(alg: "ES256", kid: "ec") == .key(set.keys[0]))
        #expect(set.key(alg: "RS256", kid: "ec") == ClientJWKSet.Selection.none)
        #expect(set.key(alg: "ES256", kid: "other") == .unknownKeyID)
        #expect(set.key(alg: "EdDSA", kid: nil) == .key(set.keys[2]))
        #expect(set.key(alg: "RS256", kid: nil) == .key(set.keys[1]))
        let two = try Self.validate(#"{"keys":[\#(Self.ec),{"kty":"EC","crv":"P-256","x":"\#(Self.x)","y":"\#(Self.x)","kid":"ec2"}]}"#)
        #expect(two.key(alg: "ES256", kid: nil) == ClientJWKSet.Selection.none)
        #expect(two.key(alg: "ES256", kid: "ec2") == .key(two.keys[1]))
    }

    static let registration = ClientRegistrationPolicy(supportedScopes: ["mcp:tools"], allowsClientCredentials: true)

    static func register(_ json: String, policy: ClientRegistrationPolicy = registration) throws -> ClientMetadata {
        try policy.validate(value(json))
    }

    @Test("registration: keys make private_key_jwt the default, are stored, and go with no other method")
    func registration() throws {
        let metadata = try Self.register(#"{"grant_types":["client_credentials"],"jwks":{"keys":[\#(Self.ec)]}}"#)
        #expect(metadata.tokenEndpointAuthMethod == .privateKeyJWT)
        #expect(metadata.jwks?.keys.first?.kid == "ec")
        let byURI = try Self.register(#"{"grant_types":["client_credentials"],"token_endpoint_auth_method":"private_key_jwt","jwks_uri":"https://keys.example/jwks.json"}"#)
        #expect(byURI.jwksURI == "https://keys.example/jwks.json")
        let encoded = try JSONEncoder().encode(byURI)
        #expect(try JSONDecoder().decode(ClientMetadata.self, from: encoded) == byURI)
        for refused in [
            #"{"grant_types":["client_credentials"],"jwks":{"keys":[\#(Self.ec)]},"jwks_uri":"https://keys.example/jwks.json"}"#,
            #"{"grant_types":["client_credentials"],"token_endpoint_auth_method":"private_key_jwt"}"#,
            #"{"grant_types":["client_credentials"],"token_endpoint_auth_method":"client_secret_basic","jwks_uri":"https://keys.example/j"}"#,
            #"{"redirect_uris":["https://app.example/cb"],"token_endpoint_auth_method":"none","jwks":{"keys":[\#(Self.ec)]}}"#,
            #"{"grant_types":["client_credentials"],"jwks_uri":"http://keys.example/jwks.json"}"#,
            #"{"grant_types":["client_credentials"],"jwks_uri":"http://127.0.0.1:9/jwks.json"}"#,
            #"{"grant_types":["client_credentials"],"jwks_uri":"https://user@keys.example/jwks.json"}"#,
            #"{"grant_types":["client_credentials"],"jwks_uri":"https://keys.example/jwks.json#x"}"#,
            #"{"grant_types":["client_credentials"],"jwks_uri":7}"#,
        ] {
            #expect(throws: OAuthError.self, "\(refused)") { try Self.register(refused) }
        }
        var loopback = Self.registration
        loopback.allowsLoopbackJWKSURI = true
        #expect(try Self.register(#"{"grant_types":["client_credentials"],"jwks_uri":"http://127.0.0.1:9/jwks.json"}"#, policy: loopback).jwksURI != nil)
        #expect(throws: OAuthError.self) { try Self.register(#"{"grant_types":["client_credentials"],"jwks_uri":"http://keys.example/j"}"#, policy: loopback) }
    }

    @Test("an RFC 7592 update to private_key_jwt drops the secret; never issues one")
    func update() throws {
        var client = ClientCredentialsGrantTests.client(auth: .clientSecretBasic)
        client.secretHash = "digest"
        let body = Self.value(#"{"client_id":"\#(client.clientID)","grant_types":["client_credentials"],"jwks":{"keys":[\#(Self.ec)]}}"#)
        let update = try ClientUpdatePolicy(registration: Self.registration).validate(body, of: client) { _ in false }
        #expect(update.metadata.tokenEndpointAuthMethod == .privateKeyJWT)
        #expect(update.secret == .remove)
        #expect(TokenEndpointAuthMethod.privateKeyJWT.isConfidential)
        #expect(!TokenEndpointAuthMethod.privateKeyJWT.usesSecret)
    }
}
