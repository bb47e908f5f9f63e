import Crypto
import Foundation
import LatchkeyCore
import LatchkeyCrypto
import Testing

struct AccessTokenCodecTests {
    let issuer = "https://auth.example.com"

    func makeCodec() async throws -> (AccessTokenCodec, SigningKeys) {
        let keys = SigningKeys(store: SigningKeysTests.MemoryStore(), masterKey: MasterKey.generate())
        try await keys.bootstrap(now: 1000)
        return (AccessTokenCodec(signingKeys: keys, issuer: issuer), keys)
    }

    func claims(expiresAt: Int64 = 5000, issuer: String? = nil) -> AccessTokenClaims {
        AccessTokenClaims(
            issuer: issuer ?? self.issuer, subject: "user-1", audience: ["https://mcp.example.com"], clientID: "c1",
            scope: "mcp:tools", issuedAt: 1000, expiresAt: expiresAt, tokenID: "jti-1", authTime: 900
        )
    }

    static func part(_ token: String, _ index: Int) -> [String: Any] {
        let segment = String(token.split(separator: ".")[index])
        return (try? JSONSerialization.jsonObject(with: Base64URL.decode(segment)!) as? [String: Any]) ?? [:]
    }

    @Test("issues an ES256 at+jwt naming the active key, which verifies")
    func roundTrip() async throws {
        let (codec, keys) = try await makeCodec()
        let token = try codec.sign(claims())
        let header = Self.part(token, 0)
        #expect(header["alg"] as? String == "ES256")
        #expect(header["typ"] as? String == "at+jwt")
        #expect(header["kid"] as? String == keys.activeKeyID)
        #expect(codec.verify(token, now: 2000) == claims())
    }

    @Test("rejects expired tokens and tokens from another issuer")
    func expiryAndIssuer() async throws {
        let (codec, _) = try await makeCodec()
        #expect(codec.verify(try codec.sign(claims(expiresAt: 2000)), now: 2000) == nil)
        #expect(codec.verify(try codec.sign(claims(issuer: "https://evil.example")), now: 2000) == nil)
    }

    @Test("rejects tampering, other algorithms and types, unknown keys and garbage")
    func forgeries() async throws {
        let (codec, keys) = try await makeCodec()
        let token = try codec.sign(claims())
        let parts = token.split(separator: ".").map(String.init)
        func encode(_ object: [String: Any]) -> String {
            Base64URL.encode(try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]))
        }
        var header = Self.part(token, 0)
        var payload = Self.part(token, 1)
        payload["sub"] = "admin"
        let forgedPayload = [parts[0], encode(payload), parts[2]].joined(separator: ".")
        header["alg"] = "none"
        let algNone = [encode(header), parts[1], ""].joined(separator: ".")
        header["alg"] = "HS256"
        let hmac = [encode(header), parts[1], parts[2]].joined(separator: ".")
        header["alg"] = "ES256"
        header["typ"] = "JWT"
        let wrongType = [encode(header), parts[1], parts[2]].joined(separator: ".")
        header["typ"] = "at+jwt"
        // A valid signature by a key the server does not publish.
        let stranger = P256.Signing.PrivateKey()
        header["kid"] = "stranger"
        let strangerInput = encode(header) + "." + parts[1]
        let strangerToken = strangerInput + "." + Base64URL.encode(try stranger.signature(for: Data(strangerInput.utf8)).rawRepresentation)
        // The next key is published but signs nothing yet; a token it did not sign must still fail.
        header["kid"] = try #require(keys.keys.first { $0.status == .next }?.kid)
        let wrongKid = [encode(header), parts[1], parts[2]].joined(separator: ".")

        for bad in [forgedPayload, algNone, hmac, wrongType, strangerToken, wrongKid, "", "a.b", "a.b.c", token + "x", String(repeating: "a", count: 9000)] {
            #expect(codec.verify(bad, now: 2000) == nil, "accepted \(bad.prefix(40))")
        }
    }

    @Test("a token signed before a rotation verifies while its key stays published, not after")
    func rotation() async throws {
        let (codec, keys) = try await makeCodec()
        let token = try codec.sign(claims(expiresAt: 9000))
        try await keys.rotate(now: 2000, retiredPublishFor: 3900)
        #expect(codec.verify(token, now: 2500) != nil)
        try await keys.reload(now: 2000 + 3900)
        #expect(codec.verify(token, now: 2000 + 3900) == nil)
    }

    @Test("a validly signed token whose header or payload nests deeper than 4 levels is refused before it is parsed")
    func deepNesting() async throws {
        let (codec, keys) = try await makeCodec()
        let token = try codec.sign(claims())
        let parts = token.split(separator: ".").map(String.init)
        func signed(header: String, payload: String) throws -> String {
            let input = Base64URL.encode(Data(header.utf8)) + "." + Base64URL.encode(Data(payload.utf8))
            return input + "." + Base64URL.encode(try keys.sign(Data(input.utf8)).signature)
        }
        let kid = try #require(keys.activeKeyID)
        let header = #"{"alg":"ES256","kid":"\#(kid)","typ":"at+jwt""#
        let payload = String(decoding: try #require(Base64URL.decode(parts[1])), as: UTF8.self)
        // Within the limit both verify (the extra members are ignored), so only the depth check refuses the others.
        #expect(codec.verify(try signed(header: header + #","x":[[[]]]}"#, payload: payload), now: 2000) != nil)
        #expect(codec.verify(try signed(header: header + #","x":[[[[]]]]}"#, payload: payload), now: 2000) == nil)
        let deepPayload = String(payload.dropLast()) + #","x":[[[[]]]]}"#
        #expect(codec.verify(try signed(header: header + "}", payload: deepPayload), now: 2000) == nil)
        #expect(codec.verify(try signed(header: header + "}", payload: String(payload.dropLast()) + #","x":[[[]]]}"#), now: 2000) != nil)
    }
}
