import CoreMetrics
import LatchkeyCore

/// `latchkey_tokens_issued_total{grant}`: access tokens `POST /token` issued, by grant. Counted in the endpoint,
/// not from security events: issuing a token is the normal case, which no event records.
struct TokenMetrics: Sendable {
    let issued: [TokenEndpointGrant: Counter]

    init(factory: any MetricsFactory) {
        var issued: [TokenEndpointGrant: Counter] = [:]
        for grant in TokenEndpointGrant.allCases {
            issued[grant] = Counter(label: "latchkey_tokens_issued_total", dimensions: [("grant", Self.label(grant))], factory: factory)
        }
        self.issued = issued
    }

    func issued(_ grant: TokenEndpointGrant) {
        issued[grant]?.increment()
    }

    /// The grant's short name (token exchange's is a URN).
    static func label(_ grant: TokenEndpointGrant) -> String {
        switch grant {
        case .authorizationCode: "authorization_code"
        case .refreshToken: "refresh_token"
        case .clientCredentials: "client_credentials"
        case .tokenExchange: "token_exchange"
        }
    }
}
