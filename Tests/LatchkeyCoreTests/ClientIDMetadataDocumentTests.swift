import LatchkeyCore
import Testing

@Suite("ClientIDMetadataDocument")
struct ClientIDMetadataDocumentTests {
    static let url = "https://claude.ai/oauth/claude-code-client-metadata"
    static let policy = ClientRegistrationPolicy(supportedScopes: ["mcp:tools"])

    static func document(_ fields: [String: JSONValue]) -> JSONValue {
        var base: [String: JSONValue] = [
            "client_id": .string(url), "client_name": .string("Claude Code"),
            "redirect_uris": .array([.string("http://localhost/callback"), .string("http://127.0.0.1/callback")]),
        ]
        base.merge(fields) { $1 }
        return .object(base.filter { $0.value != .null })
    }

    @Test("URL rules: https, a path, no fragment, no user information, no dot segments, bounded", arguments: [
        (url, true), ("https://claude.ai/a?b=c", true), ("https://claude.ai:8443/x", true),
        ("http://claude.ai/x", false), ("https://claude.ai", false), ("https://claude.ai/", false), ("https://claude.ai/?x", false),
        ("https://claude.ai/x#y", false), ("https://me@claude.ai/x", false), ("https://claude.ai/a/./b", false),
        ("https://claude.ai/a/..", false), ("https://claude.ai/%2E%2E/b", false), ("https://claude.ai/a b", false),
        ("https://claude.ai/" + String(repeating: "a", count: 600), false), ("http://127.0.0.1/x", false),
    ])
    func urls(url: String, valid: Bool) {
        #expect(((try? ClientIDMetadataDocument.validateURL(url, allowLoopbackHTTP: false)) != nil) == valid)
    }

    @Test("http only to loopback, and only when allowed")
    func loopbackHTTP() throws {
        #expect(try ClientIDMetadataDocument.validateURL("http://127.0.0.1:9/c.json", allowLoopbackHTTP: true) == "127.0.0.1")
        #expect(throws: ClientIDMetadataDocumentError.self) { try ClientIDMetadataDocument.validateURL("http://example.com/c.json", allowLoopbackHTTP: true) }
    }

    @Test("a document is accepted with client_id exactly its URL, a name and redirect URIs, and a public auth method")
    func documents() throws {
        let metadata = try ClientIDMetadataDocument.metadata(from: Self.document([:]), url: Self.url, policy: Self.policy)
        #expect(metadata.tokenEndpointAuthMethod == .none && metadata.clientName == "Claude Code" && metadata.applicationType == .native)
        for (fields, reason) in [
            (["client_id": JSONValue.string(Self.url.uppercased())], "another client_id"),
            (["client_id": .string(Self.url + "/")], "another client_id"),
            (["client_id": .null], "no client_id"),
            (["client_name": .null], "no client_name"),
            (["redirect_uris": .null], "no redirect_uris"),
            (["token_endpoint_auth_method": .string("client_secret_post")], "only none"),
            (["client_secret": .string("s")], "shared secret"),
            (["redirect_uris": .array([.string("http://evil.example/cb")])], "loopback"),
            (["grant_types": .array([.string("client_credentials")]), "redirect_uris": .array([])], "client_credentials"),
        ] as [([String: JSONValue], String)] {
            #expect {
                var policy = Self.policy
                policy.allowsClientCredentials = true
                _ = try ClientIDMetadataDocument.metadata(from: Self.document(fields), url: Self.url, policy: policy)
            } throws: { error in
                "\(error)".contains(reason)
            }
        }
    }

    @Test("a reason quoting the document has no control characters and is bounded")
    func printableReasons() {
        let error = ClientIDMetadataDocumentError.invalidDocument("uses x\nFAKE\u{202E}" + String(repeating: "a", count: 1000))
        #expect(!error.description.contains("\n") && !error.description.contains("\u{202E}") && error.description.count < 400)
    }

    @Test("freshness follows Cache-Control within 5 minutes and 24 hours; s-maxage wins; no-store is the floor", arguments: [
        ("max-age=3600", Int64(3600)), ("max-age=10", 300), ("max-age=999999", 86_400), ("public, s-maxage=7200, max-age=60", 7200),
        ("no-store", 300), ("no-cache, max-age=9000", 300), ("max-age=\"1200\"", 1200), (nil, 300),
    ] as [(String?, Int64)])
    func freshness(cacheControl: String?, expected: Int64) {
        #expect(MetadataDocumentFreshness().lifetime(cacheControl: cacheControl, expires: nil, date: 0) == expected)
    }

    @Test("Expires counts from Date; the stale window follows freshness")
    func expires() {
        let freshness = MetadataDocumentFreshness()
        #expect(freshness.lifetime(cacheControl: nil, expires: 10_000, date: 8_000) == 2_000)
        let entry = freshness.entry(url: Self.url, body: "{}", etag: nil, lastModified: nil, lifetime: 600, now: 100)
        #expect(entry.freshUntil == 700 && entry.staleUntil == 700 + 86_400)
    }

    @Test("identity: the document's host (with an explicit port) is shown; verified only for a trusted host on the default port")
    func identity() throws {
        let metadata = try ClientIDMetadataDocument.metadata(from: Self.document([:]), url: Self.url, policy: Self.policy)
        let trusted = ClientIdentity(ClientIDMetadataDocument.client(url: Self.url, metadata: metadata, fetchedAt: 0), trustedHosts: ["claude.ai"])
        #expect(trusted.documentHost == "claude.ai" && trusted.verified && trusted.loopbackOnly && trusted.name == "Claude Code")
        let otherPort = "https://claude.ai:8443/oauth/claude-code-client-metadata"
        var moved = metadata
        moved.redirectURIs = ["https://app.example/cb", "http://127.0.0.1/callback"]
        let onPort = ClientIdentity(ClientIDMetadataDocument.client(url: otherPort, metadata: moved, fetchedAt: 0), trustedHosts: ["claude.ai"])
        #expect(onPort.documentHost == "claude.ai:8443" && !onPort.verified && !onPort.loopbackOnly)
        #expect(!ClientIdentity(ClientIDMetadataDocument.client(url: Self.url, metadata: metadata, fetchedAt: 0), trustedHosts: []).verified)
    }
}
