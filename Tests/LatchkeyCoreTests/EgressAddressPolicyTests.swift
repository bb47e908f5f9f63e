import LatchkeyCore
import Testing

/// Every address class the vault's egress must refuse (issue 11 §1), each as a row, and the public ones it must not.
struct EgressAddressPolicyTests {
    static let policy = EgressAddressPolicy()

    @Test("refused addresses", arguments: [
        ("127.0.0.1", "a loopback address"), ("127.255.255.254", "a loopback address"), ("::1", "a loopback address"),
        ("[::1]", "a loopback address"), ("0.0.0.0", "the unspecified address"), ("0.1.2.3", "the unspecified address"),
        ("::", "the unspecified address"), ("[::]", "the unspecified address"),
        ("169.254.1.1", "a link-local address"), ("fe80::1", "a link-local address"), ("fe80::1%eth0", "a link-local address"),
        ("10.0.0.1", "a private network address"), ("172.16.0.1", "a private network address"), ("172.31.255.255", "a private network address"),
        ("192.168.1.1", "a private network address"), ("fc00::1", "a private network address"), ("fd12:3456::1", "a private network address"),
        ("100.64.0.1", "a carrier-grade NAT address (100.64.0.0/10)"), ("100.127.255.255", "a carrier-grade NAT address (100.64.0.0/10)"),
        ("::ffff:127.0.0.1", "an IPv6 form of the IPv4 address 127.0.0.1"), ("[::ffff:127.0.0.1]", "an IPv6 form of the IPv4 address 127.0.0.1"),
        ("::ffff:7f00:1", "an IPv6 form of the IPv4 address 127.0.0.1"), ("::127.0.0.1", "an IPv6 form of the IPv4 address 127.0.0.1"),
        ("::ffff:8.8.8.8", "an IPv6 form of the IPv4 address 8.8.8.8"), ("::ffff:169.254.169.254", "an IPv6 form of the IPv4 address 169.254.169.254"),
        ("2002:7f00:1::1", "an IPv6 form of the IPv4 address 127.0.0.1"), ("2002:a9fe:a9fe::", "an IPv6 form of the IPv4 address 169.254.169.254"),
        ("2001:0:4136:e378:8000:63bf:80ff:fffe", "an IPv6 form of the IPv4 address 127.0.0.1"),
        ("2001:0:7f00:1::", "an IPv6 form of the IPv4 address 127.0.0.1"),
        ("64:ff9b::7f00:1", "an IPv6 form of the IPv4 address 127.0.0.1"), ("64:ff9b::808:808", "an IPv6 form of the IPv4 address 8.8.8.8"),
        ("224.0.0.1", "a multicast address"), ("239.255.255.250", "a multicast address"), ("ff02::1", "a multicast address"),
        ("255.255.255.255", "a broadcast or reserved address"), ("240.0.0.1", "a broadcast or reserved address"),
        ("192.0.2.1", "a documentation address"), ("198.51.100.7", "a documentation address"), ("203.0.113.9", "a documentation address"),
        ("2001:db8::1", "a documentation address"),
        ("169.254.169.254", "a cloud metadata address"), ("fd00:ec2::254", "a cloud metadata address"), ("100.100.100.200", "a cloud metadata address"),
        ("::2", "a special-purpose address"), ("198.18.0.1", "a special-purpose address"),
        ("168.63.129.16", "a cloud metadata address"), ("fd20:ce::254", "a cloud metadata address"),
        ("::ffff:0:7f00:1", "an IPv6 form of the IPv4 address 127.0.0.1"), ("::FFFF:7F00:1", "an IPv6 form of the IPv4 address 127.0.0.1"),
        ("169.254.170.2", "a link-local address"),
    ])
    func refused(text: String, reason: String) throws {
        let address = try #require(IPAddress(text), "\(text) parses")
        #expect(Self.policy.check(address)?.description == reason)
    }

    @Test("public addresses pass", arguments: [
        "8.8.8.8", "1.1.1.1", "140.82.112.3", "172.32.0.1", "100.128.0.1", "192.169.0.1", "2606:4700:4700::1111",
        "2a00:1450:4001:80b::200e", "2002:808:808::1", "2001:0:4136:e378:8000:63bf:f7f7:f7f7",
    ])
    func allowed(text: String) throws {
        #expect(Self.policy.check(try #require(IPAddress(text))) == nil)
    }

