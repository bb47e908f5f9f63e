import Foundation

/// Validates a client's JWK Set (RFC 7517 §5): the `jwks` of a registration, or what its `jwks_uri` answers.
///
/// Only public signature keys Latchkey can use are kept: EC P-256 (ES256), RSA of 2048 to 4096 bits (RS256) and
/// Ed25519 (EdDSA), each with only the members verification needs. A key with private members is refused outright,
/// in either mode: whoever published it has leaked it, and no assertion it signs proves anything.
public struct ClientJWKSPolicy: Sendable, Equatable {
    public enum Mode: Sendable, Equatable {
        /// The client registers these keys for assertions: every key must be one Latchkey can use.
        case registered
        /// A document at `jwks_uri`, which may also hold keys for other purposes (encryption, other algorithms):
        /// those are skipped.
        case published
    }

    public var mode: Mode
    /// Usable keys at most: each assertion without a `kid` is matched against them.
    public var maxKeys: Int = 10
    /// The encoded set at most, in bytes (registered mode; a fetched document is capped by egress).
    public var maxBytes: Int = 12 * 1024
    /// Entries a published document may list, usable or not.
    public var maxPublishedEntries: Int = 50

    public init(mode: Mode) {
        self.mode = mode
    }

    /// Members that carry private or symmetric key material (RFC 7518 §6.2.2, §6.3.2, §6.4.1).
    public static let privateMembers = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"]

    public func validate(_ value: JSONValue, field: String = "jwks") throws -> ClientJWKSet {
        func refuse(_ reason: String) -> OAuthError { .invalidClientMetadata("\(field): \(reason)") }
        if mode == .registered {
            let size = (try? JSONEncoder().encode(value).count) ?? Int.max
            guard size <= maxBytes else { throw refuse("the key set must be at most \(maxBytes) bytes") }
        }
        guard case .object(let set) = value, case .array(let entries)? = set["keys"] else {
            throw refuse("must be a JWK Set: an object with a \"keys\" array")
        }
        guard entries.count <= (mode == .registered ? maxKeys : maxPublishedEntries) else {
            throw refuse("the key set has too many keys")
        }
        var keys: [ClientJWK] = []
        for (index, entry) in entries.enumerated() {
            guard case .object(let members) = entry else { throw refuse("key \(index) is not an object") }
            if let leaked = Self.privateMembers.first(where: { members[$0] != nil }) {
                throw refuse("key \(index) carries private key material ('\(leaked)'); publish only public keys")
            }
            do {
                keys.append(try Self.key(members))
            } catch let reason as Reason {
                if mode == .registered { throw refuse("key \(index) \(reason.text)") }
            }
        }
        guard !keys.isEmpty else { throw refuse("no key for ES256, RS256 or EdDSA signatures") }
        guard keys.count <= maxKeys else { throw refuse("more than \(maxKeys) signature keys") }
        let kids = keys.compactMap(\.kid)
        guard Set(kids).count == kids.count else { throw refuse("two keys have the same kid") }
        return ClientJWKSet(keys: keys)
    }

    struct Reason: Error {
        let text: String
        init(_ text: String) { self.text = text }
    }

    /// One usable public key, or why not.
    static func key(_ members: [String: JSONValue]) throws -> ClientJWK {
        func string(_ name: String) throws -> String? {
            switch members[name] {
            case nil, .null?: return nil
            case .string(let value)?: return value
            case let other?: throw Reason("has '\(name)' of type \(other.typeName), not string")
            }
        }
        func bytes(_ name: String, _ range: ClosedRange<Int>) throws -> String {
            guard let value = try string(name), let decoded = Base64URL.decode(value), range.contains(decoded.count) else {
                throw Reason("needs '\(name)', base64url of \(range.lowerBound == range.upperBound ? "\(range.lowerBound)" : "\(range.lowerBound) to \(range.upperBound)") bytes")
            }
            return value
        }
        guard let kty = try string("kty") else { throw Reason("has no kty") }
        let kid = try string("kid")
        if let kid, kid.isEmpty || kid.utf8.count > 256 { throw Reason("has a kid that is empty or longer than 256 bytes") }
        let use = try string("use")
        if let use, use != "sig" { throw Reason("is for use '\(RedirectURIPolicy.excerpt(use))', not sig") }
        if case .array(let operations)? = members["key_ops"], !operations.contains(.string("verify")) {
            throw Reason("has key_ops without verify")
        }
        var key = ClientJWK(kty: kty, kid: kid, alg: try string("alg"), use: use, crv: try string("crv"))
        switch kty {
        case "EC":
            guard key.crv == "P-256" else { throw Reason("is an EC key on a curve other than P-256") }
            key.x = try bytes("x", 32...32)
            key.y = try bytes("y", 32...32)
        case "RSA":
            guard key.crv == nil else { throw Reason("is an RSA key with a crv") }
            // 2048 to 4096 bits (one leading zero byte tolerated); a small public exponent keeps verification cheap.
            key.n = try bytes("n", 256...513)
            key.e = try bytes("e", 1...4)
        case "OKP":
            guard key.crv == "Ed25519" else { throw Reason("is an OKP key on a curve other than Ed25519") }
            key.x = try bytes("x", 32...32)
        default:
            throw Reason("has kty '\(RedirectURIPolicy.excerpt(kty))'; use EC (P-256), RSA or OKP (Ed25519)")
        }
        if let alg = key.alg, alg != key.algorithm {
            throw Reason("names alg '\(RedirectURIPolicy.excerpt(alg))', which does not fit it; use \(key.algorithm ?? "-")")
        }
        return key
    }
}
