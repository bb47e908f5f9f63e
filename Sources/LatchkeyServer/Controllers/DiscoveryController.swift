import Foundation
import Hummingbird
import LatchkeyCore
import NIOFoundationEssentialsCompat

/// RFC 8414 metadata and its OpenID discovery alias, at every path a client may derive from the issuer.
struct DiscoveryController<Context: RequestContext> {
    let issuer: Issuer
    /// Encoded once: the document changes only with configuration.
    let document: ByteBuffer

    init(issuer: Issuer, metadata: AuthorizationServerMetadata) throws {
        self.issuer = issuer
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        self.document = ByteBuffer(data: try encoder.encode(metadata))
    }

    /// RFC 8414 §3.1 inserts the well-known segment before the issuer's path; OpenID Discovery appends it.
    var paths: [String] {
        let path = issuer.path
        guard !path.isEmpty else {
            return ["/.well-known/oauth-authorization-server", "/.well-known/openid-configuration"]
        }
        return [
            "/.well-known/oauth-authorization-server\(path)",
            "/.well-known/openid-configuration\(path)",
            "\(path)/.well-known/openid-configuration",
        ]
    }

    func addRoutes(to router: Router<Context>) {
        for path in paths {
            router.get(RouterPath(path)) { _, _ in self.response }
        }
    }

    var response: Response {
        Response(
            status: .ok,
            headers: [.contentType: "application/json", .cacheControl: "public, max-age=300"],
            body: .init(byteBuffer: document)
        )
    }
}
