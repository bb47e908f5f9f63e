import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
@testable import LatchkeyCore
import LatchkeyResource
import LatchkeyServer
import LatchkeyTestSupport
import Testing

/// A token's ECDSA twin `(r, n − s)` verifies mathematically; neither Latchkey nor `LatchkeyResource` may accept it,
/// and Latchkey signs only the low-S form, so each token has one byte string.
struct SignatureMalleabilityTests {
    /// The token with its signature's s replaced by n − s.
    static func malleated(_ token: String) throws -> String {
        let parts = token.split(separator: ".").map(String.init)
        let signature = try #require(Base64URL.decode(parts[2]))
        return parts[0] + "." + parts[1] + "." + Base64URL.encode(Data(ES256Signature.twin(Array(signature))))
    }

    @Test("Latchkey signs low-S only; the malleated twin is refused by introspection and by the resource verifier")
    func refused() async throws {
        let app = TestApp(VerifierTest.settings)
        defer { app.removeFiles() }
        try await app.test { client, runtime in
            let introspector = try await OAuthTest.introspector(runtime)
            let verifier = try VerifierTest.verifier(RouterKeySource(client))
            for _ in 0..<8 {
                let token = try await VerifierTest.token(client)
                let signature = try #require(Base64URL.decode(String(token.split(separator: ".")[2])))
                #expect(ES256Signature.isCanonical(signature), "Latchkey must sign low-S")
                let twin = try Self.malleated(token)
                #expect(twin != token)
                await #expect(throws: TokenVerificationError.badSignature) { try await verifier.verify(twin) }
                _ = try await verifier.verify(token)
                let answer = try await OAuthTest.post(client, "/introspect", "token=\(twin)", authorization: introspector.basic)
                #expect(answer.json["active"] as? Bool == false)
                #expect(try await OAuthTest.post(client, "/introspect", "token=\(token)", authorization: introspector.basic).json["active"] as? Bool == true)
            }
        }
    }
}
