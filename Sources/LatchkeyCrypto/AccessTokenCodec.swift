import Crypto
import Foundation
public import LatchkeyCore

/// Issues and checks Latchkey's RFC 9068 JWT access tokens (JWS compact, ES256, `typ: at+jwt`).
///
/// Verification is for this server's own use (introspection): it accepts only ES256, only `at+jwt`, and only a
/// `kid` it currently publishes — checked *before* the signature, so an unknown kid or another algorithm
/// never reaches a fallback key (DESIGN §7).
public struct AccessTokenCodec: Sendable {
    let signingKeys: SigningKeys
    let issuer: String

    public init(signingKeys: SigningKeys, issuer: String) {
        self.signingKeys = signingKeys
        self.issuer = issuer
    }

    struct Header: Codable {
        var alg: String
        var kid: String
        var typ: String
    }

    public func sign(_ claims: AccessTokenClaims) throws -> String {
        guard let kid = signingKeys.activeKeyID else { throw SigningKeyError.noActiveKey }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let header = Base64URL.encode(try encoder.encode(Header(alg: "ES256", kid: kid, typ: "at+jwt")))
        let payload = Base64URL.encode(try encoder.encode(claims))
        let signingInput = header + "." + payload
        let (signer, signature) = try signingKeys.sign(Data(signingInput.utf8))
        // A rotation between reading the kid and signing would mislabel the token; refuse rather than mislabel.
        guard signer == kid else { throw SigningKeyError.kidMismatch(kid) }
        return signingInput + "." + Base64URL.encode(signature)
    }

    /// The claims of a token this server issued and that is still valid at `now`; `nil` for anything else
    /// (malformed, foreign, wrong algorithm or type, unknown key, bad signature, other issuer, expired).
    public func verify(_ token: String, now: Int64) -> AccessTokenClaims? {
        guard token.utf8.count <= 8192 else { return nil }
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3,
              let headerData = Base64URL.decode(String(parts[0])), JSONNesting.isWithin(4, headerData),
              let header = try? JSONDecoder().decode(Header.self, from: headerData),
              header.alg == "ES256", header.typ.lowercased() == "at+jwt",
              let key = signingKeys.verificationKey(kid: header.kid),
              let signatureData = Base64URL.decode(String(parts[2])), ES256Signature.isCanonical(signatureData),
              let signature = try? P256.Signing.ECDSASignature(rawRepresentation: signatureData),
              key.isValidSignature(signature, for: Data((parts[0] + "." + parts[1]).utf8)),
              let payload = Base64URL.decode(String(parts[1])), JSONNesting.isWithin(4, payload),
              let claims = try? JSONDecoder().decode(AccessTokenClaims.self, from: payload),
              claims.issuer == issuer, claims.expiresAt > now
        else { return nil }
        return claims
    }
}
