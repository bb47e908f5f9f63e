import Testing
import LatchkeyCore

/// The nesting measure every untrusted JSON text passes before a parser sees it.
struct JSONNestingTests {
    @Test("measures arrays and objects, not brackets inside strings", arguments: [
        (#"{}"#, 1),
        (#"{"a":[1,{"b":[]}]}"#, 4),
        (#""[[[[""#, 0),
        (#"{"a":"\"[[[[\\"}"#, 1),
        (#"{"a":"\\\"[["}"#, 1),
        (#"[["x"],["y"]]"#, 2),
        ("42", 0),
    ])
    func depth(text: String, expected: Int) {
        #expect(JSONNesting.depth(of: Array(text.utf8), stoppingAbove: 32) == expected)
    }

    @Test("the adversarial test's 64 KB body is refused at its first too-deep bracket")
    func adversarialBody() {
        // 63 members, each an array nested 511 deep: ~20 s of JSONDecoder CPU before the cap.
        let deep = String(repeating: "[", count: 511) + String(repeating: "]", count: 511)
        let body = "{\"x\":0" + (0..<63).map { ",\"j\($0)\":" + deep }.joined() + "}"
        #expect(body.utf8.count > 64_000)
        #expect(!JSONNesting.isWithin(JSONNesting.defaultLimit, Array(body.utf8)))
        // It stops as soon as it passes the limit: the bytes after that point are never looked at.
        var scanned = 0
        let counting = body.utf8.lazy.map { byte -> UInt8 in scanned += 1; return byte }
        #expect(JSONNesting.depth(of: counting, stoppingAbove: 32) == 33)
        #expect(scanned == "{\"x\":0,\"j0\":".utf8.count + 32)
    }

    @Test("the limit itself is allowed")
    func boundary() {
        let atLimit = String(repeating: "[", count: 32) + String(repeating: "]", count: 32)
        #expect(JSONNesting.isWithin(32, Array(atLimit.utf8)))
        #expect(!JSONNesting.isWithin(31, Array(atLimit.utf8)))
    }
}
