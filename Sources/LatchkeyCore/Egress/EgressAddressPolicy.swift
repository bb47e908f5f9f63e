/// Where the server may connect when it calls out (an upstream token endpoint, discovery, a client's metadata
/// document): a pure decision on names and on the addresses they resolved to (DESIGN §7, server-side request forgery).
///
/// The caller resolves the name once, asks this policy about every address, and connects to an address it approved
/// — never to the name again, so a DNS answer that changes between check and use (rebinding) cannot move the call.
public struct EgressAddressPolicy: Sendable, Equatable {
    /// Networks an operator allows although they are private (an internal identity provider): `egress-allowed-networks`.
    public var allowedNetworks: [IPNetwork]
    /// Loopback, and plain `http`, for development and tests only (`egress-allow-loopback`).
    public var allowsLoopback: Bool

    public init(allowedNetworks: [IPNetwork] = [], allowsLoopback: Bool = false) {
        self.allowedNetworks = allowedNetworks
        self.allowsLoopback = allowsLoopback
    }

    public enum Refusal: Sendable, Equatable, CustomStringConvertible {
        case loopback
        case unspecified
        case linkLocal
        case privateNetwork
        case sharedAddressSpace
        case multicast
        case broadcastOrReserved
        case documentation
        case cloudMetadata
        /// An IPv6 form that carries an IPv4 address (mapped, compatible, NAT64, 6to4, Teredo) whose IPv4 is refused,
        /// or a mapped/compatible form at all: those reach IPv4 hosts through the IPv6 socket.
        case embeddedIPv4(IPAddress)
        case otherSpecialPurpose
        case localhostName

        public var description: String {
            switch self {
            case .loopback: "a loopback address"
            case .unspecified: "the unspecified address"
            case .linkLocal: "a link-local address"
            case .privateNetwork: "a private network address"
            case .sharedAddressSpace: "a carrier-grade NAT address (100.64.0.0/10)"
            case .multicast: "a multicast address"
            case .broadcastOrReserved: "a broadcast or reserved address"
            case .documentation: "a documentation address"
            case .cloudMetadata: "a cloud metadata address"
            case .embeddedIPv4(let v4): "an IPv6 form of the IPv4 address \(v4)"
            case .otherSpecialPurpose: "a special-purpose address"
            case .localhostName: "a name for this machine (localhost)"
            }
        }
    }

    /// Names that mean this machine whatever DNS says (RFC 6761 §6.3): `localhost`, `localhost.`, `*.localhost`.
    public func check(host: String) -> Refusal? {
        var name = host.lowercased()
        if name.hasSuffix(".") { name.removeLast() }
        guard name == "localhost" || name.hasSuffix(".localhost") else { return nil }
        return allowsLoopback ? nil : .localhostName
    }

    /// `nil` when the server may connect to `address`.
    public func check(_ address: IPAddress) -> Refusal? {
        guard let refusal = Self.classify(address) else { return nil }
        switch refusal {
        case .loopback:
            return allowsLoopback ? nil : refusal
        case .embeddedIPv4(let v4) where Self.classify(v4) == .loopback && allowsLoopback:
            return nil
        case .privateNetwork, .sharedAddressSpace, .documentation:
            // The operator's allowed networks may open these; never link-local (where the cloud credential endpoints
            // live: 169.254.170.2 for ECS, fd00:ec2::23 for EKS), metadata, loopback or the unspecified address.
            if Self.cloudLinkLocal.contains(where: { $0.contains(address) }) { return .cloudMetadata }
            return allowedNetworks.contains { $0.contains(address) } ? nil : refusal
        default:
            return refusal
        }
    }

    static let metadata: [IPNetwork] = [
        "169.254.169.254/32", "fd00:ec2::254/128", "100.100.100.200/32", "168.63.129.16/32", "fd20:ce::254/128",
    ].compactMap(IPNetwork.init)
    /// AWS's IPv6 range for instance services (metadata, EKS Pod Identity): never opened by an allowed network.
    static let cloudLinkLocal: [IPNetwork] = ["fd00:ec2::/32"].compactMap(IPNetwork.init)

    /// An allowed network must be a deliberate range: at least /8 for IPv4 and /16 for IPv6 (`0.0.0.0/0` would
    /// switch the policy off).
    public static func isAcceptableAllowedNetwork(_ network: IPNetwork) -> Bool {
        network.prefixLength >= (network.address.isIPv4 ? 8 : 16)
    }

