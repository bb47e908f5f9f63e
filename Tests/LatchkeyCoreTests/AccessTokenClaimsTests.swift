import Foundation
import LatchkeyCore
import Testing

struct AccessTokenClaimsTests {
    let claims = AccessTokenClaims(
        issuer: "https://auth.example.com", subject: "user-1", audience: ["https://mcp.example.com"], clientID: "c1",
        scope: "mcp:tools", issuedAt: 1_700_000_000, expiresAt: 1_700_003_600, tokenID: "j1", authTime: 1_699_999_000
    )

    @Test("encodes RFC 9068 claim names with integer dates and a single audience as a string")
    func encoding() throws {
        let object = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(claims)) as? [String: Any])
        #expect(object["iss"] as? String == "https://auth.example.com")
        #expect(object["aud"] as? String == "https://mcp.example.com")
        #expect(object["client_id"] as? String == "c1")
        #expect(object["exp"] as? Int == 1_700_003_600)
        #expect(object["iat"] as? Int == 1_700_000_000)
        #expect(object["auth_time"] as? Int == 1_699_999_000)
        #expect(object["jti"] as? String == "j1")
        let text = String(decoding: try JSONEncoder().encode(claims), as: UTF8.self)
        for date in [#""exp":1700003600"#, #""iat":1700000000"#, #""auth_time":1699999000"#] {
            #expect(text.contains(date + ",") || text.contains(date + "}"), "dates must be integers: \(text)")
        }
    }

    @Test("round-trips, with aud as a string or an array")
    func roundTrip() throws {
        #expect(try JSONDecoder().decode(AccessTokenClaims.self, from: JSONEncoder().encode(claims)) == claims)
        var many = claims
        many.audience = ["https://a.example", "https://b.example"]
        #expect(try JSONDecoder().decode(AccessTokenClaims.self, from: JSONEncoder().encode(many)) == many)
    }
}
