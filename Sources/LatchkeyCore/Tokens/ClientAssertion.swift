public import Foundation

/// A client assertion (RFC 7523 §2.2): a JWS compact serialization the client signed with one of its keys, parsed
/// but not yet verified. Parsing is cheap and bounded: the size is checked before anything is decoded, and the
/// header and payload are measured for nesting before JSON parsing (DESIGN §8).
public struct ClientAssertion: Sendable, Equatable {
    /// RFC 7523 §2.2 `client_assertion_type`.
    public static let type = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    /// Longer assertions are refused before decoding: an RS256 assertion with a 4096-bit key is under 1.5 KB.
    public static let maxBytes = 8 * 1024

    /// The JOSE header members Latchkey reads. `jwk`, `jku`, `x5u` and `x5c` are ignored: the key is always one the
    /// client registered, never one the token brings.
    public struct Header: Sendable, Equatable {
        public var alg: String
        public var kid: String?
        /// Whether the header has `crit`: extensions Latchkey does not implement, so it must refuse (RFC 7515 §4.1.11).
        public var hasCritical: Bool
    }

    /// The whole assertion as sent.
    public let compact: String
    public let header: Header
    public let claims: ClientAssertionClaims
    /// `BASE64URL(header) || '.' || BASE64URL(payload)`, what the signature covers.
    public let signingInput: Data
    public let signature: Data

    static func malformed(_ reason: String) -> OAuthError {
        OAuthError(.invalidClient, "client_assertion is not a valid JWT: \(reason)", httpStatus: 401)
    }

    public init(_ compact: String) throws {
        guard compact.utf8.count <= Self.maxBytes else {
            throw OAuthError(.invalidClient, "client_assertion is longer than \(Self.maxBytes) bytes", httpStatus: 401)
        }
        let parts = compact.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else { throw Self.malformed("a JWS compact serialization has three parts") }
        guard let headerData = Base64URL.decode(String(parts[0])), JSONNesting.isWithin(4, headerData),
              case .object(let header)? = try? JSONDecoder().decode(JSONValue.self, from: headerData)
        else { throw Self.malformed("the header is not a base64url JSON object") }
        guard case .string(let alg)? = header["alg"] else { throw Self.malformed("the header has no alg") }
        var kid: String?
        switch header["kid"] {
        case nil: break
        case .string(let value)?: kid = value
        default: throw Self.malformed("kid is not a string")
        }
        guard let payload = Base64URL.decode(String(parts[1])), JSONNesting.isWithin(4, payload),
              case .object(let claims)? = try? JSONDecoder().decode(JSONValue.self, from: payload)
        else { throw Self.malformed("the payload is not a base64url JSON object") }
        guard let signature = Base64URL.decode(String(parts[2])) else { throw Self.malformed("the signature is not base64url") }
        self.compact = compact
        self.header = Header(alg: alg, kid: kid, hasCritical: header["crit"] != nil)
        self.claims = try ClientAssertionClaims(claims)
        self.signingInput = Data(compact.utf8.prefix(parts[0].utf8.count + 1 + parts[1].utf8.count))
        self.signature = signature
    }
}
