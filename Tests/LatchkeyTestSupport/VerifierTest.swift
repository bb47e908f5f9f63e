public import Foundation
public import HummingbirdTesting
import LatchkeyCore
public import LatchkeyResource
import Synchronization
import HTTPTypes
import NIOFoundationEssentialsCompat

/// `LatchkeyResource`'s verifier against an in-process Latchkey, as a third-party resource server would use it.
public enum VerifierTest {
    public static let resource = "https://mcp.example.com/mcp"
    public static let settings = ["resources": #"[{"uri":"https://mcp.example.com/mcp","name":"Demo"},{"uri":"https://other.example.com"}]"#]

    /// A `client_credentials` token for `resource` from a freshly registered machine client.
    public static func token(_ client: any TestClientProtocol, resource: String = resource) async throws -> String {
        let worker = try await OAuthTest.registerWorker(client)
        let response = try await OAuthTest.post(
            client, "/token", "grant_type=client_credentials&resource=\(AuthorizationResponse.percentEncode(resource))", authorization: worker.basic
        )
        guard let token = response.json["access_token"] as? String else {
            throw OAuthTest.MissingField(description: "no access_token in \(response.json)")
        }
        return token
    }

    public static func verifier(
        _ source: any KeySource, resource: String = resource,
        now: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }
    ) throws -> TokenVerifier {
        TokenVerifier(configuration: try .init(issuer: "http://127.0.0.1:8080", resource: resource, minimumRefetchInterval: .seconds(3600)), source: source, now: now)
    }
}

/// Serves the verifier's fetches from the in-process Latchkey; counts them; can be switched off.
public final class RouterKeySource: KeySource, @unchecked Sendable {
    let client: any TestClientProtocol
    let state = Mutex((fetches: 0, down: false))

    public init(_ client: any TestClientProtocol) { self.client = client }

    public var fetches: Int { state.withLock { $0.fetches } }
    public func setDown(_ down: Bool) { state.withLock { $0.down = down } }

    public func fetch(_ url: String) async throws -> (body: Data, maxAge: Int?) {
        let down = state.withLock { state in
            state.fetches += 1
            return state.down
        }
        if down { throw TokenVerificationError.keysUnavailable("down") }
        let path = String(url.dropFirst("http://127.0.0.1:8080".count))
        let response = try await client.execute(uri: path, method: .get)
        guard response.status == .ok else { throw TokenVerificationError.keysUnavailable("\(response.status)") }
        return (Data(buffer: response.body), nil)
    }
}
