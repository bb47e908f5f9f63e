import Foundation
import Hummingbird
import HummingbirdTesting
import LatchkeyTestSupport
import Testing

/// The live server in the reference configuration serves exactly the documents in `wellknown/`.
struct WellKnownTests {
    static let folder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("wellknown")

    static func reference(_ name: String) throws -> NSDictionary {
        let data = try Data(contentsOf: folder.appendingPathComponent(name))
        return try #require(try JSONSerialization.jsonObject(with: data) as? NSDictionary)
    }

    static func app() -> TestApp {
        TestApp(["issuer": "https://auth.example.com", "master-key": MasterKeyFixture.base64])
    }

    @Test("metadata documents match wellknown/", arguments: [
        ("/.well-known/oauth-authorization-server", "oauth-authorization-server.json"),
        ("/.well-known/openid-configuration", "openid-configuration.json"),
    ])
    func metadata(path: String, file: String) async throws {
        let app = Self.app()
        defer { app.removeFiles() }
        let expected = try Self.reference(file)
        let served = try await app.test { client, _ in try await client.execute(uri: path, method: .get).text }
        let live = try #require(try JSONSerialization.jsonObject(with: Data(served.utf8)) as? NSDictionary)
        #expect(live == expected, "live \(path) differs from wellknown/\(file)")
    }

    @Test("published keys have the members and fixed values of wellknown/jwks.json")
    func jwksShape() async throws {
        let app = Self.app()
        defer { app.removeFiles() }
        let reference = try #require(try Self.reference("jwks.json")["keys"] as? [[String: String]])
        let served = try await app.test { client, _ in try await client.execute(uri: "/jwks.json", method: .get).text }
        let keys = try #require((try JSONSerialization.jsonObject(with: Data(served.utf8)) as? [String: Any])?["keys"] as? [[String: String]])
        #expect(keys.count == reference.count)
        for key in keys {
            #expect(Set(key.keys) == Set(reference[0].keys))
            for member in ["kty", "crv", "alg", "use"] {
                #expect(key[member] == reference[0][member])
            }
        }
    }
}
