import Foundation
import LatchkeyCore
public import LatchkeyCrypto

/// The connect page link an MCP server shows its user when the user must connect (token exchange's
/// `connection_required`, MCP URL elicitation): `{issuer}/connections/{provider}/connect?for=<opaque>`. The opaque
/// value is the user the exchanged token was for, the MCP server's client and an expiry, sealed (AES-GCM under the
/// vault's key): it says nothing to whoever sees the URL — an MCP client, a proxy log, a browser history — and
/// opened in a browser signed in as anyone else, the page refuses (the MCP spec's rule against using a URL
/// elicitation to phish another user into connecting their account).
public struct ConnectLink: Sendable, Equatable {
    public var userID: String
    public var clientID: String
    public var providerID: String
    public var expiresAt: Int64

    public static let lifetime: Int64 = 3600
    /// Binds the sealed value to this use: no other value the vault seals opens as a link, nor a link as one.
    static let associatedData = "latchkey-connect-link/v1"

    public init(userID: String, clientID: String, providerID: String, expiresAt: Int64) {
        self.userID = userID
        self.clientID = clientID
        self.providerID = providerID
        self.expiresAt = expiresAt
    }

    /// The `for` value: the fields, length-prefixed, sealed.
    public func encode(sealer: Sealer) throws -> String {
        let payload = Self.payload(userID: userID, clientID: clientID, providerID: providerID, expiresAt: expiresAt)
        return try sealer.seal(Data(payload.utf8), aad: Self.associatedData)
    }

    /// The link's fields when `value` opens and has not expired; `nil` otherwise.
    public static func decode(_ value: String, sealer: Sealer, now: Int64) -> ConnectLink? {
        guard value.utf8.count <= 2048, let data = try? sealer.open(value, aad: associatedData),
              let payload = String(data: data, encoding: .utf8)
        else { return nil }
        let fields = payload.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
        guard fields.count == 5, fields[0] == "v1", let expiresAt = Int64(fields[4]), expiresAt > now,
              let userID = Base64URL.decode(fields[1]).flatMap({ String(data: $0, encoding: .utf8) }),
              let clientID = Base64URL.decode(fields[2]).flatMap({ String(data: $0, encoding: .utf8) })
        else { return nil }
        return ConnectLink(userID: userID, clientID: clientID, providerID: fields[3], expiresAt: expiresAt)
    }

    static func payload(userID: String, clientID: String, providerID: String, expiresAt: Int64) -> String {
        // Ids are base64url-encoded, so no id can contain the separator.
        "v1|\(Base64URL.encode(Data(userID.utf8)))|\(Base64URL.encode(Data(clientID.utf8)))|\(providerID)|\(expiresAt)"
    }
}

extension Vault {
    /// `link` as the connect page's opaque `for` value, sealed with the vault's key.
    public func seal(_ link: ConnectLink) throws -> String {
        try link.encode(sealer: sealer)
    }

    /// The link `value` names, when it opens with the vault's key (current or previous) and has not expired.
    public func connectLink(_ value: String, now: Int64) -> ConnectLink? {
        ConnectLink.decode(value, sealer: sealer, now: now)
    }
}
