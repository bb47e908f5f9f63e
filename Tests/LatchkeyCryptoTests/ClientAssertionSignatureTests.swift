import Crypto
import Foundation
import LatchkeyCore
import LatchkeyCrypto
import Testing

/// The signature check behind `private_key_jwt` (the end-to-end cases, with RS256, are in PrivateKeyJWTTests).
struct ClientAssertionSignatureTests {
    static func compact(alg: String, sign: (Data) throws -> Data) throws -> String {
        let input = Base64URL.encode(Data(#"{"alg":"\#(alg)"}"#.utf8)) + "." + Base64URL.encode(Data(#"{"sub":"w"}"#.utf8))
        return input + "." + Base64URL.encode(try sign(Data(input.utf8)))
    }

    static func jwk(_ key: P256.Signing.PublicKey) -> ClientJWK {
        let point = key.x963Representation
        return ClientJWK(kty: "EC", crv: "P-256", x: Base64URL.encode(point[1..<33]), y: Base64URL.encode(point[33...]))
    }

    @Test("ES256 and EdDSA verify with their key, not with another, not under another algorithm's name")
    func verifies() async throws {
        let p256 = P256.Signing.PrivateKey()
        let es256 = try ClientAssertion(try Self.compact(alg: "ES256") { try p256.signature(for: $0).rawRepresentation })
        #expect(await ClientAssertionSignature.verify(es256, with: Self.jwk(p256.publicKey)))
        #expect(await !ClientAssertionSignature.verify(es256, with: Self.jwk(P256.Signing.PrivateKey().publicKey)))
        var asRSA = Self.jwk(p256.publicKey)
        asRSA.alg = "RS256"
        let renamed = try ClientAssertion(try Self.compact(alg: "EdDSA") { try p256.signature(for: $0).rawRepresentation })
        #expect(await !ClientAssertionSignature.verify(renamed, with: Self.jwk(p256.publicKey)))

        let ed = Curve25519.Signing.PrivateKey()
        let eddsa = try ClientAssertion(try Self.compact(alg: "EdDSA") { try ed.signature(for: $0) })
        let edKey = ClientJWK(kty: "OKP", crv: "Ed25519", x: Base64URL.encode(ed.publicKey.rawRepresentation))
        #expect(await ClientAssertionSignature.verify(eddsa, with: edKey))
        // The EdDSA signature bytes presented as ES256 over the same key material verify nothing.
        #expect(await !ClientAssertionSignature.verify(eddsa, with: Self.jwk(p256.publicKey)))
    }

    @Test("validate refuses a point off the curve and an RSA modulus under 2048 bits")
    func validate() async throws {
        let one = Base64URL.encode(Data([1] + [UInt8](repeating: 0, count: 31)))
        await #expect(throws: (any Error).self) {
            try await ClientAssertionSignature.validate(ClientJWK(kty: "EC", crv: "P-256", x: one, y: one))
        }
        let small = Base64URL.encode(Data([0xC1] + [UInt8](repeating: 0x33, count: 127)))
        await #expect(throws: (any Error).self) {
            try await ClientAssertionSignature.validate(ClientJWK(kty: "RSA", n: small, e: "AQAB"))
        }
        try await ClientAssertionSignature.validate(Self.jwk(P256.Signing.PrivateKey().publicKey))
    }
}
