/// The checks every value from an upstream or a deposit passes before the vault keeps it: tokens are RFC 6749
/// Appendix A `VSCHAR` (printable ASCII), labels printable text without control or formatting characters (a
/// right-to-left override could dress up "connected as …"), lifetimes whole seconds within a year.
public enum UpstreamValue {
    /// Longer than any real token (Google's refresh tokens are ~100 characters, GitHub's under 100; JWTs a few KB).
    public static let maxTokenLength = 8192
    public static let maxLabelLength = 256
    public static let maxLifetime: Int64 = 31_536_000

    public static func isToken(_ value: String) -> Bool {
        !value.isEmpty && value.utf8.count <= maxTokenLength && value.unicodeScalars.allSatisfy { (0x20...0x7E).contains($0.value) }
    }

    public static func isPrintable(_ value: String) -> Bool {
        value.unicodeScalars.allSatisfy { ![.control, .format, .lineSeparator, .paragraphSeparator].contains($0.properties.generalCategory) }
    }

    /// A label to show ("connected as @octocat"): printable, at most `maxLabelLength` bytes; `nil` otherwise.
    public static func label(_ value: String) -> String? {
        guard !value.isEmpty, value.utf8.count <= maxLabelLength, isPrintable(value) else { return nil }
        return value
    }

    /// `expires_in` as RFC 6749 §5.1 sends it (a number), or as a numeric string, which some upstreams send.
    /// Anything else — a fraction, a negative, a word, more than a year — is `nil`.
    public static func lifetime(_ value: JSONValue) -> Int64? {
        switch value {
        case .number(let number):
            guard number >= 0, number <= Double(maxLifetime), number == number.rounded() else { return nil }
            return Int64(number)
        case .string(let text):
            guard (1...8).contains(text.utf8.count), text.utf8.allSatisfy({ (48...57).contains($0) }), let value = Int64(text),
                  value <= maxLifetime
            else { return nil }
            return value
        default:
            return nil
        }
    }

    /// RFC 6749 §7.1: only Bearer tokens can be handed on as they are (a DPoP token is useless without its key).
    /// The type is case-insensitive (GitHub sends `bearer`); `nil` for any other type.
    public static func bearerType(_ value: String?) -> String? {
        guard let value else { return "Bearer" }
        return value.lowercased() == "bearer" ? "Bearer" : nil
    }
}
