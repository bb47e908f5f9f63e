/// An `application/x-www-form-urlencoded` body or query, parsed strictly (RFC 6749 §3.1, §3.2; DESIGN §5):
/// a repeated parameter, bad percent-encoding or invalid UTF-8 is `invalid_request`, and parameters sent
/// without a value are treated as omitted (RFC 6749 §3.1).
public struct FormParameters: Sendable, Equatable {
    /// Single-valued parameters with a non-empty value.
    public private(set) var values: [String: String]
    /// Repeatable parameters, every non-empty value in order.
    public private(set) var lists: [String: [String]]

    public init(_ values: [String: String] = [:], lists: [String: [String]] = [:]) {
        self.values = values
        self.lists = lists
    }

    /// Parses `text`. `repeatable` names parameters that may appear more than once (RFC 8707 `resource`).
    public init(parsing text: Substring, repeatable: Set<String> = []) throws {
        var values: [String: String] = [:]
        var lists: [String: [String]] = [:]
        var seen: Set<String> = []
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = try Self.decode(parts[0])
            let value = parts.count == 2 ? try Self.decode(parts[1]) : ""
            guard !name.isEmpty else { throw OAuthError.invalidRequest("A parameter has no name") }
            if repeatable.contains(name) {
                if !value.isEmpty { lists[name, default: []].append(value) }
                continue
            }
            // An empty repetition counts too: "a=&a=x" is ambiguous, so it is refused.
            guard seen.insert(name).inserted else {
                throw OAuthError.invalidRequest("The parameter '\(RedirectURIPolicy.excerpt(name))' is repeated")
            }
            if !value.isEmpty { values[name] = value }
        }
        self.values = values
        self.lists = lists
    }

    /// Every value of every parameter, repeats included, for deciding how to report a request that `init(parsing:)`
    /// refused. Still refuses bad encoding.
    public static func allValues(parsing text: Substring) throws -> [String: [String]] {
        var all: [String: [String]] = [:]
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            all[try decode(parts[0]), default: []].append(parts.count == 2 ? try decode(parts[1]) : "")
        }
        return all
    }

    public subscript(_ name: String) -> String? { values[name] }

    /// Every value of a repeatable parameter, in order.
    public func all(_ name: String) -> [String] { lists[name] ?? [] }

    /// The value of a required parameter, or `invalid_request` naming it.
    public func require(_ name: String) throws -> String {
        guard let value = values[name] else { throw OAuthError.invalidRequest("The parameter '\(name)' is required") }
        return value
    }

    /// `+` is a space, `%XX` a byte; the bytes must be UTF-8.
    static func decode(_ text: Substring) throws -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "+"):
                bytes.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                guard let high = iterator.next().flatMap(Self.hexValue), let low = iterator.next().flatMap(Self.hexValue) else {
                    throw OAuthError.invalidRequest("The request contains invalid percent-encoding")
                }
                bytes.append(high << 4 | low)
            default:
                bytes.append(byte)
            }
        }
        guard let string = String(validating: bytes, as: UTF8.self) else {
            throw OAuthError.invalidRequest("The request is not valid UTF-8")
        }
        // No OAuth parameter holds a NUL, and PostgreSQL text cannot store one.
        guard !bytes.contains(0) else { throw OAuthError.invalidRequest("The request contains a NUL character") }
        return string
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
