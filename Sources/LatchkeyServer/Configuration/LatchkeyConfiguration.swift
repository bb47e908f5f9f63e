import Foundation
public import LatchkeyCore
public import LatchkeyStore
public import Logging

/// Everything `latchkey serve` needs, resolved and validated. See docs/configuration.md.
public struct LatchkeyConfiguration: Sendable {
    /// Every setting name; a config file may use only these.
    public static let keys: [String] = [
        "issuer", "host", "port", "database", "data-dir", "master-key", "master-key-file",
        "master-key-previous", "master-key-previous-file", "production", "dev",
        "scopes", "resources", "default-resource", "access-token-lifetime",
        "refresh-token-idle-lifetime", "refresh-token-absolute-lifetime", "refresh-token-grace", "jwks-max-age", "key-refresh-interval", "log-level",
        "registration-initial-access-token", "registration-allowed-redirect-hosts", "registration-rate-limit",
        "registration-max-body-bytes", "session-idle-lifetime", "session-absolute-lifetime",
        "login-failures-per-account", "login-failures-per-address", "client-cache-ttl",
        "login-account-delay-max", "idle-timeout", "header-timeout", "body-timeout", "max-connections",
        "registration-allow-client-credentials", "registration-unused-client-ttl", "registration-idle-client-ttl",
        "registration-max-clients", "introspection-clients",
        "providers", "egress-allowed-networks", "egress-allow-loopback", "egress-ca-file",
        "cimd", "cimd-allowed-hosts", "cimd-trusted-hosts",
        "refresh-token-reuse-window", "trusted-proxies", "trusted-proxies-header", "shutdown-timeout", "shutdown-drain-window",
        "metrics-listen",
        "audit-retention",
    ]

    public var issuer: Issuer
    public var host: String
    public var port: Int
    public var database: DatabaseLocation
    public var dataDirectory: String
    /// Base64 master key from the environment or config; prefer `masterKeyFile` in production.
    public var masterKey: String?
    public var masterKeyFile: String?
    /// Master keys replaced by `masterKey` that are still read until `latchkey master-key rotate` has re-sealed every
    /// value: base64 keys separated by commas or whitespace, and a file with one per line.
    public var masterKeyPrevious: String?
    public var masterKeyPreviousFile: String?
    /// Fail-closed mode: a master key must be supplied and the issuer must be https.
    public var production: Bool
    /// Development conveniences (a demo user); only on a loopback issuer.
    public var dev: Bool
    public var scopes: [String]
    /// The MCP servers tokens may be issued for (RFC 8707), and the audience when a request names none.
    public var resources: ResourceRegistry
    /// Seconds; also how long a retired signing key stays published.
    public var accessTokenLifetime: Int
    /// Seconds a refresh token stays usable unused, and the family's hard limit.
    public var refreshTokenIdleLifetime: Int
    public var refreshTokenAbsoluteLifetime: Int
    /// Seconds after a rotation in which one duplicate refresh by the same client is forgiven.
    public var refreshTokenGrace: Int
    /// Seconds a rotated refresh token is remembered, so that its reuse revokes the family. Older rotated tokens are
    /// deleted: presented later they are simply unknown (`invalid_grant`), and their family lives on.
    public var refreshTokenReuseWindow: Int
    /// Peers whose `Forwarded` / `X-Forwarded-For` and `X-Request-Id` are believed (`trusted-proxies`); none by default.
    public var trustedProxies: TrustedProxies
    /// Seconds a stopping server waits for requests in flight before it closes what is left (`shutdown-timeout`).
    public var shutdownTimeout: Int
    public var jwksMaxAge: Int
    public var keyRefreshInterval: Int
    public var logLevel: Logger.Level
    public var registration: RegistrationSettings
    /// Seconds a browser session lives without activity, and at most.
    public var sessionIdleLifetime: Int
    public var sessionAbsoluteLifetime: Int
    /// Failed logins allowed per (username, client IP) and per client IP in each 15-minute window; 0 disables.
    public var loginFailuresPerAccount: Int
    public var loginFailuresPerAddress: Int
    /// The longest delay, in seconds, a username's failures (from any address) impose on its next attempt; 0 disables.
    public var loginAccountDelayMax: Int
    /// Seconds an instance may keep using a client it read from the registry; 0 reads it on every request.
    public var clientCacheTTL: Int
    /// Connection deadlines and the connection cap (DESIGN §8).
    public var connections: ConnectionSettings
    /// Confidential clients that may introspect any token although no resource names them (RFC 7662 §4).
    public var introspectionClients: [String]
    /// Where the server may call out (the vault's upstreams): `egress-allowed-networks`, `egress-allow-loopback`.
    public var egress: EgressAddressPolicy
    /// A PEM file of CA certificates egress trusts besides the system's (`egress-ca-file`): an internal CA.
    public var egressCAFile: String?
    /// The upstream services users connect to the vault (`providers`).
    public var providers: [UpstreamProvider]
    /// Client ID Metadata Documents: URL client ids (`cimd`, `cimd-allowed-hosts`, `cimd-trusted-hosts`).
    public var metadataDocuments: MetadataDocumentSettings
    /// Where Prometheus metrics are served (`metrics-listen`), on a listener of their own; `nil`: no metrics.
    public var metricsListen: MetricsListenAddress?
    /// Seconds audit rows are kept before retention prunes them (`audit-retention`); 0 keeps them forever.
    public var auditRetention: Int

