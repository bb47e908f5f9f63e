/// One public key a client signs its assertions with (RFC 7517), as `ClientJWKSPolicy` accepted it: only the members
/// Latchkey uses, never private ones.
public struct ClientJWK: Codable, Sendable, Equatable {
    public var kty: String
    public var kid: String?
    /// The JWS algorithm the key is for, if the client named one; otherwise the one its type implies (`algorithm`).
    public var alg: String?
    public var use: String?
    public var crv: String?
    public var x: String?
    public var y: String?
    public var n: String?
    public var e: String?

    public init(
        kty: String, kid: String? = nil, alg: String? = nil, use: String? = nil, crv: String? = nil,
        x: String? = nil, y: String? = nil, n: String? = nil, e: String? = nil
    ) {
        self.kty = kty
        self.kid = kid
        self.alg = alg
        self.use = use
        self.crv = crv
        self.x = x
        self.y = y
        self.n = n
        self.e = e
    }

    /// The one algorithm this key verifies: each accepted key type and curve fits exactly one of ES256, RS256, EdDSA,
    /// so a header cannot pick another algorithm for the same key (RS256 vs PS256, ES256 on another curve).
    public var algorithm: String? {
        switch (kty, crv) {
        case ("EC", "P-256"?): "ES256"
        case ("RSA", nil): "RS256"
        case ("OKP", "Ed25519"?): "EdDSA"
        default: nil
        }
    }
}

/// A client's JWK Set (RFC 7517 §5), validated: what `jwks` holds and what a `jwks_uri` answered.
public struct ClientJWKSet: Codable, Sendable, Equatable {
    public var keys: [ClientJWK]

    public init(keys: [ClientJWK]) {
        self.keys = keys
    }

    /// Which key verifies a JWS with this header.
    public enum Selection: Sendable, Equatable {
        case key(ClientJWK)
        /// The header names a `kid` the set does not have: a reason to refetch a `jwks_uri` (a rotation).
        case unknownKeyID
        /// No key fits the algorithm, or several do and the header names none (OIDC Core §10.1: with several keys,
        /// "a kid value MUST be provided in the JOSE Header").
        case none
    }

    /// The key for `alg` and `kid`: with a `kid`, the key of that id, which must fit `alg`; without, the only key
    /// that fits `alg`. A key never serves an algorithm other than its own (`ClientJWK.algorithm`).
    public func key(alg: String, kid: String?) -> Selection {
        let fitting = keys.filter { $0.algorithm == alg && ($0.alg == nil || $0.alg == alg) }
        if let kid {
            guard keys.contains(where: { $0.kid == kid }) else { return .unknownKeyID }
            return fitting.first { $0.kid == kid }.map(Selection.key) ?? .none
        }
        return fitting.count == 1 ? .key(fitting[0]) : .none
    }
}
