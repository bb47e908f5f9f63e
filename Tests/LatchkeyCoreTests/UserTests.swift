import LatchkeyCore
import Testing

struct UserTests {
    @Test("usernames are lowercased", arguments: [("Alice", "alice"), ("bob.smith@example.com", "bob.smith@example.com"), ("a_b-c", "a_b-c")])
    func normalizes(raw: String, expected: String) throws {
        #expect(try User.normalizeUsername(raw) == expected)
    }

    @Test("rejects empty, long and odd usernames", arguments: ["", "has space", "tab\t", String(repeating: "a", count: 65), "émile", "a/b", "<script>"])
    func rejects(raw: String) {
        #expect(throws: UserError.invalidUsername) { try User.normalizeUsername(raw) }
    }
}