    public struct MetadataDocumentSettings: Sendable, Equatable {
        /// Whether URL client ids are accepted at all; on by default, as MCP clients (Claude) expect.
        public var enabled: Bool
        /// When not empty, only documents on these hosts are accepted.
        public var allowedHosts: [String]
        /// Hosts whose clients the consent page marks as verified (`claude.ai`): the operator vouches for them.
        public var trustedHosts: [String]
    }

    public struct ConnectionSettings: Sendable, Equatable {
        /// Seconds a keep-alive connection may wait for its next request.
        public var idleTimeout: Int
        /// Seconds a new connection has to send its first request's headers.
        public var headerTimeout: Int
        /// Seconds a request has to send its whole body once its headers arrived.
        public var bodyTimeout: Int
        /// Open connections at most; 0 derives it from the descriptor limit (`ServerLimits`).
        public var maxConnections: Int
        /// Milliseconds a stopping server still answers on idle keep-alive connections (`shutdown-drain-window`).
        public var drainWindowMilliseconds: Int = 1000
    }

    public struct RegistrationSettings: Sendable {
        /// RFC 7591 §3: when set, `POST /register` requires `Authorization: Bearer <token>`.
        public var initialAccessToken: String?
        public var allowedRedirectHosts: [String]
        /// Whether dynamic registration may register `client_credentials` without an initial access token: such a
        /// client gets tokens with no user behind them (DESIGN §8). Off by default; use `latchkey clients add`.
        public var allowClientCredentials: Bool
        /// Registrations per client IP per minute; 0 disables the limit.
        public var rateLimitPerMinute: Int
        public var maxBodyBytes: Int
        /// Seconds a DCR client may go without its first token before it is pruned; 0 never prunes for that.
        public var unusedClientTTL: Int
        /// Seconds a DCR client may go without a token before it is pruned with its grants; 0 never prunes for that.
        public var idleClientTTL: Int
        /// DCR clients at most; past it `POST /register` answers 503. 0: no cap.
        public var maxClients: Int
    }

    public static let defaultScopes = ["mcp:tools", "mcp:resources", "mcp:prompts", "offline_access"]

