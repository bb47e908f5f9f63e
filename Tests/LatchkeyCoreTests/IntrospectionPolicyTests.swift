import Testing
import LatchkeyCore

/// Who may introspect which token (RFC 7662 §4).
struct IntrospectionPolicyTests {
    static func policy(trusted: [String] = []) throws -> IntrospectionPolicy {
        let issuer = try Issuer("https://as.example.com")
        let registry = try ResourceRegistry(resources: [
            try ProtectedResource(uri: "https://a.example.com/mcp", name: "A", scopes: ["s"], clientID: "rs-a"),
            try ProtectedResource(uri: "https://b.example.com/mcp", name: "B", scopes: ["s"], clientID: "rs-b"),
            try ProtectedResource(uri: "https://c.example.com/mcp", name: "C", scopes: ["s"]),
        ], defaultResource: nil, issuer: issuer)
        return IntrospectionPolicy(resources: registry, trustedClients: trusted)
    }

    @Test("a resource's client sees tokens for its resource only", arguments: [
        ("rs-a", ["https://a.example.com/mcp"], true),
        ("rs-a", ["https://b.example.com/mcp"], false),
        ("rs-a", ["https://b.example.com/mcp", "https://a.example.com/mcp"], true),
        ("rs-b", ["https://c.example.com/mcp"], false),
        ("someone", ["https://a.example.com/mcp"], false),
    ])
    func bound(caller: String, audience: [String], allowed: Bool) throws {
        #expect(try Self.policy().mayIntrospect(caller, audience: audience) == allowed)
    }

    @Test("a client no resource names introspects only when the operator lists it, and then sees all")
    func listed() throws {
        #expect(try Self.policy().reach(of: "gateway") == .none)
        let policy = try Self.policy(trusted: ["gateway"])
        #expect(policy.reach(of: "gateway") == .all)
        #expect(policy.mayIntrospect("gateway", audience: ["https://c.example.com/mcp"]))
        // Being listed does not widen a resource's own client.
        #expect(try Self.policy(trusted: ["rs-a"]).reach(of: "rs-a") == .audiences(["https://a.example.com/mcp"]))
    }
}
