import Foundation
import LatchkeyCore

/// Where the metrics listener binds (`metrics-listen`): an IP address and a port, `127.0.0.1:9090` or
/// `[::1]:9090`, or `localhost:9090`.
///
/// Other host names are refused: what a name resolves to can change, and the operator must know which interface
/// serves the metrics. Port 0 takes any free port (tests).
public struct MetricsListenAddress: Sendable, Equatable, CustomStringConvertible {
    /// The address to bind, without brackets.
    public var host: String
    public var port: Int

    /// What to write, for error messages.
    static let example = "an IP address and a port, like 127.0.0.1:9090 or [::1]:9090"

    /// `nil` when `text` is not an address and port.
    public init?(_ text: String) {
        let text = text.trimmingCharacters(in: .whitespaces)
        guard let colon = text.lastIndex(of: ":") else { return nil }
        var host = String(text[..<colon])
        let digits = text[text.index(after: colon)...]
        guard (1...5).contains(digits.utf8.count), digits.utf8.allSatisfy({ (48...57).contains($0) }),
              let port = Int(digits), (0...65535).contains(port)
        else { return nil }
        if host.hasPrefix("[") {
            guard host.hasSuffix("]"), let address = IPAddress(host), !address.isIPv4 else { return nil }
            host = String(host.dropFirst().dropLast())
        } else if host.lowercased() == "localhost" {
            host = "localhost"
        } else {
            // An IPv6 address needs its brackets: without them the port is ambiguous.
            guard let address = IPAddress(host), address.isIPv4 else { return nil }
        }
        self.host = host
        self.port = port
    }

    /// Whether only this machine can reach the listener: 127.0.0.0/8, `::1` or `localhost`.
    public var isLoopback: Bool {
        if host == "localhost" { return true }
        guard let address = IPAddress(host) else { return false }
        if address.isIPv4 { return address.bytes[0] == 127 }
        return address.bytes == [UInt8](repeating: 0, count: 15) + [1]
    }

    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