    /// Resolves `source` over the defaults.
    public init(_ source: ConfigurationSource) throws {
        let values = source.values
        func origin(_ key: String) -> String { source.origins[key] ?? "default" }
        func int(_ key: String, _ fallback: Int, range: ClosedRange<Int>) throws -> Int {
            guard let raw = values[key] else { return fallback }
            guard let value = Int(raw.trimmingCharacters(in: .whitespaces)), range.contains(value) else {
                throw ConfigurationError("\(key) (from \(origin(key))) must be an integer in \(range.lowerBound)...\(range.upperBound), got '\(raw)'")
            }
            return value
        }
        func bool(_ key: String) throws -> Bool {
            guard let raw = values[key]?.lowercased() else { return false }
            switch raw {
            case "1", "true", "yes", "on": return true
            case "0", "false", "no", "off", "": return false
            default: throw ConfigurationError("\(key) (from \(origin(key))) must be true or false, got '\(raw)'")
            }
        }
        /// Seconds within `range`, or 0 for "never".
        func ttl(_ key: String, _ fallback: Int, range: ClosedRange<Int>) throws -> Int {
            guard let raw = values[key] else { return fallback }
            guard let value = Int(raw.trimmingCharacters(in: .whitespaces)), value == 0 || range.contains(value) else {
                throw ConfigurationError(
                    "\(key) (from \(origin(key))) must be 0 (never) or seconds in \(range.lowerBound)...\(range.upperBound), got '\(raw)'"
                )
            }
            return value
        }
        func list(_ key: String) -> [String]? {
            values[key].map { $0.split(whereSeparator: { $0 == " " || $0 == "," }).map(String.init) }
        }

        self.host = values["host"] ?? "127.0.0.1"
        self.port = try int("port", 8080, range: 0...65535)
        let issuerURL = values["issuer"] ?? "http://\(host.unicodeScalars.contains(":") ? "[\(host)]" : host):\(port)"
        do {
            self.issuer = try Issuer(issuerURL)
        } catch let error as IssuerError {
            throw ConfigurationError("issuer (from \(origin("issuer"))): \(error.description)")
        }
        self.dataDirectory = values["data-dir"] ?? "latchkey-data"
        self.database = try DatabaseLocation(values["database"] ?? "\(dataDirectory)/latchkey.sqlite")
        self.masterKey = values["master-key"]
        self.masterKeyFile = values["master-key-file"]
        self.masterKeyPrevious = values["master-key-previous"]
        self.masterKeyPreviousFile = values["master-key-previous-file"]
        // Fail closed: anything but a loopback issuer is production unless that is impossible to mean.
        self.production = try bool("production") || !issuer.isLoopback
        self.dev = try bool("dev")
        if dev, production {
            throw ConfigurationError("dev mode is only for a loopback issuer; remove --dev or --production")
        }
        self.scopes = list("scopes") ?? Self.defaultScopes
        if scopes.isEmpty { throw ConfigurationError("scopes must not be empty") }
        let supportedScopes = scopes
        let resourceList: [ProtectedResource]
        do {
            resourceList = try values["resources"].map { text in
                try JSONDecoder().decode([ResourceSetting].self, from: Data(text.utf8)).map { setting in
                    try ProtectedResource(
                        uri: setting.uri, name: setting.name ?? setting.uri, scopes: setting.scopes ?? supportedScopes,
                        clientID: setting.client_id.flatMap { $0.isEmpty ? nil : $0 }
                    )
                }
            } ?? []
        } catch let error as OAuthError {
            throw ConfigurationError("resources (from \(origin("resources"))): \(error.description)")
        } catch let error as ResourceSetting.UnknownMember {
            throw ConfigurationError(
                "resources (from \(origin("resources"))): unknown member '\(error.name)' in a resource entry; the members are \(ResourceSetting.members.joined(separator: ", "))"
            )
        } catch {
            throw ConfigurationError(
                #"resources (from \#(origin("resources"))) must be a JSON array like [{"uri":"https://mcp.example.com/mcp","name":"My MCP server","scopes":["mcp:tools"],"client_id":"…"}]"#
            )
        }
        do {
            self.resources = try ResourceRegistry(resources: resourceList, defaultResource: values["default-resource"], issuer: issuer)
        } catch let error as OAuthError {
            throw ConfigurationError("default-resource (from \(origin("default-resource"))): \(error.description)")
        }
        for resource in resourceList {
            if let unknown = resource.scopes.first(where: { !supportedScopes.contains($0) }) {
                throw ConfigurationError("resources: \(resource.uri) lists the scope '\(unknown)', which is not in scopes")
            }
        }
        self.accessTokenLifetime = try int("access-token-lifetime", 3600, range: 60...86400)
        self.refreshTokenIdleLifetime = try int("refresh-token-idle-lifetime", 30 * 86400, range: 300...365 * 86400)
        self.refreshTokenAbsoluteLifetime = try int("refresh-token-absolute-lifetime", 90 * 86400, range: 300...3 * 365 * 86400)
        self.refreshTokenGrace = try int("refresh-token-grace", 30, range: 0...300)
        // At least the access tokens' lifetime: a family revocation revokes, by jti, the access tokens its rows name,
        // so a rotated row must outlive the access token issued with it.
        self.refreshTokenReuseWindow = try int(
            "refresh-token-reuse-window", 7 * 86400, range: accessTokenLifetime...max(accessTokenLifetime, refreshTokenAbsoluteLifetime)
        )
        let proxies = try (list("trusted-proxies") ?? []).map { text in
            guard let network = IPNetwork(text) else {
                throw ConfigurationError("trusted-proxies (from \(origin("trusted-proxies"))): '\(text)' is not an address or CIDR block, like 10.0.0.5 or 10.0.0.0/24")
            }
            return network
        }
        let headerName = values["trusted-proxies-header"]?.lowercased() ?? TrustedProxies.Header.xForwardedFor.rawValue
        guard let header = TrustedProxies.Header(rawValue: headerName) else {
            throw ConfigurationError("trusted-proxies-header (from \(origin("trusted-proxies-header"))) must be x-forwarded-for or forwarded: the one your proxy sets")
        }
        self.trustedProxies = TrustedProxies(networks: proxies, header: header)
        self.shutdownTimeout = try int("shutdown-timeout", 10, range: 1...600)
        self.jwksMaxAge = try int("jwks-max-age", 300, range: 0...86400)
        // At most 300 s: a retired key stays published 300 s past its last token, and an instance may keep
        // signing with it until its next refresh.
        self.keyRefreshInterval = try int("key-refresh-interval", 60, range: 1...300)
        self.sessionIdleLifetime = try int("session-idle-lifetime", 12 * 3600, range: 300...30 * 86400)
        self.sessionAbsoluteLifetime = try int("session-absolute-lifetime", 7 * 86400, range: 300...90 * 86400)
        self.loginFailuresPerAccount = try int("login-failures-per-account", 10, range: 0...10_000)
        self.loginFailuresPerAddress = try int("login-failures-per-address", 100, range: 0...1_000_000)
        self.loginAccountDelayMax = try int("login-account-delay-max", 8, range: 0...60)
        self.clientCacheTTL = try int("client-cache-ttl", 5, range: 0...300)
        self.connections = ConnectionSettings(
            idleTimeout: try int("idle-timeout", 30, range: 1...3600),
            headerTimeout: try int("header-timeout", 10, range: 1...600),
            bodyTimeout: try int("body-timeout", 30, range: 1...3600),
            maxConnections: try int("max-connections", 0, range: 0...1_000_000),
            drainWindowMilliseconds: try int("shutdown-drain-window", 1000, range: 0...10_000)
        )
        self.introspectionClients = list("introspection-clients") ?? []
        var allowedNetworks: [IPNetwork] = []
        for text in list("egress-allowed-networks") ?? [] {
            guard let network = IPNetwork(text), EgressAddressPolicy.isAcceptableAllowedNetwork(network) else {
                throw ConfigurationError("egress-allowed-networks (from \(origin("egress-allowed-networks"))): '\(text)' is not a CIDR block of at least /8 (IPv4) or /16 (IPv6), like 10.20.0.0/16 or fd00:1::/64")
            }
            allowedNetworks.append(network)
        }
        let allowsLoopback = try bool("egress-allow-loopback")
        if allowsLoopback, production {
            throw ConfigurationError("egress-allow-loopback is for development and tests only; it is refused in production")
        }
        self.egress = EgressAddressPolicy(allowedNetworks: allowedNetworks, allowsLoopback: allowsLoopback)
        self.egressCAFile = values["egress-ca-file"].flatMap { $0.isEmpty ? nil : $0 }
        if let file = egressCAFile, !FileManager.default.isReadableFile(atPath: file) {
            throw ConfigurationError("egress-ca-file (from \(origin("egress-ca-file"))): cannot read \(file); give a PEM file of CA certificates")
        }
        func hosts(_ key: String) throws -> [String] {
            try (list(key) ?? []).map { host in
                let lowered = host.lowercased()
                guard URISyntax.hostAndPort(of: "https://" + lowered)?.host == lowered else {
                    throw ConfigurationError("\(key) (from \(origin(key))): '\(host)' is not a host name like claude.ai")
                }
                return lowered
            }
        }
        self.metadataDocuments = MetadataDocumentSettings(
            enabled: values["cimd"] == nil ? true : try bool("cimd"), allowedHosts: try hosts("cimd-allowed-hosts"),
            trustedHosts: try hosts("cimd-trusted-hosts")
        )
        do {
            self.providers = try values["providers"].map { try ProviderSettings.parse($0, allowsHTTP: allowsLoopback) } ?? []
        } catch let error as ProviderError {
            throw ConfigurationError("providers (from \(origin("providers"))): \(error.description)")
        }
        for provider in providers {
            if let unknown = provider.resources.first(where: { uri in !resourceList.contains { $0.uri == uri } }) {
                throw ConfigurationError("providers: \(provider.id) lists the resource \(unknown), which is not in resources")
            }
            if let anonymous = provider.resources.first(where: { uri in resourceList.first { $0.uri == uri }?.clientID == nil }) {
                throw ConfigurationError(
                    "providers: \(provider.id) lists the resource \(anonymous), whose resources entry has no client_id; token exchange needs to know which client that MCP server is"
                )
            }
        }
        let reserved = [CredentialsAPIAccess.readScope, CredentialsAPIAccess.writeScope]
        if let resource = resourceList.first(where: { $0.scopes.contains(where: reserved.contains) }) {
            throw ConfigurationError("resources: \(resource.uri) lists a credentials: scope; those belong to Latchkey's credentials API only")
        }
        // With a vault, Latchkey's credentials API is a resource too, with scopes offered for it alone.
        if !providers.isEmpty {
            let current = self.scopes
            self.scopes = current + reserved.filter { !current.contains($0) }
            do {
                self.resources = try ResourceRegistry(
                    resources: resourceList, defaultResource: values["default-resource"], issuer: issuer,
                    builtIn: [try CredentialsAPIAccess(issuer: issuer).protectedResource()]
                )
            } catch let error as OAuthError {
                throw ConfigurationError("default-resource (from \(origin("default-resource"))): \(error.description)")
            }
        }
        if let text = values["metrics-listen"], !text.trimmingCharacters(in: .whitespaces).isEmpty {
            guard let address = MetricsListenAddress(text) else {
                throw ConfigurationError(
                    "metrics-listen (from \(origin("metrics-listen"))) must be \(MetricsListenAddress.example), got '\(text)'; leave it unset for no metrics"
                )
            }
            self.metricsListen = address
        } else {
            self.metricsListen = nil
        }
        let levelName = values["log-level"] ?? "info"
        guard let level = Logger.Level(rawValue: levelName) else {
            throw ConfigurationError("log-level must be one of trace, debug, info, notice, warning, error, critical")
        }
        self.logLevel = level
        let initialAccessToken = values["registration-initial-access-token"].flatMap { $0.isEmpty ? nil : $0 }
        if let initialAccessToken, initialAccessToken.utf8.count < 16 {
            throw ConfigurationError("registration-initial-access-token must be at least 16 characters; generate one with `openssl rand -base64 32`")
        }
        self.registration = RegistrationSettings(
            initialAccessToken: initialAccessToken,
            allowedRedirectHosts: list("registration-allowed-redirect-hosts") ?? [],
            allowClientCredentials: try bool("registration-allow-client-credentials"),
            rateLimitPerMinute: try int("registration-rate-limit", 60, range: 0...1_000_000),
            maxBodyBytes: try int("registration-max-body-bytes", 64 * 1024, range: 1024...1024 * 1024),
            // At least an hour: a person may register a client and sign in a while later.
            unusedClientTTL: try ttl("registration-unused-client-ttl", 86400, range: 3600...365 * 86400),
            // At least a week: above the longest access token (a day), so a pruned client holds no live token.
            idleClientTTL: try ttl("registration-idle-client-ttl", 90 * 86400, range: 7 * 86400...10 * 365 * 86400),
            maxClients: try int("registration-max-clients", 100_000, range: 0...100_000_000)
        )
        // At least a day (rows pruned sooner would not outlive an incident's first look); a year by default.
        self.auditRetention = try ttl("audit-retention", 365 * 86400, range: 86400...10 * 365 * 86400)

        if production, !issuer.isHTTPS {
            throw ConfigurationError(
                "in production the issuer must use https, got \(issuer.url); set LATCHKEY_ISSUER=https://… (http is allowed only on a loopback issuer without --production)"
            )
        }
        if production, masterKey == nil, masterKeyFile == nil {
            throw ConfigurationError(
                "production mode needs a master key: set LATCHKEY_MASTER_KEY (base64 of 32 bytes, e.g. `openssl rand -base64 32`) or --master-key-file"
            )
        }
    }

