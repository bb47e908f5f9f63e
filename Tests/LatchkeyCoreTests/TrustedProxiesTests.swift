import LatchkeyCore
import Testing

struct TrustedProxiesTests {
    let proxies = TrustedProxies(networks: ["10.0.0.0/8", "192.0.2.10"].compactMap(IPNetwork.init))
    let proxy = IPAddress("10.1.2.3")!

    func client(_ values: [String], peer: String = "10.1.2.3", proxies: TrustedProxies? = nil) -> String {
        (proxies ?? self.proxies).clientAddress(peer: IPAddress(peer)!, values: values).description
    }

    @Test("from an untrusted peer the header is ignored: the peer is the client")
    func untrustedPeer() {
        #expect(client(["203.0.113.7"], peer: "198.51.100.1") == "198.51.100.1")
        #expect(client(["203.0.113.7"], peer: "198.51.100.1", proxies: TrustedProxies()) == "198.51.100.1")
    }

    @Test("X-Forwarded-For is read from the right, skipping trusted proxies")
    func rightmostUntrusted() {
        #expect(client(["203.0.113.7"]) == "203.0.113.7")
        // A client-supplied first value is not believed: the last proxy appended the address it saw.
        #expect(client(["1.1.1.1, 203.0.113.7"]) == "203.0.113.7")
        #expect(client(["1.1.1.1, 203.0.113.7, 10.9.9.9"]) == "203.0.113.7")
        // Several field lines are one list, in order.
        #expect(client(["1.1.1.1", "203.0.113.7, 192.0.2.10"]) == "203.0.113.7")
        // Ports and spaces.
        #expect(client([" 203.0.113.7:5555 "]) == "203.0.113.7")
        #expect(client(["[2001:db8::1]:443"]) == IPAddress("2001:db8::1")!.description)
        #expect(client(["2001:db8::1"]) == IPAddress("2001:db8::1")!.description)
    }

    @Test("a chain of trusted proxies only yields the leftmost; no header yields the peer")
    func allTrusted() {
        #expect(client(["10.0.0.1, 10.0.0.2"]) == "10.0.0.1")
        #expect(client([]) == "10.1.2.3")
    }

    @Test("a hop that is not an address stops at the proxy that wrote it")
    func garbage() {
        #expect(client(["unknown"]) == "10.1.2.3")
        #expect(client(["203.0.113.7, unknown"]) == "10.1.2.3")
        #expect(client(["not an ip, 10.0.0.5"]) == "10.0.0.5")
        #expect(client([""]) == "10.1.2.3")
        #expect(client([String(repeating: ",", count: 10_000)]) == "10.1.2.3")
    }

    @Test("only the last hops are walked")
    func boundedWalk() {
        let chain = (["203.0.113.7"] + Array(repeating: "10.0.0.9", count: 40)).joined(separator: ",")
        #expect(client([chain]) == "10.0.0.9")
    }

    @Test("an IPv4 peer seen as IPv4-mapped IPv6 is matched as IPv4")
    func mapped() {
        #expect(client(["203.0.113.7"], peer: "::ffff:10.1.2.3") == "203.0.113.7")
        #expect(client(["::ffff:203.0.113.7"]) == "203.0.113.7")
    }

    @Test("Forwarded (RFC 7239): for= of each element, quoted, with ports, other parameters ignored")
    func forwarded() {
        let proxies = TrustedProxies(networks: self.proxies.networks, header: .forwarded)
        #expect(client(["for=203.0.113.7"], proxies: proxies) == "203.0.113.7")
        #expect(client([#"for=1.1.1.1, for="[2001:db8:cafe::17]:4711";proto=https"#], proxies: proxies) == IPAddress("2001:db8:cafe::17")!.description)
        #expect(client([#"proto=https;For="203.0.113.7:80";by=10.0.0.1"#], proxies: proxies) == "203.0.113.7")
        #expect(client(["for=203.0.113.7", "for=10.0.0.3"], proxies: proxies) == "203.0.113.7")
        // An element without for, or an obfuscated node: unknown, so the proxy.
        #expect(client(["proto=https"], proxies: proxies) == "10.1.2.3")
        #expect(client(["for=_hidden"], proxies: proxies) == "10.1.2.3")
        // A quoted comma does not split elements.
        #expect(client([#"for="1.1.1.1,2.2.2.2""#], proxies: proxies) == "10.1.2.3")
    }

    @Test("X-Forwarded-For mode ignores a Forwarded-shaped value and vice versa")
    func oneHeaderOnly() {
        #expect(client(["for=203.0.113.7"]) == "10.1.2.3")
    }
}