    @Test("localhost names are refused whatever DNS says; names that merely contain the word are not", arguments: [
        ("localhost", true), ("LOCALHOST", true), ("localhost.", true), ("auth.localhost", true), ("a.b.localhost.", true),
        ("auth.localhost.example.com", false), ("localhost.example.com", false), ("mylocalhost", false), ("github.com", false),
    ])
    func localhostNames(host: String, refused: Bool) {
        #expect((Self.policy.check(host: host) == .localhostName) == refused)
    }

    @Test("egress-allowed-networks opens a private range, never loopback, metadata or unspecified; egress-allow-loopback opens loopback")
    func operatorSettings() throws {
        let policy = EgressAddressPolicy(allowedNetworks: [try #require(IPNetwork("10.1.0.0/16")), try #require(IPNetwork("169.254.0.0/16")), try #require(IPNetwork("0.0.0.0/0"))])
        #expect(policy.check(try #require(IPAddress("10.1.2.3"))) == nil)
        #expect(policy.check(try #require(IPAddress("10.2.0.1"))) == nil, "0.0.0.0/0 lists every private range")
        #expect(policy.check(try #require(IPAddress("169.254.169.254"))) == .cloudMetadata)
        #expect(policy.check(try #require(IPAddress("127.0.0.1"))) == .loopback)
        #expect(policy.check(try #require(IPAddress("0.0.0.0"))) == .unspecified)
        // Cloud credential endpoints stay closed whatever is allowed: ECS (169.254.170.2), EKS Pod Identity (fd00:ec2::23).
        let cloud = EgressAddressPolicy(allowedNetworks: [try #require(IPNetwork("169.254.0.0/16")), try #require(IPNetwork("fd00::/8"))])
        #expect(cloud.check(try #require(IPAddress("169.254.170.2"))) == .linkLocal)
        #expect(cloud.check(try #require(IPAddress("fd00:ec2::23"))) == .cloudMetadata)
        #expect(cloud.check(try #require(IPAddress("fd00:1::5"))) == nil)
        #expect(!EgressAddressPolicy.isAcceptableAllowedNetwork(try #require(IPNetwork("0.0.0.0/0"))))
        #expect(!EgressAddressPolicy.isAcceptableAllowedNetwork(try #require(IPNetwork("::/0"))))
        #expect(EgressAddressPolicy.isAcceptableAllowedNetwork(try #require(IPNetwork("10.0.0.0/8"))))
        let narrow = EgressAddressPolicy(allowedNetworks: [try #require(IPNetwork("10.1.0.0/16"))])
        #expect(narrow.check(try #require(IPAddress("10.2.0.1"))) == .privateNetwork)
        let dev = EgressAddressPolicy(allowsLoopback: true)
        #expect(dev.check(try #require(IPAddress("127.0.0.1"))) == nil)
        #expect(dev.check(try #require(IPAddress("::1"))) == nil)
        #expect(dev.check(try #require(IPAddress("::ffff:127.0.0.1"))) == nil)
        #expect(dev.check(host: "localhost") == nil)
        #expect(dev.check(try #require(IPAddress("169.254.169.254"))) == .cloudMetadata)
        #expect(dev.check(try #require(IPAddress("10.0.0.1"))) == .privateNetwork)
    }

    @Test("only strict textual forms are addresses: no octal, hex, shortened or overlong forms", arguments: [
        "0177.0.0.1", "0x7f.0.0.1", "127.1", "2130706433", "127.0.0.1.", "256.0.0.1", "1.2.3.04", "1::2::3", "12345::1",
        "::ffff:127.0.0.256", "1:2:3:4:5:6:7:8:9", "", "[::1", "example.com", "+1::", "::-0", "127.0.0.1%eth0", "::0x1",
    ])
    func malformed(text: String) {
        #expect(IPAddress(text) == nil)
    }

    @Test("CIDR blocks match on their prefix only")
    func networks() throws {
        let block = try #require(IPNetwork("172.16.0.0/12"))
        #expect(block.contains(try #require(IPAddress("172.31.0.1"))))
        #expect(!block.contains(try #require(IPAddress("172.32.0.1"))))
        #expect(!block.contains(try #require(IPAddress("::ffff:172.16.0.1"))), "families never mix")
        #expect(IPNetwork("10.0.0.0/33") == nil && IPNetwork("fc00::/129") == nil && IPNetwork("10.0.0.0/x") == nil)
        #expect(try #require(IPNetwork("fc00::/7")).contains(try #require(IPAddress("fdff::1"))))
    }
}
