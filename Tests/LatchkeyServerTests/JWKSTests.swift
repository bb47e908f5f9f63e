import Foundation
import Hummingbird
import HummingbirdTesting
import LatchkeyServer
import LatchkeyTestSupport
import Testing
import LatchkeyCore
import LatchkeyCrypto

struct JWKSTests {
    @Test("publishes the active and next ES256 public keys with a cache lifetime")
    func jwks() async throws {
        let app = TestApp(["jwks-max-age": "120"])
        defer { app.removeFiles() }
        try await app.test { client, runtime in
            let response = try await client.execute(uri: "/jwks.json", method: .get)
            #expect(response.status == .ok)
            #expect(response.headers[.cacheControl] == "public, max-age=120")
            let keys = try #require(response.json["keys"] as? [[String: Any]])
            #expect(keys.count == 2)
            #expect(keys.first?["kid"] as? String == runtime.signingKeys.activeKeyID)
            for key in keys {
                #expect(key["kty"] as? String == "EC")
                #expect(key["alg"] as? String == "ES256")
                #expect(key["use"] as? String == "sig")
                #expect(key["d"] == nil, "private key material must never be published")
            }
        }
    }

    @Test("after rotation the retired key stays published next to the new active and next keys")
    func rotation() async throws {
        let app = TestApp()
        defer { app.removeFiles() }
        try await app.test { client, runtime in
            let before = try #require(runtime.signingKeys.activeKeyID)
            try await runtime.signingKeys.rotate(now: runtime.clock.now(), retiredPublishFor: 3900)
            let response = try await client.execute(uri: "/jwks.json", method: .get)
            let kids = (response.json["keys"] as? [[String: Any]] ?? []).compactMap { $0["kid"] as? String }
            #expect(kids.count == 3)
            #expect(kids.contains(before))
            #expect(kids.first == runtime.signingKeys.activeKeyID)
            #expect(kids.first != before)
        }
    }

    @Test("keys survive a restart: the same database yields the same keys")
    func persistent() async throws {
        let app = TestApp()
        defer { app.removeFiles() }
        let first = try await app.test { client, _ in try await client.execute(uri: "/jwks.json", method: .get).text }
        let second = try await app.test { client, _ in try await client.execute(uri: "/jwks.json", method: .get).text }
        #expect(first == second)
    }
}
