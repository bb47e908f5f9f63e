/// Why an outbound call did not happen or did not succeed. Descriptions name the host and the rule, never a
/// token or a body; an upstream's own text is never carried.
public enum EgressError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidURL
    /// Only `https` (and `http` under `egress-allow-loopback`).
    case schemeNotAllowed(String)
    case refused(host: String, reason: String)
    case unresolvable(host: String)
    /// A 3xx: redirects are never followed, and nothing is re-sent anywhere.
    case redirected(status: Int)
    case responseTooLarge(limit: Int)
    case timedOut
    case connectionFailed(host: String)

    public var description: String {
        switch self {
        case .invalidURL: "the URL is not a valid absolute http(s) URL"
        case .schemeNotAllowed(let scheme): "the scheme '\(scheme)' is not allowed; use https"
        case .refused(let host, let reason): "refused to connect to \(host): it is \(reason)"
        case .unresolvable(let host): "could not resolve \(host)"
        case .redirected(let status): "the server answered \(status) (a redirect); redirects are not followed"
        case .responseTooLarge(let limit): "the response is larger than \(limit) bytes"
        case .timedOut: "the server did not answer in time"
        case .connectionFailed(let host): "could not connect to \(host)"
        }
    }
}
