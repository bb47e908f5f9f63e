/// Builds the redirect of an authorization response (RFC 6749 §4.1.2, §4.1.2.1, RFC 9207 `iss`).
public enum AuthorizationResponse {
    /// `redirectURI` with `parameters` added to its query (keeping any query it has, §3.1.2), dropping nil values.
    public static func location(_ redirectURI: String, _ parameters: [(String, String?)]) -> String {
        let query = parameters.compactMap { name, value in value.map { "\(name)=\(percentEncode($0))" } }.joined(separator: "&")
        // Registered redirect URIs have no fragment (RFC 6749 §3.1.2); drop one anyway rather than hide the query behind it.
        let base = redirectURI.firstIndex(of: "#").map { String(redirectURI[..<$0]) } ?? redirectURI
        let separator = base.unicodeScalars.contains("?") ? (base.hasSuffix("?") || base.hasSuffix("&") ? "" : "&") : "?"
        return base + separator + query
    }

    public static func success(redirectURI: String, code: String, state: String?, issuer: String) -> String {
        location(redirectURI, [("code", code), ("state", state), ("iss", issuer)])
    }

    public static func error(_ error: OAuthError, redirectURI: String, state: String?, issuer: String) -> String {
        location(redirectURI, [("error", error.code.rawValue), ("error_description", error.description), ("state", state), ("iss", issuer)])
    }

    /// `application/x-www-form-urlencoded` value encoding: everything but unreserved characters is escaped.
    public static func percentEncode(_ value: String) -> String {
        var out = ""
        out.reserveCapacity(value.utf8.count)
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF".utf8)
                out.unicodeScalars.append("%")
                out.unicodeScalars.append(Unicode.Scalar(hex[Int(byte >> 4)]))
                out.unicodeScalars.append(Unicode.Scalar(hex[Int(byte & 0x0F)]))
            }
        }
        return out
    }
}
