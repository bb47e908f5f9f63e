import Foundation
import HTTPTypes
import Hummingbird
public import HummingbirdTesting
import LatchkeyCore
public import LatchkeyServer

/// Requests the tests of several targets make against a test Latchkey: form posts, machine clients, token claims.
public enum OAuthTest {
    /// A registered confidential client.
    public struct Client: Sendable {
        public let id: String
        public let secret: String
        public var basic: String { "Basic " + Data("\(id):\(secret)".utf8).base64EncodedString() }

        public init(id: String, secret: String) {
            self.id = id
            self.secret = secret
        }
    }

    public struct MissingField: Error, CustomStringConvertible {
        public let description: String
    }

    /// Registers a confidential client by DCR (TestApp allows `client_credentials` for brevity).
    public static func registerWorker(
        _ client: any TestClientProtocol, auth: String = "client_secret_basic", grants: String = #"["client_credentials"]"#,
        scope: String = "mcp:tools mcp:resources"
    ) async throws -> Client {
        let json = try await client.register(#"{"grant_types":\#(grants),"token_endpoint_auth_method":"\#(auth)","scope":"\#(scope)","redirect_uris":["https://app.example.com/cb"]}"#).json
        guard let id = json["client_id"] as? String, let secret = json["client_secret"] as? String else {
            throw MissingField(description: "registration answered without client_id and client_secret: \(json)")
        }
        return Client(id: id, secret: secret)
    }

    /// The operator-listed introspection client (`introspection-clients` in TestApp), added as `latchkey clients add`
    /// would; dynamically registered clients may not introspect.
    public static func introspector(_ runtime: LatchkeyRuntime, auth: String = "client_secret_basic") async throws -> Client {
        let added = try await runtime.addClient(
            .object(["client_name": .string("introspector"), "grant_types": .array([.string("client_credentials")]), "token_endpoint_auth_method": .string(auth)]),
            clientID: "introspector"
        )
        guard let secret = added.clientSecret else { throw MissingField(description: "the introspector got no secret") }
        return Client(id: added.clientID, secret: secret)
    }

    public static func post(
        _ client: any TestClientProtocol, _ path: String, _ body: String, authorization: String? = nil,
        contentType: String = "application/x-www-form-urlencoded"
    ) async throws -> TestResponse {
        var headers: HTTPFields = [.contentType: contentType]
        if let authorization { headers[.authorization] = authorization }
        return try await client.execute(uri: path, method: .post, headers: headers, body: ByteBuffer(string: body))
    }

    /// A JWT's payload, unverified.
    public static func claims(_ token: String) -> [String: Any] {
        let parts = token.split(separator: ".").map(String.init)
        guard parts.count > 1, let payload = Base64URL.decode(parts[1]) else { return [:] }
        return (try? JSONSerialization.jsonObject(with: payload) as? [String: Any]) ?? [:]
    }
}
