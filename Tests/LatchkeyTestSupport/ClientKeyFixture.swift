import Crypto
import CryptoExtras
public import Foundation
import LatchkeyCore

/// A client's signing key for `private_key_jwt` tests: its public JWK and assertions signed with it, header and claims
/// as the test chooses. Signs with swift-crypto directly, so the server's jwt-kit verification is checked against an
/// independent signer.
public struct ClientKeyFixture: Sendable {
    public enum Algorithm: String, Sendable, CaseIterable {
        case es256 = "ES256"
        case rs256 = "RS256"
        case eddsa = "EdDSA"
    }

    enum Key: Sendable {
        case p256(P256.Signing.PrivateKey)
        case ed25519(Curve25519.Signing.PrivateKey)
        case rsa(_RSA.Signing.PrivateKey)
    }

    public let algorithm: Algorithm
    public let kid: String?
    let key: Key

    /// RSA key generation is slow in a debug build: one 2048-bit key serves every RS256 fixture without a kid choice.
    static let sharedRSA = try! _RSA.Signing.PrivateKey(keySize: .bits2048)

    public init(_ algorithm: Algorithm, kid: String? = "k1", freshRSA: Bool = false) {
        self.algorithm = algorithm
        self.kid = kid
        switch algorithm {
        case .es256: key = .p256(P256.Signing.PrivateKey())
        case .eddsa: key = .ed25519(Curve25519.Signing.PrivateKey())
        case .rs256: key = .rsa(freshRSA ? try! _RSA.Signing.PrivateKey(keySize: .bits2048) : Self.sharedRSA)
        }
    }

    /// The public JWK, members as RFC 7517/7518 name them.
    public var jwk: [String: String] {
        var members: [String: String]
        switch key {
        case .p256(let key):
            let point = key.publicKey.x963Representation
            members = ["kty": "EC", "crv": "P-256", "x": Base64URL.encode(point[1..<33]), "y": Base64URL.encode(point[33...])]
        case .ed25519(let key):
            members = ["kty": "OKP", "crv": "Ed25519", "x": Base64URL.encode(key.publicKey.rawRepresentation)]
        case .rsa(let key):
            let primitives = try! key.publicKey.getKeyPrimitives()
            members = ["kty": "RSA", "n": Base64URL.encode(primitives.modulus), "e": Base64URL.encode(primitives.publicExponent)]
        }
        if let kid { members["kid"] = kid }
        return members
    }

    /// `{"keys":[jwk]}` as JSON text.
    public var jwks: String { Self.jwks([self]) }

    public static func jwks(_ keys: [ClientKeyFixture]) -> String {
        String(decoding: try! JSONSerialization.data(withJSONObject: ["keys": keys.map(\.jwk)], options: [.sortedKeys]), as: UTF8.self)
    }

    /// Claims a server at `issuer` accepts from `clientID` at `now`, with `changes` applied (`nil` removes a claim).
    public static func claims(clientID: String, audience: String, now: Int64, jti: String = UUID().uuidString, changes: [String: Any?] = [:]) -> [String: Any] {
        var claims: [String: Any] = ["iss": clientID, "sub": clientID, "aud": audience, "iat": now, "exp": now + 120, "jti": jti]
        for (name, value) in changes { claims[name] = value }
        return claims
    }

    /// A JWS compact serialization of `claims`, signed with this key. The header is `alg` and (if set) `kid`, with
    /// `header` merged over it.
    public func sign(_ claims: [String: Any], header: [String: Any] = [:]) -> String {
        var fields: [String: Any] = ["alg": algorithm.rawValue, "typ": "JWT"]
        if let kid { fields["kid"] = kid }
        fields.merge(header) { $1 }
        let input = Self.part(fields) + "." + Self.part(claims)
        let data = Data(input.utf8)
        let signature: Data
        switch key {
        case .p256(let key): signature = try! key.signature(for: data).rawRepresentation
        case .ed25519(let key): signature = try! key.signature(for: data)
        case .rsa(let key): signature = try! key.signature(for: data, padding: .insecurePKCS1v1_5).rawRepresentation
        }
        return input + "." + Base64URL.encode(signature)
    }

    /// An unsigned (`alg: none`) or HMAC-signed token: what an attacker without the private key can make.
    public static func forged(_ claims: [String: Any], alg: String, secret: Data = Data("secret".utf8)) -> String {
        let input = part(["alg": alg, "typ": "JWT"]) + "." + part(claims)
        switch alg {
        case "HS256":
            return input + "." + Base64URL.encode(Data(HMAC<SHA256>.authenticationCode(for: Data(input.utf8), using: SymmetricKey(data: secret))))
        default:
            return input + "."
        }
    }

    static func part(_ object: [String: Any]) -> String {
        Base64URL.encode(try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]))
    }
}
