/// Which peers may tell Latchkey the client's address (`trusted-proxies`), and in which header.
///
/// A forwarding header is a list anyone can start: a client sends `X-Forwarded-For: 1.2.3.4` and each proxy appends
/// the address it received the request from. So only the part appended by proxies we trust means anything: the list
/// is read from the right, skipping trusted proxies, and the first address that is not one is the client. From any
/// other peer the headers are ignored and the peer is the client.
///
/// Only one header is read, the one the operator's proxy writes: a proxy that appends to `X-Forwarded-For` passes a
/// client's own `Forwarded` header through untouched, and believing it would let the client choose its address.
public struct TrustedProxies: Sendable, Equatable {
    public enum Header: String, Sendable, Equatable {
        case xForwardedFor = "x-forwarded-for"
        /// RFC 7239.
        case forwarded
    }

    public let networks: [IPNetwork]
    public let header: Header

    /// Hops read from the right at most: a longer chain is cut, not walked (its cost is the caller's).
    public static let maxHops = 32

    public init(networks: [IPNetwork] = [], header: Header = .xForwardedFor) {
        self.networks = networks
        self.header = header
    }

    public var isEmpty: Bool { networks.isEmpty }

    public func trusts(_ address: IPAddress) -> Bool {
        let address = address.unmappedIPv4
        return networks.contains { $0.contains(address) }
    }

    /// The client's address for a request from `peer` carrying `values` of the configured header (each field line as
    /// received, in order). An element that is not an address (`unknown`, an obfuscated `_node`) ends the walk at the
    /// proxy that wrote it: the client is then as unknown as that proxy says, and is keyed as that proxy.
    public func clientAddress(peer: IPAddress, values: [String]) -> IPAddress {
        let peer = peer.unmappedIPv4
        guard trusts(peer), !values.isEmpty else { return peer }
        let hops: [Substring] = switch header {
        case .xForwardedFor: values.flatMap { $0.split(separator: ",", omittingEmptySubsequences: false) }
        case .forwarded: values.flatMap { Self.forwardedFor(elementsOf: $0) }
        }
        var client = peer
        for hop in hops.suffix(Self.maxHops).reversed() {
            guard let address = Self.address(hop) else { return client }
            client = address.unmappedIPv4
            if !trusts(client) { return client }
        }
        return client
    }

    /// An address as a hop names it: `192.0.2.1`, `192.0.2.1:4711`, `2001:db8::1`, `[2001:db8::1]:4711`.
    static func address(_ hop: Substring) -> IPAddress? {
        var text = hop.trimmingWhitespace
        if text.hasPrefix("[") {
            guard let end = text.firstIndex(of: "]") else { return nil }
            text = text[text.index(after: text.startIndex)..<end]
        } else if text.filter({ $0 == ":" }).count == 1, let colon = text.firstIndex(of: ":") {
            text = text[..<colon]
        }
        return IPAddress(text)
    }

    /// The `for` values of one `Forwarded` field line, in order; an element without one yields an empty value
    /// (which is not an address). Quoted strings may hold commas and semicolons; escapes are kept as written (an
    /// address has none).
    static func forwardedFor(elementsOf line: String) -> [Substring] {
        var elements: [Substring] = []
        var current: Substring? = nil
        var start = line.startIndex
        var inQuotes = false
        var index = line.startIndex
        func pair(_ text: Substring) {
            guard let equals = text.firstIndex(of: "=") else { return }
            if text[..<equals].trimmingWhitespace.lowercased() == "for" {
                var value = text[text.index(after: equals)...].trimmingWhitespace
                if value.count >= 2, value.first == "\"", value.last == "\"" { value = value.dropFirst().dropLast() }
                current = value
            }
        }
        while index < line.endIndex {
            let character = line[index]
            if character == "\"" {
                inQuotes.toggle()
            } else if !inQuotes, character == ";" || character == "," {
                pair(line[start..<index])
                start = line.index(after: index)
                if character == "," {
                    elements.append(current ?? "")
                    current = nil
                }
            }
            index = line.index(after: index)
        }
        pair(line[start...])
        elements.append(current ?? "")
        return elements
    }
}

extension Substring {
    var trimmingWhitespace: Substring {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return self[first...last]
    }
}
