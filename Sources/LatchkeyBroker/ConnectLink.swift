import Foundation
import LatchkeyCore
public import LatchkeyCrypto

/// The connect page link an MCP server shows its user when the user must connect (token exchange's
/// `connection_required`, MCP URL elicitation): `{issuer}/connections/{provider}/connect?for=<opaque>`. The opaque
/// value names, under Latchkey's HMAC, the user the exchanged token was for and the MCP server's client, with an
/// expiry; opened in a browser signed in as anyone else, the page refuses (the MCP spec's rule against using a
/// URL elicitation to phish another user into connecting their account).
public struct ConnectLink: Sendable, Equatable {
    public var userID: String
    public var clientID: String
    public var providerID: String
    public var expiresAt: Int64

    public static let lifetime: Int64 = 3600

    public init(userID: String, clientID: String, providerID: String, expiresAt: Int64) {
        self.userID = userID
        self.clientID = clientID
        self.providerID = providerID
        self.expiresAt = expiresAt
    }

    /// The `for` value: the fields, base64url-encoded and length-prefixed, then their HMAC.
    public func encode(hasher: SecretHasher) -> String {
        let payload = Self.payload(userID: userID, clientID: clientID, providerID: providerID, expiresAt: expiresAt)
        return Base64URL.encode(Data(payload.utf8)) + "." + hasher.hash("connect-link:" + payload)
    }

    /// The link's fields when `value` carries a valid HMAC and has not expired; `nil` otherwise.
    public static func decode(_ value: String, hasher: SecretHasher, now: Int64) -> ConnectLink? {
        let parts = value.split(separator: ".", omittingEmptySubsequences: false)
        guard value.utf8.count <= 2048, parts.count == 2, let data = Base64URL.decode(String(parts[0])),
              let payload = String(data: data, encoding: .utf8), hasher.verify("connect-link:" + payload, against: String(parts[1]))
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
