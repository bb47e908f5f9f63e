import LatchkeyCore
import Foundation
@testable import LatchkeyServer
import LatchkeyTestSupport
import Testing

/// The `providers` and `egress-*` settings: strict, secrets never inline, fail closed in production.
struct ProviderSettingsTests {
    static let github = #"{"id":"github","name":"GitHub","authorization_endpoint":"https://github.com/login/oauth/authorize","token_endpoint":"https://github.com/login/oauth/access_token","userinfo_endpoint":"https://api.github.com/user","account_field":"login","client_id":"Iv1.abc","client_secret_env":"GITHUB_CLIENT_SECRET","scopes":["repo","read:user"]}"#

    static func providers(_ json: String, _ extra: [String: String] = [:]) throws -> [UpstreamProvider] {
        try ConfigurationTests.resolve(["providers": json].merging(extra) { $1 }).providers
    }

    static func refusal(_ json: String, _ extra: [String: String] = [:]) -> String {
        do {
            _ = try providers(json, extra)
            return "accepted"
        } catch {
            return "\(error)"
        }
    }

    @Test("a full entry is read as written; name defaults to the id, the auth method to client_secret_basic")
    func valid() throws {
        let parsed = try Self.providers("[\(Self.github),\(#"{"id":"google","issuer":"https://accounts.google.com","client_id":"x.apps.googleusercontent.com","client_secret_file":"/run/secrets/google","token_endpoint_auth_method":"client_secret_post","authorization_params":{"access_type":"offline","prompt":"consent"}}"#)]")
        #expect(parsed.count == 2)
        let github = try #require(parsed.first)
        #expect(github.name == "GitHub" && github.secret == .environment("GITHUB_CLIENT_SECRET") && github.authMethod == .clientSecretBasic)
        #expect(github.endpoints == .configured(authorization: "https://github.com/login/oauth/authorize", token: "https://github.com/login/oauth/access_token"))
        #expect(github.scopes == ["repo", "read:user"] && github.accountField == "login")
        let google = try #require(parsed.last)
        #expect(google.name == "google" && google.endpoints == .discovered(issuer: "https://accounts.google.com"))
        #expect(google.secret == .file("/run/secrets/google") && google.authMethod == .clientSecretPost)
        #expect(google.authorizationParameters == ["access_type": "offline", "prompt": "consent"])
        #expect(try Self.providers(#"[{"id":"pub","issuer":"https://idp.example.com","client_id":"c","token_endpoint_auth_method":"none"}]"#).first?.secret == UpstreamProvider.SecretSource.none)
    }

