import Crypto
import Foundation
import LatchkeyCore

/// An ES256 key pair and its public JWK, created and sealed for storage.
struct SigningKeyMaterial: Sendable {
    let privateKey: P256.Signing.PrivateKey
    let kid: String
    let publicJWK: PublicJWK

    init(privateKey: P256.Signing.PrivateKey) {
        self.privateKey = privateKey
        // x963 form: 0x04 || X (32 bytes) || Y (32 bytes).
        let point = privateKey.publicKey.x963Representation
        let x = Base64URL.encode(point.dropFirst().prefix(32))
        let y = Base64URL.encode(point.suffix(32))
        // RFC 7638 thumbprint: SHA-256 of the required members in lexicographic order, no whitespace.
        let thumbprintInput = #"{"crv":"P-256","kty":"EC","x":"\#(x)","y":"\#(y)"}"#
        self.kid = Base64URL.encode(Data(SHA256.hash(data: Data(thumbprintInput.utf8))))
        self.publicJWK = PublicJWK(kty: "EC", crv: "P-256", x: x, y: y, kid: kid, use: "sig", alg: "ES256")
    }

    static func generate() -> SigningKeyMaterial {
        SigningKeyMaterial(privateKey: P256.Signing.PrivateKey())
    }

    /// Seals the private key under the signing-keys purpose key with AAD = kid, so a key row
    /// cannot be swapped for another.
    func stored(status: StoredSigningKey.Status, sealer: Sealer, now: Int64) throws -> StoredSigningKey {
        StoredSigningKey(
            kid: kid,
            algorithm: "ES256",
            status: status,
            sealedPrivateKey: try sealer.seal(privateKey.rawRepresentation, aad: SigningKeys.associatedData(kid: kid)),
            publicJWK: String(decoding: try JSONEncoder.sorted.encode(publicJWK), as: UTF8.self),
            createdAt: now,
            activatedAt: status == .active ? now : nil
        )
    }

    static func open(_ stored: StoredSigningKey, sealer: Sealer) throws -> SigningKeyMaterial {
        let raw = try sealer.open(stored.sealedPrivateKey, aad: SigningKeys.associatedData(kid: stored.kid))
        let material = SigningKeyMaterial(privateKey: try P256.Signing.PrivateKey(rawRepresentation: raw))
        guard material.kid == stored.kid else { throw SigningKeyError.kidMismatch(stored.kid) }
        return material
    }
}

/// A public key as RFC 7517 JSON.
public struct PublicJWK: Codable, Sendable, Equatable {
    public var kty: String
    public var crv: String
    public var x: String
    public var y: String
    public var kid: String
    public var use: String
    public var alg: String
}

extension PublicJWK {
    /// Parses a stored EC P-256 JWK back into a public key.
    static func decodePublicKey(_ json: String) throws -> P256.Signing.PublicKey {
        let jwk = try JSONDecoder().decode(PublicJWK.self, from: Data(json.utf8))
        guard jwk.kty == "EC", jwk.crv == "P-256", let x = Base64URL.decode(jwk.x), let y = Base64URL.decode(jwk.y),
              x.count == 32, y.count == 32
        else { throw SigningKeyError.kidMismatch(jwk.kid) }
        return try P256.Signing.PublicKey(x963Representation: Data([0x04]) + x + y)
    }
}

public enum SigningKeyError: Error, Sendable, CustomStringConvertible {
    case kidMismatch(String)
    case noActiveKey

    public var description: String {
        switch self {
        case .kidMismatch(let kid): "signing key \(kid) does not match its stored id; the row was tampered with"
        case .noActiveKey: "there is no active signing key; run `latchkey keys list` to inspect"
        }
    }
}

extension JSONEncoder {
    /// Stable output, so documents compare byte for byte.
    static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}