    static let ipv4: [(IPNetwork, Refusal)] = [
        ("0.0.0.0/8", .unspecified), ("10.0.0.0/8", .privateNetwork), ("100.64.0.0/10", .sharedAddressSpace),
        ("127.0.0.0/8", .loopback), ("169.254.0.0/16", .linkLocal), ("172.16.0.0/12", .privateNetwork),
        ("192.0.0.0/24", .otherSpecialPurpose), ("192.0.2.0/24", .documentation), ("192.88.99.0/24", .otherSpecialPurpose),
        ("192.168.0.0/16", .privateNetwork), ("198.18.0.0/15", .otherSpecialPurpose), ("198.51.100.0/24", .documentation),
        ("203.0.113.0/24", .documentation), ("224.0.0.0/4", .multicast), ("240.0.0.0/4", .broadcastOrReserved),
    ].compactMap { text, refusal in IPNetwork(text).map { ($0, refusal) } }

    static let ipv6: [(IPNetwork, Refusal)] = [
        ("::1/128", .loopback), ("::/128", .unspecified), ("::/96", .otherSpecialPurpose), ("100::/64", .otherSpecialPurpose),
        ("2001:db8::/32", .documentation), ("3fff::/20", .documentation), ("2001:10::/28", .otherSpecialPurpose),
        ("2001:20::/28", .otherSpecialPurpose), ("fc00::/7", .privateNetwork), ("fe80::/10", .linkLocal),
        ("fec0::/10", .linkLocal), ("ff00::/8", .multicast),
    ].compactMap { text, refusal in IPNetwork(text).map { ($0, refusal) } }

    /// What kind of special address `address` is; `nil` for an ordinary public one.
    static func classify(_ address: IPAddress) -> Refusal? {
        if metadata.contains(where: { $0.contains(address) }) { return .cloudMetadata }
        if address.isIPv4 {
            return ipv4.first { $0.0.contains(address) }?.1
        }
        let bytes = address.bytes
        // ::ffff:a.b.c.d (mapped) and ::a.b.c.d (compatible, deprecated) reach the IPv4 host itself.
        if bytes[0..<10].allSatisfy({ $0 == 0 }), (bytes[10] == 0xFF && bytes[11] == 0xFF) || (bytes[10] == 0 && bytes[11] == 0),
           !(bytes[0..<15].allSatisfy { $0 == 0 }) {
            return .embeddedIPv4(address.lastIPv4)
        }
        // ::ffff:0:a.b.c.d (SIIT, RFC 6145 "IPv4-translated") also reaches an IPv4 host.
        if bytes[0..<8].allSatisfy({ $0 == 0 }), bytes[8] == 0xFF, bytes[9] == 0xFF, bytes[10] == 0, bytes[11] == 0 {
            return .embeddedIPv4(address.lastIPv4)
        }
        // NAT64 (RFC 6052 64:ff9b::/96, RFC 8215 64:ff9b:1::/48): the gateway connects to the embedded IPv4.
        if let nat64 = IPNetwork("64:ff9b::/96"), nat64.contains(address) { return .embeddedIPv4(address.lastIPv4) }
        if let local = IPNetwork("64:ff9b:1::/48"), local.contains(address) { return .otherSpecialPurpose }
        // 6to4 (RFC 3056): 2002:AABB:CCDD::/48 carries the IPv4 AA.BB.CC.DD.
        if bytes[0] == 0x20, bytes[1] == 0x02 {
            let v4 = IPAddress(uncheckedBytes: Array(bytes[2..<6]))
            return classify(v4) == nil ? nil : .embeddedIPv4(v4)
        }
        // Teredo (RFC 4380): 2001:0000::/32, the server's IPv4 in bytes 4–7, the client's inverted in 12–15.
        if bytes[0] == 0x20, bytes[1] == 0x01, bytes[2] == 0, bytes[3] == 0 {
            let server = IPAddress(uncheckedBytes: Array(bytes[4..<8]))
            let client = IPAddress(uncheckedBytes: bytes[12..<16].map { ~$0 })
            if classify(server) != nil { return .embeddedIPv4(server) }
            if classify(client) != nil { return .embeddedIPv4(client) }
            return nil
        }
        return ipv6.first { $0.0.contains(address) }?.1
    }
}
