import Crypto
import Foundation
import LatchkeyCore
@testable import LatchkeyCrypto
import Testing

/// ES256 signing keys: RFC 7638 thumbprint as `kid`, private half sealed with AAD = kid (DESIGN §4).
struct SigningKeyMaterialTests {
    let sealer: Sealer

    init() throws {
        sealer = Sealer(masterKey: try MasterKey(base64: MasterKeyTests.fixedBase64), purpose: .signingKeys)
    }

    /// The RFC 7638 §3 thumbprint of an EC public key, built here from the key's coordinates.
    static func thumbprint(of publicKey: P256.Signing.PublicKey) throws -> String {
        let point = publicKey.x963Representation
        let members = [
            "crv": "P-256", "kty": "EC",
            "x": Base64URL.encode(point.dropFirst().prefix(32)), "y": Base64URL.encode(point.suffix(32)),
        ]
        let json = try JSONSerialization.data(withJSONObject: members, options: [.sortedKeys, .withoutEscapingSlashes])
        return Base64URL.encode(Data(SHA256.hash(data: json)))
    }

    @Test("matches the RFC 7515 A.3 key and its RFC 7638 thumbprint")
    func rfcVector() throws {
        // RFC 7515 Appendix A.3 key; thumbprint computed independently with Python hashlib.
        let d = try #require(Base64URL.decode("jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI"))
        let material = SigningKeyMaterial(privateKey: try P256.Signing.PrivateKey(rawRepresentation: d))
        #expect(material.publicJWK.x == "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU")
        #expect(material.publicJWK.y == "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0")
        #expect(material.kid == "oKIywvGUpTVTyxMQ3bwIIeQUudfr_CkLMjCE19ECD-U")
        #expect(material.publicJWK == PublicJWK(
            kty: "EC", crv: "P-256", x: "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
            y: "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0", kid: "oKIywvGUpTVTyxMQ3bwIIeQUudfr_CkLMjCE19ECD-U",
            use: "sig", alg: "ES256"
        ))
    }

    @Test("a generated key's kid is its RFC 7638 thumbprint, and keys differ")
    func generatedKid() throws {
        let first = SigningKeyMaterial.generate()
        let second = SigningKeyMaterial.generate()
        #expect(first.kid == (try Self.thumbprint(of: first.privateKey.publicKey)))
        #expect(second.kid == (try Self.thumbprint(of: second.privateKey.publicKey)))
        #expect(first.kid != second.kid)
        #expect(first.publicJWK.kid == first.kid)
    }

    @Test("the public JWK describes the private key's public half")
    func publicJWKMatchesKey() throws {
        let material = SigningKeyMaterial.generate()
        let x = try #require(Base64URL.decode(material.publicJWK.x))
        let y = try #require(Base64URL.decode(material.publicJWK.y))
        #expect(x.count == 32 && y.count == 32)
        let publicKey = try P256.Signing.PublicKey(x963Representation: Data([0x04]) + x + y)
        let message = Data("header.payload".utf8)
        let signature = try material.privateKey.signature(for: message)
        #expect(publicKey.isValidSignature(signature, for: message))
    }

    @Test("stored() seals the private key and records the row", arguments: [
        (StoredSigningKey.Status.active, Int64?.some(1_700_000_000)), (.next, nil), (.retired, nil),
    ])
    func storedRow(status: StoredSigningKey.Status, activatedAt: Int64?) throws {
        let material = SigningKeyMaterial.generate()
        let row = try material.stored(status: status, sealer: sealer, now: 1_700_000_000)
        #expect(row.kid == material.kid)
        #expect(row.algorithm == "ES256")
        #expect(row.status == status)
        #expect(row.createdAt == 1_700_000_000)
        #expect(row.activatedAt == activatedAt)
        #expect(row.sealedPrivateKey.hasPrefix("v1.\(MasterKeyTests.fixedVersion)."))
        #expect(!row.sealedPrivateKey.contains(Base64URL.encode(material.privateKey.rawRepresentation)))
        #expect(try JSONDecoder().decode(PublicJWK.self, from: Data(row.publicJWK.utf8)) == material.publicJWK)
        #expect(row.publicJWK.hasPrefix(#"{"alg":"ES256","crv":"P-256","kid":""#))
        #expect(!row.publicJWK.contains(#""d""#))
    }

    @Test("stored() then open() gives back the same key")
    func roundTrip() throws {
        let material = SigningKeyMaterial.generate()
        let opened = try SigningKeyMaterial.open(material.stored(status: .active, sealer: sealer, now: 0), sealer: sealer)
        #expect(opened.kid == material.kid)
        #expect(opened.privateKey.rawRepresentation == material.privateKey.rawRepresentation)
        #expect(opened.publicJWK == material.publicJWK)
    }

    @Test("a row whose kid was changed does not open")
    func changedKid() throws {
        var row = try SigningKeyMaterial.generate().stored(status: .active, sealer: sealer, now: 0)
        row.kid = SigningKeyMaterial.generate().kid
        #expect(throws: SealerError.authenticationFailed) { try SigningKeyMaterial.open(row, sealer: sealer) }
    }

    @Test("a key resealed under another kid is caught by the thumbprint check")
    func resealedUnderOtherKid() throws {
        let material = SigningKeyMaterial.generate()
        var row = try material.stored(status: .active, sealer: sealer, now: 0)
        row.kid = SigningKeyMaterial.generate().kid
        row.sealedPrivateKey = try sealer.seal(material.privateKey.rawRepresentation, aad: row.kid)
        let error = #expect(throws: SigningKeyError.self) { try SigningKeyMaterial.open(row, sealer: sealer) }
        guard case .kidMismatch(let kid)? = error else {
            Issue.record("expected kidMismatch, got \(String(describing: error))")
            return
        }
        #expect(kid == row.kid)
    }

    @Test("a private key swapped in from another row does not open")
    func swappedSealedKey() throws {
        var rowA = try SigningKeyMaterial.generate().stored(status: .active, sealer: sealer, now: 0)
        let rowB = try SigningKeyMaterial.generate().stored(status: .next, sealer: sealer, now: 0)
        rowA.sealedPrivateKey = rowB.sealedPrivateKey
        #expect(throws: SealerError.authenticationFailed) { try SigningKeyMaterial.open(rowA, sealer: sealer) }
    }

    @Test("another master key or purpose cannot open the row")
    func otherKeys() throws {
        let row = try SigningKeyMaterial.generate().stored(status: .active, sealer: sealer, now: 0)
        let otherMaster = Sealer(masterKey: MasterKey.generate(), purpose: .signingKeys)
        let otherPurpose = Sealer(masterKey: try MasterKey(base64: MasterKeyTests.fixedBase64), purpose: .upstream)
        #expect(throws: SealerError.unknownKeyVersion(MasterKeyTests.fixedVersion)) { try SigningKeyMaterial.open(row, sealer: otherMaster) }
        #expect(throws: SealerError.authenticationFailed) { try SigningKeyMaterial.open(row, sealer: otherPurpose) }
    }
}
