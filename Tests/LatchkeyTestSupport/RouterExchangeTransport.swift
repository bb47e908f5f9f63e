public import Foundation
import HTTPTypes
public import HummingbirdTesting
public import LatchkeyResource
import NIOCore
import NIOFoundationEssentialsCompat
import Synchronization

/// `UpstreamTokens`' posts, served by an in-process Latchkey (its router): the token exchange end to end without a
/// socket. The URL's path is what is sent; scheme and authority are ignored. Counts the posts.
public final class RouterExchangeTransport: TokenExchangeTransport {
    let client: any TestClientProtocol
    let count = Mutex(0)

    public init(_ client: any TestClientProtocol) { self.client = client }

    public var posts: Int { count.withLock { $0 } }

    public func post(_ url: URL, headers: [String: String], body: Data) async throws -> TokenExchangeResponse {
        count.withLock { $0 += 1 }
        var fields = HTTPFields()
        for (name, value) in headers {
            if let name = HTTPField.Name(name) { fields[name] = value }
        }
        let response = try await client.execute(uri: url.path, method: .post, headers: fields, body: ByteBuffer(data: body))
        var answer: [String: String] = [:]
        for field in response.headers { answer[field.name.canonicalName] = field.value }
        return TokenExchangeResponse(status: Int(response.status.code), headers: answer, body: Data(buffer: response.body))
    }
}
