import Foundation

/// Rules for the redirect URIs a client may register (RFC 6749 §3.1.2, RFC 8252 §7, OAuth 2.1 §2.3.1).
public struct RedirectURIPolicy: Sendable, Equatable {
    /// HTTPS hosts operators allow; empty allows any. An entry starting with `.` also admits subdomains.
    public var allowedHosts: [String]
    public var maxLength: Int

    public init(allowedHosts: [String] = [], maxLength: Int = 2000) {
        self.allowedHosts = allowedHosts.map { $0.lowercased() }
        self.maxLength = maxLength
    }

    /// What kind of redirect a URI is, which decides the application types it fits.
    public enum Kind: Sendable, Equatable {
        case https
        /// `http` on 127.0.0.1, [::1] or localhost, any port (RFC 8252 §7.3).
        case loopback
        /// A private-use scheme such as `cursor://…` (RFC 8252 §7.1), for native clients only.
        case privateUse
    }

    /// Schemes that execute or read locally in a browser; never a redirect target.
    static let forbiddenSchemes: Set<String> = [
        "javascript", "data", "file", "vbscript", "about", "blob", "filesystem", "view-source",
        // Network schemes that are not redirect targets; allowing them as "private-use" would skip the host checks.
        "ws", "wss", "ftp",
    ]

    /// Classifies `uri` or throws `invalid_redirect_uri` naming what is wrong.
    public func classify(_ uri: String) throws -> Kind {
        func reject(_ reason: String) -> OAuthError {
            .invalidRedirectURI("redirect_uris: '\(Self.excerpt(uri))' \(reason)")
        }
        guard !uri.isEmpty else { throw OAuthError.invalidRedirectURI("redirect_uris must not contain an empty string") }
        guard uri.utf8.count <= maxLength else { throw reject("is longer than \(maxLength) bytes") }
        guard !uri.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F || $0.value > 0x7E }) else {
            throw reject("contains whitespace, control or non-ASCII characters")
        }
        guard !uri.unicodeScalars.contains("*") else { throw reject("contains a wildcard") }
        guard URISyntax.hasOnlyURICharacters(uri) else { throw reject("contains characters a URI may not hold") }
        guard !uri.unicodeScalars.contains("#") else { throw reject("must not contain a fragment") }
        guard let components = URLComponents(string: uri), let rawScheme = components.scheme else {
            throw reject("is not an absolute URI")
        }
        let scheme = rawScheme.lowercased()
        guard !Self.forbiddenSchemes.contains(scheme) else { throw reject("uses the forbidden scheme '\(scheme)'") }
        guard components.user == nil, components.password == nil, !Self.authority(of: uri).unicodeScalars.contains("@") else {
            throw reject("must not contain user information")
        }
        switch scheme {
        case "https", "http":
            // Judge the host as written, not URLComponents' percent-decoded view of it.
            guard let host = URISyntax.hostAndPort(of: uri)?.host else { throw reject("has no valid host and port") }
            if scheme == "http" {
                guard Self.isLoopback(host) else {
                    throw reject("uses http, which is allowed only for loopback hosts (127.0.0.1, [::1], localhost)")
                }
                return .loopback
            }
            if Self.isLoopback(host) { return .https }
            guard isAllowed(host: host) else { throw reject("has a host that is not on this server's allowlist") }
            return .https
        default:
            guard scheme.contains(where: { $0.isLetter }) else { throw reject("has an invalid scheme") }
            // RFC 8252 §7.1: a private-use scheme followed by a path, e.g. `com.example.app:/callback`.
            guard uri.count > rawScheme.count + 1 else { throw reject("has nothing after its scheme") }
            guard Self.isPrivateUseScheme(scheme, uri: uri) else {
                throw reject("uses '\(scheme):', which is not a private-use scheme; native apps use a reverse domain name such as com.example.app:/callback (RFC 8252 §7.1)")
            }
            return .privateUse
        }
    }

    /// RFC 8252 §7.1: a private-use scheme is a domain the app controls, reversed (`com.example.app`). Single-label
    /// schemes are accepted only in the `name://` form MCP clients use (`cursor://`, `vscode://`), and never when the
    /// scheme is registered for something else or belongs to a browser (`mailto:`, `urn:`, `chrome://`), whose
    /// "redirect" would hand the code to another program.
    static func isPrivateUseScheme(_ scheme: String, uri: String) -> Bool {
        guard !registeredSchemes.contains(scheme) else { return false }
        let labels = scheme.split(separator: ".", omittingEmptySubsequences: false)
        if labels.count >= 2 {
            return labels.allSatisfy { label in
                label.first?.isLetter == true && label.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" }
            }
        }
        return uri.dropFirst(scheme.count).hasPrefix("://") && scheme.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" }
    }

    /// IANA-registered and browser-internal schemes that are not an app's own.
    static let registeredSchemes: Set<String> = [
        "mailto", "urn", "tel", "sms", "mms", "news", "nntp", "ldap", "ldaps", "telnet", "gopher", "irc", "ircs", "xmpp",
        "sip", "sips", "ssh", "sftp", "git", "svn", "magnet", "geo", "market", "intent", "content", "itms", "itms-apps",
        "itms-services", "resource", "chrome", "chrome-extension", "chrome-search", "chrome-untrusted", "edge", "brave",
        "opera", "vivaldi", "moz-extension", "safari-extension", "ms-browser-extension", "devtools", "webcal", "facetime",
        "callto", "skype", "steam", "jar", "res", "mk", "cid", "mid", "dns", "nfs", "smb", "afp", "rtsp", "rtmp", "webdav",
        "http+unix", "ipfs", "ipns", "did", "bitcoin", "blob", "tag", "info", "fax", "modem", "pres", "im", "snmp", "z39.50r", "z39.50s",
    ]

    func isAllowed(host: String) -> Bool {
        guard !allowedHosts.isEmpty else { return true }
        return allowedHosts.contains { allowed in
            allowed.hasPrefix(".") ? (host.hasSuffix(allowed) || host == String(allowed.dropFirst())) : host == allowed
        }
    }

    /// Loopback as RFC 8252 §7.3 and MCP clients use it.
    public static func isLoopback(_ host: String) -> Bool {
        host == "127.0.0.1" || host == "::1" || host == "localhost"
    }

    /// Lowercased host without IPv6 brackets.
    static func normalizedHost(_ host: String?) -> String {
        var value = (host ?? "").lowercased()
        if value.hasPrefix("["), value.hasSuffix("]") { value = String(value.dropFirst().dropLast()) }
        return value
    }

    /// The authority part of a URI string, so `@` hidden from URLComponents is still caught.
    static func authority(of uri: String) -> Substring {
        guard let range = uri.range(of: "://") else { return "" }
        let rest = uri[range.upperBound...]
        return rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
    }

    /// A bounded excerpt, so an error message never echoes a huge value.
    public static func excerpt(_ value: String) -> String {
        value.count > 80 ? String(value.prefix(80)) + "…" : value
    }
}
