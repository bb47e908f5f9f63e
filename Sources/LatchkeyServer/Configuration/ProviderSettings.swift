import Foundation
import LatchkeyCore

/// The `providers` setting: a JSON array of upstream providers, strict like `resources` — an unknown member (an
/// inline `client_secret`, a misspelt `scope`) is an error that names it.
enum ProviderSettings {
    static let members = [
        "id", "name", "issuer", "authorization_endpoint", "token_endpoint", "revocation_endpoint", "userinfo_endpoint",
        "account_field", "client_id", "client_secret_env", "client_secret_file", "token_endpoint_auth_method", "scopes",
        "authorization_params", "resources",
    ]

    /// Parses the setting's JSON text; `allowsHTTP` is `egress-allow-loopback`.
    static func parse(_ text: String, allowsHTTP: Bool) throws -> [UpstreamProvider] {
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)), case .array(let entries) = value else {
            throw ProviderError(#"must be a JSON array like [{"id":"github","authorization_endpoint":"https://github.com/login/oauth/authorize","token_endpoint":"https://github.com/login/oauth/access_token","client_id":"…","client_secret_env":"GITHUB_CLIENT_SECRET"}]"#)
        }
        var providers: [UpstreamProvider] = []
        for (index, entry) in entries.enumerated() {
            let provider = try parse(entry, index: index, allowsHTTP: allowsHTTP)
            guard !providers.contains(where: { $0.id == provider.id }) else { throw ProviderError("the id '\(provider.id)' is used twice") }
            providers.append(provider)
        }
        return providers
    }

    static func parse(_ entry: JSONValue, index: Int, allowsHTTP: Bool) throws -> UpstreamProvider {
        guard case .object(let fields) = entry else { throw ProviderError("entry \(index) must be a JSON object") }
        let label = { () -> String in
            if case .string(let id)? = fields["id"] { return "'\(RedirectURIPolicy.excerpt(id))'" }
            return "entry \(index)"
        }()
        if fields["client_secret"] != nil {
            throw ProviderError("\(label): client_secret must never be inline; name where it is read from with client_secret_env or client_secret_file")
        }
        if let unknown = fields.keys.sorted().first(where: { !members.contains($0) }) {
            throw ProviderError("\(label): unknown member '\(RedirectURIPolicy.excerpt(unknown))'; the members are \(members.joined(separator: ", "))")
        }
        func string(_ member: String) throws -> String? {
            switch fields[member] {
            case nil: return nil
            case .string(let text)? where !text.isEmpty: return text
            default: throw ProviderError("\(label): \(member) must be a non-empty string")
            }
        }
        guard let id = try string("id") else { throw ProviderError("\(label): id is required") }
        guard let clientID = try string("client_id") else { throw ProviderError("\(label): client_id is required") }
        let endpoints: UpstreamProvider.Endpoints
        switch (try string("issuer"), try string("authorization_endpoint"), try string("token_endpoint")) {
        case (let issuer?, nil, nil): endpoints = .discovered(issuer: issuer)
        case (nil, let authorization?, let token?): endpoints = .configured(authorization: authorization, token: token)
        default: throw ProviderError("\(label): set either issuer (discovery) or both authorization_endpoint and token_endpoint")
        }
        let secret: UpstreamProvider.SecretSource
        switch (try string("client_secret_env"), try string("client_secret_file")) {
        case (let name?, nil): secret = .environment(name)
        case (nil, let path?): secret = .file(path)
        case (nil, nil): secret = .none
        default: throw ProviderError("\(label): set client_secret_env or client_secret_file, not both")
        }
        let method = try string("token_endpoint_auth_method") ?? UpstreamProvider.AuthMethod.clientSecretBasic.rawValue
        guard let authMethod = UpstreamProvider.AuthMethod(rawValue: method) else {
            throw ProviderError("\(label): token_endpoint_auth_method must be client_secret_basic, client_secret_post or none")
        }
        func strings(_ name: String) throws -> [String] {
            switch fields[name] {
            case nil: return []
            case .array(let items)?:
                return try items.map { item in
                    guard case .string(let value) = item else { throw ProviderError("\(label): \(name) must be an array of strings") }
                    return value
                }
            default: throw ProviderError("\(label): \(name) must be an array of strings")
            }
        }
        let scopes = try strings("scopes")
        var parameters: [String: String] = [:]
        switch fields["authorization_params"] {
        case nil: break
        case .object(let items)?:
            for (name, item) in items {
                guard case .string(let value) = item else { throw ProviderError("\(label): authorization_params values must be strings") }
                parameters[name] = value
            }
        default: throw ProviderError("\(label): authorization_params must be an object of strings")
        }
        return try UpstreamProvider(
            id: id, name: try string("name"), endpoints: endpoints, revocationEndpoint: try string("revocation_endpoint"),
            userinfoEndpoint: try string("userinfo_endpoint"), accountField: try string("account_field"), clientID: clientID,
            secret: secret, authMethod: authMethod, scopes: scopes, authorizationParameters: parameters,
            resources: try strings("resources"), allowsHTTP: allowsHTTP
        )
    }
}
