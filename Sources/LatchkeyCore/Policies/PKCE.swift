/// RFC 7636 Proof Key for Code Exchange, S256 only (OAuth 2.1 §4.1.1, DESIGN §7).
public enum PKCE {
    /// RFC 7636 §4.1: 43–128 characters from the unreserved set `[A-Z] / [a-z] / [0-9] / "-" / "." / "_" / "~"`.
    public static func isValidVerifier(_ verifier: String) -> Bool {
        (43...128).contains(verifier.utf8.count) && verifier.utf8.allSatisfy(isUnreserved)
    }

    /// RFC 7636 §4.2: an S256 challenge is the base64url SHA-256 of the verifier, 43 characters.
    public static func isValidChallenge(_ challenge: String) -> Bool {
        challenge.utf8.count == 43 && challenge.utf8.allSatisfy { isUnreserved($0) && $0 != UInt8(ascii: ".") && $0 != UInt8(ascii: "~") }
    }

    /// The method a request names; only `S256` is accepted (`plain` and absence are `invalid_request`).
    public static func requireS256(method: String?) throws {
        guard let method else {
            throw OAuthError.invalidRequest("code_challenge_method is required and must be S256")
        }
        guard method == "S256" else {
            throw OAuthError.invalidRequest("code_challenge_method '\(RedirectURIPolicy.excerpt(method))' is not supported; use S256")
        }
    }

    static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
        case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"): true
        default: false
        }
    }
}
