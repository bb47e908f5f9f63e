import Foundation
import LatchkeyCore

/// Client assertions with chosen header and claims and a placeholder signature: Core checks shape and claims, and
/// leaves signatures to LatchkeyCrypto.
enum ClientAssertionFixture {
    static func compact(header: [String: Any] = ["alg": "ES256"], claims: [String: Any], signature: String = "c2ln") -> String {
        func part(_ object: [String: Any]) -> String {
            Base64URL.encode(try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]))
        }
        return part(header) + "." + part(claims) + "." + signature
    }

    static func make(header: [String: Any] = ["alg": "ES256"], claims: [String: Any]) throws -> ClientAssertion {
        try ClientAssertion(compact(header: header, claims: claims))
    }

    /// Claims that `ClientAssertionPolicy` accepts at `now` for the issuer `https://as.example`.
    static func claims(now: Int64, _ changes: [String: Any?] = [:]) -> [String: Any] {
        var claims: [String: Any] = [
            "iss": "worker", "sub": "worker", "aud": "https://as.example", "exp": now + 60, "iat": now, "jti": "j-1",
        ]
        for (name, value) in changes { claims[name] = value }
        return claims
    }
}
