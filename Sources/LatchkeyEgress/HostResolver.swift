public import LatchkeyCore
import NIOPosix
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Resolves a host name to its addresses, once; the egress client checks every one and connects to one it approved.
public protocol HostResolver: Sendable {
    func addresses(of host: String) async throws -> [IPAddress]
}

/// `getaddrinfo`, run on a blocking thread pool of its own so a slow DNS server never holds an event loop — nor
/// NIO's shared pool, where password hashing runs: anyone can make Latchkey resolve a name (a client id URL, a
/// `jwks_uri`), and a name server that never answers would otherwise hold the threads logins need.
public struct SystemResolver: HostResolver {
    /// Four threads, started on first use and kept for the process, like `NIOThreadPool.singleton`. Lookups beyond
    /// four wait their turn; they never take threads from anything else.
    static let pool: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 4)
        pool.start()
        return pool
    }()

    public init() {}

    public func addresses(of host: String) async throws -> [IPAddress] {
        try await Self.pool.runIfActive {
            var hints = addrinfo()
            hints.ai_family = AF_UNSPEC
            #if canImport(Darwin)
            hints.ai_socktype = SOCK_STREAM
            #else
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
            #endif
            var list: UnsafeMutablePointer<addrinfo>?
            let status = getaddrinfo(host, nil, &hints, &list)
            guard status == 0, let first = list else { throw EgressError.unresolvable(host: host) }
            defer { freeaddrinfo(first) }
            var addresses: [IPAddress] = []
            var cursor: UnsafeMutablePointer<addrinfo>? = first
            while let entry = cursor {
                if let address = Self.address(entry.pointee), !addresses.contains(address) { addresses.append(address) }
                cursor = entry.pointee.ai_next
            }
            guard !addresses.isEmpty else { throw EgressError.unresolvable(host: host) }
            return addresses
        }
    }

    static func address(_ info: addrinfo) -> IPAddress? {
        guard let socket = info.ai_addr else { return nil }
        switch Int32(info.ai_family) {
        case AF_INET:
            return socket.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { pointer in
                var address = pointer.pointee.sin_addr
                return withUnsafeBytes(of: &address) { IPAddress(bytes: Array($0)) }
            }
        case AF_INET6:
            return socket.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { pointer in
                var address = pointer.pointee.sin6_addr
                return withUnsafeBytes(of: &address) { IPAddress(bytes: Array($0)) }
            }
        default:
            return nil
        }
    }
}