    @Test("bad entries are refused with a message that names the problem", arguments: [
        (#"[{"id":"gh","issuer":"https://github.com","client_id":"c","client_secret":"s3cret"}]"#, "never be inline"),
        (#"[{"id":"gh","issuer":"https://github.com","client_id":"c","client_secret_env":"X","scope":["repo"]}]"#, "unknown member 'scope'"),
        (#"[{"id":"GitHub","issuer":"https://github.com","client_id":"c","client_secret_env":"X"}]"#, "id 'GitHub'"),
        (#"[{"id":"-gh","issuer":"https://github.com","client_id":"c","client_secret_env":"X"}]"#, "id '-gh'"),
        (#"[{"id":"gh","client_id":"c","client_secret_env":"X"}]"#, "either issuer"),
        (#"[{"id":"gh","issuer":"https://a.example","token_endpoint":"https://a.example/t","client_id":"c","client_secret_env":"X"}]"#, "either issuer"),
        (#"[{"id":"gh","issuer":"https://a.example","client_secret_env":"X"}]"#, "client_id is required"),
        (#"[{"id":"gh","issuer":"https://a.example","client_id":"c"}]"#, "client_secret_env or client_secret_file"),
        (#"[{"id":"gh","issuer":"https://a.example","client_id":"c","client_secret_env":"X","client_secret_file":"/f"}]"#, "not both"),
        (#"[{"id":"gh","issuer":"https://a.example","client_id":"c","client_secret_env":"X","token_endpoint_auth_method":"none"}]"#, "takes no client secret"),
        (#"[{"id":"gh","issuer":"https://a.example","client_id":"c","client_secret_env":"X","token_endpoint_auth_method":"private_key_jwt"}]"#, "token_endpoint_auth_method"),
        (#"[{"id":"gh","issuer":"http://a.example","client_id":"c","client_secret_env":"X"}]"#, "https URL"),
        (#"[{"id":"gh","issuer":"https://a.example#x","client_id":"c","client_secret_env":"X"}]"#, "https URL"),
        (#"[{"id":"gh","issuer":"https://a.example","client_id":"c","client_secret_env":"X","authorization_params":{"redirect_uri":"https://evil.example"}}]"#, "may not set 'redirect_uri'"),
        (#"[{"id":"gh","issuer":"https://a.example","client_id":"c","client_secret_env":"X","scopes":"repo"}]"#, "scopes must be an array"),
        (#"[{"id":"gh","authorization_endpoint":"https://a.example/a","token_endpoint":"https://a.example/t","client_id":"c","client_secret_env":"X","account_field":"login"}]"#, "needs a userinfo_endpoint"),
        (#"[{"id":"gh","issuer":"https://a.example","client_id":"c","client_secret_env":"X"},{"id":"gh","issuer":"https://b.example","client_id":"d","client_secret_env":"Y"}]"#, "used twice"),
        (#"{"id":"gh"}"#, "must be a JSON array"),
    ])
    func refused(json: String, reason: String) {
        let message = Self.refusal(json)
        #expect(message.contains(reason), "\(message)")
        #expect(message.hasPrefix("providers (from test)"))
        #expect(!message.contains("s3cret"))
    }

    @Test("http upstreams and loopback egress only under egress-allow-loopback, which production refuses; networks are CIDRs")
    func egress() throws {
        let http = #"[{"id":"fake","issuer":"http://127.0.0.1:9999","client_id":"c","client_secret_env":"X"}]"#
        #expect(try Self.providers(http, ["egress-allow-loopback": "true"]).first?.endpoints == .discovered(issuer: "http://127.0.0.1:9999"))
        #expect(Self.refusal(http).contains("https URL"))
        #expect(throws: ConfigurationError.self) {
            try ConfigurationTests.resolve(["egress-allow-loopback": "true", "issuer": "https://auth.example.com", "master-key": MasterKeyFixture.base64])
        }
        let configuration = try ConfigurationTests.resolve(["egress-allowed-networks": "10.20.0.0/16, fd00:1::/64"])
        #expect(configuration.egress.allowedNetworks.map(\.description) == ["10.20.0.0/16", "fd00:1:0:0:0:0:0:0/64"])
        #expect(!configuration.egress.allowsLoopback)
        #expect(throws: ConfigurationError.self) { try ConfigurationTests.resolve(["egress-allowed-networks": "10.20.0.0/33"]) }
        #expect(throws: ConfigurationError.self) { try ConfigurationTests.resolve(["egress-allowed-networks": "0.0.0.0/0"]) }
    }
}

extension ProviderSettingsTests {
    @Test("a provider's secret comes from its variable or file, trimmed of the trailing newline; missing stops the start, naming both")
    func secrets() throws {
        let providers = try Self.providers("[\(Self.github),\(#"{"id":"corp","issuer":"https://idp.corp.example","client_id":"c","client_secret_file":"/run/secrets/corp"}"#)]")
        let files = ["/run/secrets/corp": Data("file-secret\n".utf8)]
        let loaded = try ProviderSecrets.load(providers, environment: ["GITHUB_CLIENT_SECRET": "env-secret"], readFile: { files[$0] })
        #expect(loaded.secret(for: "github") == "env-secret" && loaded.secret(for: "corp") == "file-secret")
        let missing = #expect(throws: ConfigurationError.self) {
            try ProviderSecrets.load(providers, environment: [:], readFile: { files[$0] })
        }
        #expect(missing?.description.contains("'github'") == true && missing?.description.contains("GITHUB_CLIENT_SECRET") == true)
        let unreadable = #expect(throws: ConfigurationError.self) {
            try ProviderSecrets.load(providers, environment: ["GITHUB_CLIENT_SECRET": "x"], readFile: { _ in nil })
        }
        #expect(unreadable?.description.contains("/run/secrets/corp") == true)
        let masterKey = try Self.providers(#"[{"id":"x","issuer":"https://idp.example.com","client_id":"c","client_secret_env":"LATCHKEY_MASTER_KEY"}]"#)
        #expect(throws: ConfigurationError.self) { try ProviderSecrets.load(masterKey, environment: ["LATCHKEY_MASTER_KEY": "k"]) }
        let huge = ["/run/secrets/corp": Data(repeating: 65, count: 5000)]
        #expect(throws: ConfigurationError.self) { try ProviderSecrets.load(providers, environment: ["GITHUB_CLIENT_SECRET": "x"], readFile: { huge[$0] }) }
    }
}

extension ProviderSettingsTests {
    @Test("the server does not start when a provider's secret is missing")
    func startRefused() async throws {
        let app = TestApp(["providers": "[\(Self.github.replacingOccurrences(of: "GITHUB_CLIENT_SECRET", with: "LATCHKEY_TEST_UNSET_SECRET_VARIABLE"))]"])
        defer { app.removeFiles() }
        let error = await #expect(throws: ConfigurationError.self) { try await app.test { _, _ in } }
        #expect(error?.description.contains("LATCHKEY_TEST_UNSET_SECRET_VARIABLE") == true)
    }
}
