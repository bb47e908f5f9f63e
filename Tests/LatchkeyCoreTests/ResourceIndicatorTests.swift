import LatchkeyCore
import Testing

struct ResourceIndicatorTests {
    @Test("normalizes scheme and host case, default ports and a trailing slash", arguments: [
        ("https://mcp.example.com", "https://mcp.example.com"),
        ("HTTPS://MCP.Example.COM/", "https://mcp.example.com"),
        ("https://mcp.example.com:443/mcp/", "https://mcp.example.com/mcp"),
        ("http://127.0.0.1:80/mcp", "http://127.0.0.1/mcp"),
        ("http://127.0.0.1:3000/mcp", "http://127.0.0.1:3000/mcp"),
        ("https://mcp.example.com/Path/Case", "https://mcp.example.com/Path/Case"),
        ("http://[::1]:8080/mcp", "http://[::1]:8080/mcp"),
        ("https://mcp.example.com/mcp?tenant=a", "https://mcp.example.com/mcp?tenant=a"),
    ])
    func normalizes(input: String, expected: String) throws {
        #expect(try ResourceIndicator(input).uri == expected)
    }

    @Test("equal resources compare equal after normalization")
    func equality() throws {
        #expect(try ResourceIndicator("https://MCP.example.com:443/mcp/") == ResourceIndicator("https://mcp.example.com/mcp"))
        #expect(try ResourceIndicator("https://mcp.example.com/mcp") != ResourceIndicator("https://mcp.example.com/other"))
    }

    @Test("rejects what is not an absolute http(s) URI without fragment, as invalid_target", arguments: [
        "", "mcp", "/mcp", "https://mcp.example.com/mcp#frag", "https://mcp.example.com/#", "ftp://mcp.example.com",
        "https://user@mcp.example.com", "https://mcp.example.com:99999/", "https://evil%2f.example.com/", "urn:example:mcp",
        "https://mcp.example.com/\"x",
    ])
    func rejects(input: String) {
        do {
            _ = try ResourceIndicator(input)
            Issue.record("accepted \(input)")
        } catch let error as OAuthError {
            #expect(error.code == .invalidTarget)
        } catch {
            Issue.record("unexpected \(error)")
        }
    }
}
