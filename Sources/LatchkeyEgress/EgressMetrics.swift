public import CoreMetrics
import LatchkeyCore

/// Counts the calls egress did not make or did not finish, by reason, so an operator sees a provider that started
/// redirecting or a client id URL pointing at the metadata service without reading logs.
///
/// `latchkey_egress_refusals_total{purpose, reason}`: Latchkey's own decisions (the address policy, the scheme, a
/// redirect, a body over the cap). `latchkey_egress_failures_total{purpose, reason}`: the far side did not answer
/// (resolution, connection, time). Every reason is a fixed word, never a host: hosts are chosen by whoever
/// registers, and would make label values without bound.
public struct EgressMetrics: Sendable {
    let factory: any MetricsFactory
    /// What the client is for (`upstream`, `client_metadata`, `client_jwks`), fixed by the code that builds it.
    let purpose: String

    public init(factory: any MetricsFactory, purpose: String) {
        self.factory = factory
        self.purpose = purpose
    }

    /// Records nothing.
    public static var disabled: EgressMetrics { EgressMetrics(factory: NOOPMetricsHandler.instance, purpose: "none") }

    func refused(_ refusal: EgressAddressPolicy.Refusal) {
        count("latchkey_egress_refusals_total", Self.reason(refusal))
    }

    /// Records `error`; a policy refusal was recorded with its class where it was decided (`refused(_:)`).
    func record(_ error: EgressError) {
        switch error {
        case .refused: return
        case .invalidURL: count("latchkey_egress_refusals_total", "invalid_url")
        case .schemeNotAllowed: count("latchkey_egress_refusals_total", "scheme")
        case .redirected: count("latchkey_egress_refusals_total", "redirect")
        case .responseTooLarge: count("latchkey_egress_refusals_total", "response_too_large")
        case .unresolvable: count("latchkey_egress_failures_total", "unresolvable")
        case .timedOut: count("latchkey_egress_failures_total", "timeout")
        case .connectionFailed: count("latchkey_egress_failures_total", "connection_failed")
        }
    }

    func count(_ label: String, _ reason: String) {
        Counter(label: label, dimensions: [("purpose", purpose), ("reason", reason)], factory: factory).increment()
    }

    static func reason(_ refusal: EgressAddressPolicy.Refusal) -> String {
        switch refusal {
        case .loopback: "loopback"
        case .unspecified: "unspecified"
        case .linkLocal: "link_local"
        case .privateNetwork: "private_network"
        case .sharedAddressSpace: "shared_address_space"
        case .multicast: "multicast"
        case .broadcastOrReserved: "broadcast_or_reserved"
        case .documentation: "documentation"
        case .cloudMetadata: "cloud_metadata"
        case .embeddedIPv4: "embedded_ipv4"
        case .otherSpecialPurpose: "special_purpose"
        case .localhostName: "localhost_name"
        }
    }
}