    /// One entry of the `resources` setting. Strict like the settings themselves: a member it does not know (a
    /// misspelt `"scope"`) is an error that names it, not a silently ignored key.
    struct ResourceSetting: Decodable {
        var uri: String
        var name: String?
        var scopes: [String]?
        /// The confidential client the MCP server authenticates as (introspection, token exchange).
        var client_id: String?

        static let members = ["uri", "name", "scopes", "client_id"]

        struct UnknownMember: Error {
            let name: String
        }

        struct Member: CodingKey {
            let stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: Member.self)
            if let unknown = container.allKeys.first(where: { !Self.members.contains($0.stringValue) }) {
                throw UnknownMember(name: String(unknown.stringValue.prefix(64)))
            }
            self.uri = try container.decode(String.self, forKey: Member(stringValue: "uri"))
            self.name = try container.decodeIfPresent(String.self, forKey: Member(stringValue: "name"))
            self.scopes = try container.decodeIfPresent([String].self, forKey: Member(stringValue: "scopes"))
            self.client_id = try container.decodeIfPresent(String.self, forKey: Member(stringValue: "client_id"))
        }
    }

    /// The policy `POST /register` enforces: `client_credentials` only behind an initial access token or when the
    /// operator allowed it explicitly.
    public var registrationPolicy: ClientRegistrationPolicy {
        ClientRegistrationPolicy(
            redirectURIs: RedirectURIPolicy(allowedHosts: registration.allowedRedirectHosts),
            supportedScopes: scopes,
            allowsClientCredentials: registration.allowClientCredentials || registration.initialAccessToken != nil,
            allowsLoopbackJWKSURI: egress.allowsLoopback
        )
    }

    /// Which clients maintenance prunes. Every client the configuration names is kept whatever its kind: removing a
    /// resource's own client or an introspection client would break that server.
    public var clientRetention: ClientRetention {
        ClientRetention(
            unusedTTL: Int64(registration.unusedClientTTL),
            idleTTL: Int64(registration.idleClientTTL),
            protectedClientIDs: Set(resources.resources.compactMap(\.clientID) + introspectionClients)
        )
    }

    /// The policy for clients the operator adds (`latchkey clients add`): the same rules, and machine clients allowed.
    public var operatorRegistrationPolicy: ClientRegistrationPolicy {
        var policy = registrationPolicy
        policy.allowsClientCredentials = true
        return policy
    }
}
