/// How deeply a JSON text nests arrays and objects, found in one pass over its bytes before any parser runs.
///
/// Foundation's `JSONDecoder` costs about the square of the nesting depth up to its own limit of 512: a 64 KB body of
/// arrays nested 511 deep took ~20 s of CPU. Every untrusted JSON text is measured here first, in time linear in its
/// length, and refused above a small limit, so the parser only ever sees shallow input (DESIGN §8).
public enum JSONNesting {
    /// Client metadata nests three levels; JSON-RPC messages a few more. 32 is generous for both.
    public static let defaultLimit = 32

    /// Whether `bytes` nests at most `limit` levels. Stops at the first byte that goes deeper, so a refused text costs
    /// no more than the bytes before that point. Brackets inside strings (including escaped quotes) do not count;
    /// the text is not otherwise validated — the parser that follows does that.
    public static func isWithin(_ limit: Int, _ bytes: some Sequence<UInt8>) -> Bool {
        depth(of: bytes, stoppingAbove: limit) <= limit
    }

    /// The deepest nesting in `bytes`, or `limit + 1` as soon as the scan passes `limit`.
    public static func depth(of bytes: some Sequence<UInt8>, stoppingAbove limit: Int) -> Int {
        var depth = 0
        var deepest = 0
        var inString = false
        var escaped = false
        for byte in bytes {
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""):
                inString = true
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                depth += 1
                if depth > deepest {
                    deepest = depth
                    if deepest > limit { return limit + 1 }
                }
            case UInt8(ascii: "]"), UInt8(ascii: "}"):
                depth = max(0, depth - 1)
            default:
                break
            }
        }
        return deepest
    }
}
