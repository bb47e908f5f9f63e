import JWTKit
public import LatchkeyCore

/// Checks a client assertion's signature with one of the client's registered public keys (RFC 7523 §3 item 9), by
/// jwt-kit. The key is built from the JWK for its one algorithm (`ClientJWK.algorithm`) into a collection that holds
/// nothing else, so jwt-kit's fallback to a default key for an unknown `kid` cannot pick another key.
public enum ClientAssertionSignature {
    /// Whether `key` signed `assertion`. `false` also when the header's algorithm is not the key's.
    public static func verify(_ assertion: ClientAssertion, with key: ClientJWK) async -> Bool {
        guard key.algorithm == assertion.header.alg, let verifier = try? await algorithm(for: key) else { return false }
        return (try? verifier.verify(assertion.signature, signs: assertion.signingInput)) ?? false
    }

    /// Throws when `key` is not a usable public key of its type: a point off the curve, an RSA modulus under 2048 bits.
    /// Registration calls it, so a client learns at once instead of at its first token request.
    public static func validate(_ key: ClientJWK) async throws {
        _ = try await algorithm(for: key)
    }

    static func algorithm(for key: ClientJWK) async throws -> any JWTAlgorithm {
        let collection = JWTKeyCollection()
        switch (key.algorithm, key.x, key.y, key.n, key.e) {
        case ("ES256"?, let x?, let y?, _, _):
            await collection.add(ecdsa: try ES256PublicKey(parameters: (x: x, y: y)))
        case ("RS256"?, _, _, let n?, let e?):
            await collection.add(rsa: try Insecure.RSA.PublicKey(modulus: n, exponent: e), digestAlgorithm: .sha256)
        case ("EdDSA"?, let x?, _, _, _):
            await collection.add(eddsa: try EdDSA.PublicKey(x: x, curve: .ed25519))
        default:
            throw ClientKeyError("the key does not fit ES256, RS256 or EdDSA")
        }
        return try await collection.getKey()
    }
}

/// Why a client's key cannot be used.
public struct ClientKeyError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
