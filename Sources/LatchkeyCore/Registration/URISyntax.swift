import Foundation

/// Checks on the raw text of a URI, so a decision is made on the string that is stored and later used —
/// never on a percent-decoded or normalized view of it.
public enum URISyntax {
    /// RFC 3986 §2: unreserved, reserved and `%`. Quotes, angle brackets, backslashes and spaces are out.
    static func hasOnlyURICharacters(_ value: String) -> Bool {
        value.unicodeScalars.allSatisfy { scalar in
            guard scalar.isASCII else { return false }
            let character = Character(scalar)
            return character.isLetter || character.isNumber || "-._~:/?#[]@!$&'()*+,;=%".contains(character)
        }
    }

    /// The authority of `scheme://authority/...` split into a lowercased host (IPv6 without brackets) and port.
    /// `nil` when the authority is not a plain DNS name, IPv4 or bracketed IPv6 address with an optional valid port.
    ///
    /// The authority is what follows the scheme's own `://` (RFC 3986 §3): `http:evil.example://127.0.0.1/cb` has
    /// none — its `://` is in the path — and a browser sends it to `http://evil.example//127.0.0.1/cb`, so taking the
    /// host after the first `://` anywhere once registered it as a loopback redirect (found by fuzz/FuzzURIPolicies).
    public static func hostAndPort(of uri: String) -> (host: String, port: Int?)? {
        guard let colon = uri.firstIndex(of: ":"), isScheme(uri[..<colon]), uri[colon...].hasPrefix("://") else { return nil }
        let authority = uri[uri.index(colon, offsetBy: 3)...].prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        let host: Substring
        let portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return nil }
            host = authority[authority.index(after: authority.startIndex)..<close]
            guard !host.isEmpty, host.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) else { return nil }
            let rest = authority[authority.index(after: close)...]
            guard rest.isEmpty || rest.hasPrefix(":") else { return nil }
            portText = rest.isEmpty ? nil : rest.dropFirst()
        } else {
            let parts = authority.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            host = parts[0]
            portText = parts.count == 2 ? parts[1] : nil
            // DNS names and IPv4: letters, digits, '-' and '.', no empty labels.
            guard !host.isEmpty, host.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == ".") }),
                  !host.hasPrefix("."), !host.contains("..")
            else { return nil }
        }
        var port: Int?
        if let portText {
            guard let value = Int(portText), portText.allSatisfy(\.isNumber), (1...65535).contains(value) else { return nil }
            port = value
        }
        return (host.lowercased(), port)
    }

    /// RFC 3986 §3.1: `ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )`.
    static func isScheme(_ text: Substring) -> Bool {
        guard let first = text.unicodeScalars.first, first.isASCII, Character(first).isLetter else { return false }
        return text.unicodeScalars.allSatisfy { $0.isASCII && (Character($0).isLetter || Character($0).isNumber || "+-.".unicodeScalars.contains($0)) }
    }
}
